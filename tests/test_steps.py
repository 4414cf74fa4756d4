"""Every step is honest: its suite passes, its lesson tests fail on the step before.

A step's own lessons are the tests marked ``@pytest.mark.lesson(step=N)``
(CONTRIBUTING.md); ``-m "lesson(step=N)"`` selects them.
"""

import shutil
from pathlib import Path

import pytest

from tests.runner import assert_suite_passed, run_suite
from tutorial.steps import Step, discover_steps, previous_step

STEPS = discover_steps()
LATER_STEPS = [step for step in STEPS if previous_step(step)]
COPY_IGNORING = shutil.ignore_patterns("__pycache__", ".pytest_cache")


def step_ids(step: Step) -> str:
    return step.name


def own_lessons(step: Step) -> str:
    """The ``-m`` expression that selects the lesson tests ``step`` introduced."""
    return f"lesson(step={step.number})"


def test_the_tutorial_has_steps():
    assert STEPS, "no steps/NN-slug folders found"
    assert STEPS[0].name == "00-starting-point"


@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_suite_passes(step: Step, shared_redis_url: str, record_step_summary):
    run = run_suite(step.path, redis_url=shared_redis_url)

    record_step_summary(step.name, run.summary)
    assert_suite_passed(run, step.name)
    if not run.outcomes:
        pytest.fail(run.report(f"{step.name} ran no tests"), pytrace=False)


@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_has_lesson_tests(step: Step):
    run = run_suite(step.path, "-m", own_lessons(step), "--collect-only", "-q")

    assert_suite_passed(run, step.name)
    collected = [line for line in run.output.splitlines() if "::" in line]
    if not collected:
        pytest.fail(f"{step.name} has no @pytest.mark.{own_lessons(step)} tests")


@pytest.mark.parametrize("step", LATER_STEPS, ids=step_ids)
def test_lesson_tests_fail_on_the_previous_step(
    step: Step, tmp_path: Path, shared_redis_url: str
):
    """What exercise mode relies on: the step before, with this step's tests, is red."""
    before = previous_step(step)
    workspace = with_tests_of(step, before, tmp_path)

    run = run_suite(workspace, "-m", own_lessons(step), redis_url=shared_redis_url)

    if not run.outcomes:
        report = run.report(f"{step.name}'s lessons on {before.name}")
        pytest.fail(f"no lesson test ran\n{report}", pytrace=False)
    red = {"failed", "error"}
    not_red = [test for test, outcome in run.outcomes.items() if outcome not in red]
    if not_red:
        pytest.fail(
            f"these lesson tests of {step.name} do not fail on {before.name}, so "
            "they teach nothing:\n" + "\n".join(f"  {test}" for test in not_red),
            pytrace=False,
        )


def with_tests_of(step: Step, before: Step, tmp_path: Path) -> Path:
    """A copy of ``before``'s code with ``step``'s tests (their conftest included)."""
    workspace = tmp_path / before.name
    shutil.copytree(before.path, workspace, ignore=COPY_IGNORING)
    shutil.rmtree(workspace / "tests")
    shutil.copytree(step.path / "tests", workspace / "tests", ignore=COPY_IGNORING)
    (workspace / "conftest.py").unlink(missing_ok=True)
    if (step.path / "conftest.py").exists():
        shutil.copy2(step.path / "conftest.py", workspace / "conftest.py")
    return workspace
