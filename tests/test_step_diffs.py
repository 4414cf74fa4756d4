"""The diff between two steps shows the lesson, and nothing else (CONTRIBUTING.md).

A file that a step carries over from the step before is byte-for-byte the same,
unless the lesson changes it. So a file that differs between two steps must
differ in more than housekeeping: lesson markers, snippet lines, blank lines
and imports.
"""

import re

import pytest

from tutorial.course.steps import (
    Step,
    discover_steps,
    file_diffs,
    lesson_markers,
    previous_step,
)

STEPS = discover_steps()
PAIRS = [(previous_step(step), step) for step in STEPS if previous_step(step)]

HOUSEKEEPING = [
    re.compile(r"^\s*$"),  # blank lines
    re.compile(r"^\s*@pytest\.mark\.lesson\b"),  # lesson markers
    re.compile(r"^\s*# --8<-- \[(start|end):[\w-]+\]\s*$"),  # snippet sections
    re.compile(r"^\s*(import \S|from \S+ import )"),  # imports
]


def pair_id(pair: tuple[Step, Step]) -> str:
    before, after = pair
    return f"{before.name}->{after.name}"


def changed_lines(diff: str) -> list[str]:
    """The lines a unified diff removes or adds, without their ``-``/``+``."""
    return [
        line[1:]
        for line in diff.splitlines()
        if line[:1] in {"-", "+"} and not line.startswith(("---", "+++"))
    ]


def is_housekeeping(line: str) -> bool:
    return any(pattern.match(line) for pattern in HOUSEKEEPING)


IMPORT_FROM = re.compile(r"^\s*from (?P<module>[\w.]+) import ")


def follows_a_move(diff: str, after: Step) -> bool:
    """The file's imports changed because a module it imports moved away."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-")]
    return any(
        (match := IMPORT_FROM.match(line))
        and not (after.path / (match["module"].replace(".", "/") + ".py")).exists()
        for line in removed
        if not line.startswith("--")
    )


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_a_carried_over_file_changes_only_for_the_lesson(pair: tuple[Step, Step]):
    before, after = pair
    churn = [
        relative
        for relative, diff in file_diffs(before, after, leave_out={"README.md"}).items()
        if (before.path / relative).exists()
        and (after.path / relative).exists()
        and all(is_housekeeping(line) for line in changed_lines(diff))
        and not follows_a_move(diff, after)
    ]

    assert not churn, (
        f"{after.name} changes {', '.join(churn)} only in markers, snippet lines, "
        f"blank lines or imports: copy the file from {before.name} unchanged"
    )


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_a_lesson_test_keeps_the_step_that_introduced_it(pair: tuple[Step, Step]):
    before, after = pair
    earlier, later = lesson_markers(before), lesson_markers(after)

    renamed = {
        test: (earlier[test], later[test])
        for test in earlier.keys() & later.keys()
        if earlier[test] != later[test]
    }

    assert not renamed, f"lesson(step=...) changed in {after.name}: {renamed}"


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_no_lesson_names_a_later_step(step: Step):
    too_late = {
        test: number
        for test, number in lesson_markers(step).items()
        if number > step.number
    }

    assert not too_late, f"{step.name} has lessons of later steps: {too_late}"
