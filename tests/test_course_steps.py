"""tutorial/course/steps.py: finding steps and diffing them."""

import pytest

from tutorial.course.steps import (
    UnknownStep,
    discover_steps,
    find_step,
    previous_step,
    step_diff,
)


@pytest.fixture
def steps_dir(tmp_path):
    for name, code in [("00-first", "ANSWER = 1\n"), ("01-second", "ANSWER = 2\n")]:
        step = tmp_path / name
        (step / "core" / "__pycache__").mkdir(parents=True)
        (step / "README.md").write_text(f"# The {name[3:]} step\n\nText.\n")
        (step / "core" / "answer.py").write_text(code)
        (step / "core" / "__pycache__" / "answer.cpython-311.pyc").write_bytes(
            b"\0noise"
        )
    (tmp_path / "01-second" / "core" / "new.py").write_text("NEW = True\n")
    (tmp_path / "notes").mkdir()
    return tmp_path


def test_discovers_numbered_folders_in_order(steps_dir):
    steps = discover_steps(steps_dir)

    assert [(step.number, step.slug, step.title) for step in steps] == [
        (0, "first", "The first step"),
        (1, "second", "The second step"),
    ]


@pytest.mark.parametrize("wanted", ["1", "01", 1, "01-second", "second"])
def test_finds_a_step_by_number_or_name(steps_dir, wanted):
    assert find_step(wanted, steps_dir).name == "01-second"


def test_unknown_step_lists_the_steps(steps_dir):
    with pytest.raises(UnknownStep, match="(?s)no step '7'.*00-first.*01-second"):
        find_step("7", steps_dir)


def test_previous_step(steps_dir):
    first, second = discover_steps(steps_dir)

    assert previous_step(second, steps_dir) == first
    assert previous_step(first, steps_dir) is None


def test_diff_shows_the_lesson_and_leaves_out_noise(steps_dir):
    first, second = discover_steps(steps_dir)

    diff = step_diff(first, second)

    assert "-ANSWER = 1\n+ANSWER = 2\n" in diff
    assert "+++ b/core/new.py" in diff and "--- /dev/null" in diff
    assert "__pycache__" not in diff
