"""Every step's suite passes, and every step has lesson tests of its own.

A step's own lessons are the tests marked ``@pytest.mark.lesson(step=N)``
(CONTRIBUTING.md); ``-m "lesson(step=N)"`` selects them. That each of them fails on
the step before, and passes on the step, is proven the way a learner meets it, in
exercise mode: tests/test_workspace.py.
"""

import pytest

from tests.runner import assert_suite_passed, run_suite
from tutorial.steps import Step, discover_steps

STEPS = discover_steps()


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


# Each later step's lessons run in exercise mode, which fails on a step without
# any (tests/test_workspace.py); the first step has no exercise.
@pytest.mark.parametrize("step", STEPS[:1], ids=step_ids)
def test_step_has_lesson_tests(step: Step):
    run = run_suite(step.path, "-m", own_lessons(step), "--collect-only", "-q")

    assert_suite_passed(run, step.name)
    collected = [line for line in run.output.splitlines() if "::" in line]
    if not collected:
        pytest.fail(f"{step.name} has no @pytest.mark.{own_lessons(step)} tests")
