"""Running pytest in a folder of its own (a step, a copy, a workspace); each outcome.

A step is a Django project with its own ``pytest.ini``, so its tests run in a
process of their own, started in its folder, and report through pytest's JUnit
XML: what ``tutorial check`` tells a learner, and what the repository's tests
assert, come from the same reading of the same report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MESSAGE_LINES = 3  # of each failed test's assertion or error
OUTPUT_LINES = 25  # the end of the output, in a failure report


@dataclass(frozen=True)
class Failure:
    test_id: str  # a pytest node id: tests/test_x.py::test_y (the file, if broken)
    outcome: str  # "failed" (an assertion, in the test) or "error" (elsewhere)
    message: str  # the first lines of the assertion or the error


@dataclass
class PytestRun:
    returncode: int
    output: str = field(repr=False)  # empty when the output went to the terminal
    outcomes: dict[str, str]  # node id -> "passed", "failed", "error" or "skipped"
    failures: list[Failure]

    @property
    def summary(self) -> str:
        lines = [line.strip("= ") for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"

    def report(self, name: str) -> str:
        """What went wrong, short: failed tests, their first lines, the output's end."""
        lines = [f"{name}: {self.summary} (exit code {self.returncode})"]
        for failure in self.failures:
            lines.append(f"  {failure.outcome.upper()} {failure.test_id}")
            lines += [f"      {line}" for line in failure.message.splitlines()]
        tail = self.output.rstrip().splitlines()[-OUTPUT_LINES:]
        lines.append(f"--- the last {len(tail)} lines of {name}'s output ---")
        return "\n".join(lines + tail)


def run_pytest(
    folder: Path,
    pytest_args: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    show_output: bool = False,
    timeout: float | None = None,
) -> PytestRun:
    """Run pytest inside ``folder`` with ``env`` added; read each outcome.

    ``show_output`` lets pytest write to the terminal, as a learner sees it;
    otherwise the output is kept, for ``PytestRun.report``.
    """
    # The folder's own pytest.ini decides its options, not the caller's.
    run_env = {
        name: value for name, value in os.environ.items() if name != "PYTEST_ADDOPTS"
    }
    if not run_env.get("PYTHONPYCACHEPREFIX"):  # else bytecode goes there
        run_env["PYTHONDONTWRITEBYTECODE"] = "1"  # never a __pycache__ in a step
    run_env.update(env or {})
    # The report is the run's own: the same folder may be tested twice at once.
    with tempfile.TemporaryDirectory(prefix="pytest-report-") as report_folder:
        report = Path(report_folder) / "report.xml"
        # xunit1 names each test's file, so the report can give pytest node ids.
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
        command += [f"--junitxml={report}", "-o", "junit_family=xunit1", *pytest_args]
        result = subprocess.run(
            command,
            cwd=folder,
            env=run_env,
            capture_output=not show_output,
            text=True,
            timeout=timeout,
        )
        outcomes, failures = read_report(report) if report.exists() else ({}, [])
    output = "" if show_output else result.stdout + result.stderr
    return PytestRun(result.returncode, output, outcomes, failures)


def read_report(report: Path) -> tuple[dict[str, str], list[Failure]]:
    """Each test's outcome, and what failed, from pytest's JUnit XML report."""
    outcomes, failures = {}, []
    for case in ET.parse(report).iter("testcase"):
        test_id = node_id(case)
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            outcome = "failed" if problem.tag == "failure" else "error"
            failures.append(Failure(test_id, outcome, first_lines(problem)))
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        outcomes[test_id] = outcome
    return outcomes, failures


def node_id(case: ET.Element) -> str:
    """``tests/test_x.py::TestY::test_z``; a file not collected: ``tests/test_x.py``."""
    name, classname = case.get("name", ""), case.get("classname", "")
    file = case.get("file")
    if not classname:  # name is "tests.test_x": the file could not be collected
        return name.replace(".", "/") + ".py"
    if not file:  # an xunit2 report: the module's path, from its dotted name
        return f"{classname.replace('.', '/')}.py::{name}"
    module = file.removesuffix(".py").replace("/", ".")
    parts = [file, *classname.removeprefix(module).strip(".").split("."), name]
    return "::".join(part for part in parts if part)


def first_lines(problem: ET.Element) -> str:
    """The assertion or error, without the traceback: pytest's one-line summary."""
    text = problem.get("message") or problem.text or ""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:MESSAGE_LINES])
