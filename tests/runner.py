"""Running a step's own test suite in a separate process, as a learner would."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 600


@dataclass
class SuiteRun:
    returncode: int
    output: str
    outcomes: dict[str, str]  # test id -> "passed", "failed", "error" or "skipped"

    @property
    def summary(self) -> str:
        lines = [line.strip("= ") for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"


def run_suite(folder: Path, *pytest_args: str, redis_url: str | None = None) -> SuiteRun:
    """Run pytest inside ``folder`` (a step, or a copy of one) and collect each test's outcome."""
    report = folder / ".suite-report.xml"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *pytest_args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    outcomes = read_outcomes(report) if report.exists() else {}
    report.unlink(missing_ok=True)
    return SuiteRun(result.returncode, result.stdout + result.stderr, outcomes)


def read_outcomes(report: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        test_id = f"{case.get('classname')}.{case.get('name')}"
        children = {child.tag for child in case}
        if "failure" in children:
            outcomes[test_id] = "failed"
        elif "error" in children:
            outcomes[test_id] = "error"
        elif "skipped" in children:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes
