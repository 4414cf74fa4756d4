"""Every step is honest: its suite passes, and its lesson tests fail on the step before it."""

import shutil
from pathlib import Path

import pytest

from tests.runner import run_suite
from tutorial.steps import Step, discover_steps, previous_step

STEPS = discover_steps()
LATER_STEPS = [step for step in STEPS if previous_step(step)]


def step_ids(step: Step) -> str:
    return step.name


def test_the_tutorial_has_steps():
    assert STEPS, "no steps/NN-slug folders found"
    assert STEPS[0].name == "00-starting-point"


@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_suite_passes(step: Step, shared_redis_url: str, record_step_summary):
    run = run_suite(step.path, redis_url=shared_redis_url)

    record_step_summary(step.name, run.summary)
    assert run.returncode == 0, f"{step.name} failed:\n{run.output}"
    assert run.outcomes, f"{step.name} ran no tests:\n{run.output}"


@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_has_lesson_tests(step: Step):
    run = run_suite(step.path, "-m", "lesson", "--collect-only", "-q")

    assert run.returncode == 0, run.output
    assert any("::" in line for line in run.output.splitlines()), f"{step.name} has no @pytest.mark.lesson tests"


@pytest.mark.parametrize("step", LATER_STEPS, ids=step_ids)
def test_lesson_tests_fail_on_the_previous_step(step: Step, tmp_path: Path, shared_redis_url: str):
    """What exercise mode relies on: the previous step's code plus this step's tests is red."""
    before = previous_step(step)
    workspace = tmp_path / before.name
    shutil.copytree(before.path, workspace, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(workspace / "tests")
    shutil.copytree(step.path / "tests", workspace / "tests", ignore=shutil.ignore_patterns("__pycache__"))

    run = run_suite(workspace, "-m", "lesson", redis_url=shared_redis_url)

    assert run.outcomes, f"no lesson test of {step.name} ran on {before.name}:\n{run.output}"
    passing = [test for test, outcome in run.outcomes.items() if outcome not in {"failed", "error"}]
    assert not passing, f"these lesson tests of {step.name} do not fail on {before.name}: {passing}\n{run.output}"
