"""What the code of every step beyond the article keeps to (CONTRIBUTING.md).

A step changes at most 120 lines of application code; its modules and classes
stay small enough to read in one sitting; each of its lesson tests has a hint in
its README; and the code says why, not which step brought what.
"""

import ast
import re
from pathlib import Path

import pytest

from tutorial.course.steps import (
    Step,
    application_lines_changed,
    discover_steps,
    is_test_file,
    lesson_files,
    lesson_markers,
    previous_step,
    readme_hints,
    readme_text,
)

STEPS = discover_steps()
BEYOND_THE_ARTICLE = [step for step in STEPS if step.number >= 5]
MOST_LINES_CHANGED = 120
MOST_MODULE_LINES = 250
MOST_CLASS_LINES = 150


def application_modules(step: Step) -> list[Path]:
    return [
        step.path / relative
        for relative in lesson_files(step)
        if relative.suffix == ".py" and not is_test_file(relative)
    ]


@pytest.mark.parametrize("step", STEPS[1:], ids=lambda step: step.name)
def test_a_step_changes_at_most_120_lines_of_application_code(step: Step):
    changed = application_lines_changed(previous_step(step), step)

    assert changed <= MOST_LINES_CHANGED, (
        f"{step.name} changes {changed} lines outside tests/ and README.md: "
        f"split the step, or move what is not its idea to a step of its own"
    )


@pytest.mark.parametrize("step", BEYOND_THE_ARTICLE, ids=lambda step: step.name)
def test_modules_and_classes_stay_short(step: Step):
    too_long = []
    for module in application_modules(step):
        text = module.read_text(encoding="utf-8")
        name = module.relative_to(step.path).as_posix()
        if len(text.splitlines()) > MOST_MODULE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_CLASS_LINES:
                    too_long.append(f"{name}, class {node.name}: {lines} lines")

    assert not too_long, (
        f"at most {MOST_MODULE_LINES} lines a module and {MOST_CLASS_LINES} a class: "
        + "; ".join(too_long)
    )


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_every_lesson_test_has_a_hint(step: Step):
    own = {
        test for test, number in lesson_markers(step).items() if number == step.number
    }
    hints = readme_hints(readme_text(step))

    assert own <= hints.keys(), (
        f"{step.name}/README.md's ## Hints has none for {sorted(own - hints.keys())}"
    )
    assert hints.keys() <= own, (
        f"{step.name}/README.md hints at tests it has no lesson of: "
        f"{sorted(hints.keys() - own)}"
    )


# "since step 11", "Step 13 adds": the course's history, which belongs on its pages.
COURSE_HISTORY = re.compile(
    r"\b(since|before|until|in|from) step \d+|\bstep \d+ (adds|brings)"
)


@pytest.mark.parametrize("step", BEYOND_THE_ARTICLE, ids=lambda step: step.name)
def test_the_code_tells_no_course_history(step: Step):
    history = [
        f"{module.relative_to(step.path)}:{number}"
        for module in application_modules(step)
        for number, line in enumerate(module.read_text("utf-8").splitlines(), 1)
        if COURSE_HISTORY.search(line.lower())
    ]

    assert not history, f"the page says which step brought what, not: {history}"
