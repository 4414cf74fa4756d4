"""Running a step's own test suite in a separate process, as a learner would."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TIMEOUT_SECONDS = 600
MESSAGE_LINES = 3  # of each failed test's assertion or error
OUTPUT_LINES = 25  # the end of the output, in a failure report


@dataclass
class Failure:
    test_id: str  # a pytest node id: tests/test_x.py::test_y
    outcome: str  # "failed" (an assertion, in the test) or "error" (in a fixture)
    message: str  # the first lines of the assertion or the error


@dataclass
class SuiteRun:
    returncode: int
    output: str = field(repr=False)
    outcomes: dict[str, str]  # test id -> "passed", "failed", "error" or "skipped"
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


def run_suite(
    folder: Path, *pytest_args: str, redis_url: str | None = None
) -> SuiteRun:
    """Run pytest inside ``folder`` (a step, or a copy of one); read each outcome."""
    # The folder's own pytest.ini decides its options, not the repository run's.
    env = {
        name: value for name, value in os.environ.items() if name != "PYTEST_ADDOPTS"
    }
    if not env.get("PYTHONPYCACHEPREFIX"):  # else bytecode goes there (conftest.py)
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # never a __pycache__ in a step
    if redis_url:
        env["REDIS_URL"] = redis_url
    # The report is the run's own: the same step may be run twice at once.
    with tempfile.TemporaryDirectory(prefix="suite-report-") as report_folder:
        report = Path(report_folder) / "report.xml"
        # xunit1 names each test's file, so the report can give pytest node ids.
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
        command += [f"--junitxml={report}", "-o", "junit_family=xunit1", *pytest_args]
        result = subprocess.run(
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        outcomes, failures = read_report(report) if report.exists() else ({}, [])
    output = result.stdout + result.stderr
    return SuiteRun(result.returncode, output, outcomes, failures)


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
    """``tests/test_x.py::TestY::test_z`` from a test case of an xunit1 report."""
    name, classname, file = (
        case.get("name", ""),
        case.get("classname", ""),
        case.get("file"),
    )
    if not file:
        return f"{classname}.{name}"
    module = file.removesuffix(".py").replace("/", ".")
    parts = [file, *classname.removeprefix(module).strip(".").split("."), name]
    return "::".join(part for part in parts if part)


def first_lines(problem: ET.Element) -> str:
    """The assertion or error, without the traceback: pytest's one-line summary."""
    text = problem.get("message") or problem.text or ""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:MESSAGE_LINES])


def assert_suite_passed(run: SuiteRun, name: str) -> None:
    """Fail the calling test with ``run.report(name)`` alone, if the suite failed."""
    if run.returncode != 0:
        pytest.fail(run.report(name), pytrace=False)
