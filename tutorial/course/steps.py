"""The steps of the tutorial: finding them, and what changed between two of them.

A step is a folder ``steps/NN-slug`` holding a complete Django project. Its
title is the first heading of its README.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
STEPS_DIR = REPOSITORY / "steps"
STEP_FOLDER = re.compile(r"^(\d\d)-([a-z0-9-]+)$")

# What a diff between two steps leaves out: files that are not the lesson.
NOISE_DIRS = {
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".venv",
    "node_modules",
}
NOISE_SUFFIXES = {".pyc", ".lock", ".sqlite3", ".log"}


class UnknownStep(LookupError):
    """No step matches what was asked for; the message lists the steps that exist."""


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def title(self) -> str:
        title = readme_title(readme_text(self))
        return title or self.slug.replace("-", " ").capitalize()


def discover_steps(steps_dir: Path = STEPS_DIR) -> list[Step]:
    """Every ``NN-slug`` folder under ``steps_dir``, in order."""
    steps = []
    for path in sorted(steps_dir.iterdir()) if steps_dir.is_dir() else []:
        match = STEP_FOLDER.match(path.name)
        if match and path.is_dir():
            steps.append(Step(int(match.group(1)), match.group(2), path))
    return steps


def find_step(wanted: str | int, steps_dir: Path = STEPS_DIR) -> Step:
    """The step named by its number (``3``, ``"03"``) or its folder's name."""
    steps = discover_steps(steps_dir)
    for step in steps:
        if str(wanted) in {step.name, step.slug} or str(wanted).lstrip("0") == str(
            step.number
        ).lstrip("0"):
            return step
    raise UnknownStep(
        f"There is no step {wanted!r}. The steps are:\n" + describe(steps)
    )


def previous_step(step: Step, steps_dir: Path = STEPS_DIR) -> Step | None:
    earlier = [
        other for other in discover_steps(steps_dir) if other.number < step.number
    ]
    return earlier[-1] if earlier else None


def describe(steps: list[Step]) -> str:
    return "\n".join(
        f"  {step.number:02d}  {step.name:<28} {step.title}" for step in steps
    )


def lesson_files(step: Step) -> list[Path]:
    """The files of a step that a learner reads, relative to the step folder."""
    files = []
    for path in sorted(step.path.rglob("*")):
        relative = path.relative_to(step.path)
        if (
            path.is_file()
            and not NOISE_DIRS.intersection(relative.parts)
            and path.suffix not in NOISE_SUFFIXES
        ):
            files.append(relative)
    return files


def step_diff(before: Step, after: Step, leave_out: Collection[str] = ()) -> str:
    """A unified diff from one step to another, file by file, noise left out."""
    return "".join(file_diffs(before, after, leave_out).values())


# How much of a removed file must live on in an added one for the two to count as
# one file moved (and perhaps grown): half of its lines, as git's renames (-M).
RENAME_SIMILARITY = 0.5


def renames(
    before: Step, after: Step, leave_out: Collection[str] = ()
) -> dict[str, str]:
    """Files that moved between two steps: new relative path -> old one."""
    old_files = {p.as_posix() for p in lesson_files(before)} - set(leave_out)
    new_files = {p.as_posix() for p in lesson_files(after)} - set(leave_out)
    removed, added = sorted(old_files - new_files), sorted(new_files - old_files)
    pairs = []
    for old in removed:
        old_lines = [line for line in _lines(before.path / old) if line.strip()]
        for new in added:
            new_lines = [line for line in _lines(after.path / new) if line.strip()]
            matcher = difflib.SequenceMatcher(
                None, old_lines, new_lines, autojunk=False
            )
            kept = sum(block.size for block in matcher.get_matching_blocks())
            if old_lines and kept / len(old_lines) >= RENAME_SIMILARITY:
                pairs.append((kept / len(old_lines), new, old))
    moved: dict[str, str] = {}
    for _, new, old in sorted(pairs, reverse=True):  # the likeliest pairs first
        if new not in moved and old not in moved.values():
            moved[new] = old
    return moved


