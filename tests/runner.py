"""Running a step's own test suite in a separate process, as a learner would."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorial.course.pytest_run import PytestRun, run_pytest

TIMEOUT_SECONDS = 600


def run_suite(
    folder: Path,
    *pytest_args: str,
    redis_url: str | None = None,
    env: dict[str, str] | None = None,
) -> PytestRun:
    """Run pytest inside ``folder`` (a step, or a copy of one); read each outcome."""
    suite_env = {**(env or {}), **({"REDIS_URL": redis_url} if redis_url else {})}
    return run_pytest(folder, pytest_args, env=suite_env, timeout=TIMEOUT_SECONDS)


def assert_suite_passed(run: PytestRun, name: str) -> None:
    """Fail the calling test with ``run.report(name)`` alone, if the suite failed."""
    if run.returncode != 0:
        pytest.fail(run.report(name), pytrace=False)