def file_diffs(
    before: Step, after: Step, leave_out: Collection[str] = ()
) -> dict[str, str]:
    """The unified diff of every file that differs between two steps, by relative path.

    ``leave_out`` names files (relative paths, such as ``"README.md"``) to skip. A
    file that moved is one diff, under its new path, from its old one.
    """
    moved = renames(before, after, leave_out)
    paths = set(lesson_files(before)) | set(lesson_files(after))
    diffs = {}
    for relative in sorted(p.as_posix() for p in paths):
        if relative in leave_out or relative in moved.values():
            continue
        old_path = moved.get(relative, relative)
        old = _lines(before.path / old_path)
        new = _lines(after.path / relative)
        if old != new or relative in moved:
            header = f"rename from {old_path}\nrename to {relative}\n"
            diffs[relative] = (header if relative in moved else "") + "".join(
                difflib.unified_diff(
                    old,
                    new,
                    fromfile=f"a/{old_path}" if old else "/dev/null",
                    tofile=f"b/{relative}" if new else "/dev/null",
                )
            )
    return diffs


def application_lines_changed(before: Step, after: Step) -> int:
    """Non-blank lines added or removed outside the tests and the README, moves aside.

    What "a step changes at most about 120 lines of application code" counts:
    comments and docstrings included, a file that moved counted by its changes.
    """
    changed = 0
    for relative, diff in file_diffs(before, after, leave_out={"README.md"}).items():
        if is_test_file(Path(relative)):
            continue
        for line in diff.splitlines():
            if line.startswith(("+++", "---")):
                continue
            if line[:1] in {"+", "-"} and line[1:].strip():
                changed += 1
    return changed


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return (
        text.splitlines(keepends=True)
        if text.endswith("\n")
        else (text + "\n").splitlines(keepends=True)
    )


# A lesson test: its marker names the step that teaches it, above its decorators.
LESSON_TEST = re.compile(
    r"@pytest\.mark\.lesson\(step=(?P<step>\d+)\)\n(?:(?!def ).*\n)*?def (?P<test>\w+)"
)


def lesson_markers(step: Step) -> dict[str, int]:
    """Each lesson test in a step's tests, by name, with the step its marker names."""
    markers = {}
    for path in sorted((step.path / "tests").rglob("test_*.py")):
        for match in LESSON_TEST.finditer(path.read_text(encoding="utf-8")):
            markers[match["test"]] = int(match["step"])
    return markers


# What a step's README says, read by exercise mode and the step branches. The
# README starts with "# <title>" and its first paragraph; it ends with "## Hints".

HINT = re.compile(r"^- `(?P<test>[^`]+)`:\s*(?P<hint>.*)$")


def is_test_file(relative: Path) -> bool:
    """Part of a step's tests: in ``tests/``, or the ``pytest.ini`` that runs them."""
    return relative.parts[:1] == ("tests",) or relative.as_posix() == "pytest.ini"


def readme_text(step: Step) -> str:
    readme = step.path / "README.md"
    return readme.read_text(encoding="utf-8") if readme.exists() else ""


def readme_title(readme: str) -> str | None:
    """The README's first ``# `` heading."""
    for line in readme.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def readme_introduction(readme: str) -> str:
    """The README's first paragraph after its title, on one line."""
    paragraph: list[str] = []
    for line in readme.splitlines():
        if line.startswith("#"):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)


def readme_hints(readme: str) -> dict[str, str]:
    """The ``## Hints`` section: each lesson test's name, and its hint on one line."""
    hints: dict[str, str] = {}
    in_hints, test = False, None
    for line in readme.splitlines():
        if line.startswith("## "):
            in_hints = line[3:].strip().lower() == "hints"
            test = None
            continue
        match = HINT.match(line) if in_hints else None
        if match:
            test = match["test"].split("::")[-1]
            hints[test] = match["hint"].strip()
        elif test and line.startswith(" ") and line.strip():
            hints[test] += " " + line.strip()  # a bullet wrapped onto the next line
        else:
            test = None
    return hints
