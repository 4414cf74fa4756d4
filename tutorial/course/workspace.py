"""The workspace where a learner writes a step: its files, its state, its backups.

``workspace/`` holds step N-1's code and step N's tests; ``.tutorial-state.json``
remembers which step and what each file held at the start, so that nothing the
learner wrote is overwritten without a backup first. The commands are in
``exercise.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutorial.course.steps import (
    NOISE_DIRS,
    REPOSITORY,
    Step,
    discover_steps,
    file_diffs,
    find_step,
    is_test_file,
    lesson_files,
    previous_step,
    renames,
)

DEFAULT_WORKSPACE = REPOSITORY / "workspace"


# Inside the workspace: its step, and fingerprints of its files at the start of the
# step and when the lesson tests last passed.
STATE_FILE = ".tutorial-state.json"


COMMAND = "uv run tutorial"


# The steps whose lessons changed when the course was recut (CHANGELOG.md): a
# workspace started before its state named its step, on one of these, holds
# another lesson.
RENUMBERED_STEPS = set(range(5, 16))

# Lessons the recuts renamed: what a workspace's step was called, and what
# teaches it now. Lessons that kept their name are found by it.
LESSONS_RENAMED = {
    "outages-and-stampedes": "redis-outages",
    "one-client-two-tiers": "keys-in-memory",
    "production-hardening": "no-pickle",
    "the-locks-owner": "cold-stampede",
}


class WorkspaceError(Exception):
    """Something the learner can fix; the message says how, on one line."""


@dataclass(frozen=True)
class State:
    """What the workspace's state file remembers; files are path -> sha256."""

    step: int
    start: dict[str, str]  # the files as ``tutorial start`` made them
    solved: dict[str, str] | None = None  # the files when the lesson tests last passed
    name: str | None = None  # the step's folder; None in workspaces from before 2026-12


@dataclass(frozen=True)
class CheckResult:
    step: Step
    passed: list[str]
    failing: list[str]  # lesson tests that fail, or could not run
    broken_files: list[str]  # test files that pytest could not even import

    @property
    def solved(self) -> bool:
        return bool(self.passed) and not self.failing and not self.broken_files

    def summary(self) -> str:
        passed, total = len(self.passed), len(self.passed) + len(self.failing)
        return f"Step {self.step.number:02d}: {passed} of {total} lesson tests pass."


class Workspace:
    """A folder where a learner writes one step's lesson."""

    def __init__(self, root: Path = DEFAULT_WORKSPACE) -> None:
        self.root = root.absolute()

    @property
    def backups(self) -> Path:
        return self.root.parent / f"{self.root.name}-backups"

    def shown(self, path: Path | None = None) -> str:
        """A path as the learner would type it, from where they are."""
        path = path or self.root
        if path.is_relative_to(Path.cwd()):
            return str(path.relative_to(Path.cwd()))
        return str(path)

    def command(self, arguments: str) -> str:
        """The ``tutorial`` command to type for this workspace."""
        suffix = (
            "" if self.root == DEFAULT_WORKSPACE else f" --workspace {self.shown()}"
        )
        return f"{COMMAND} {arguments}{suffix}"

    # -- what is in it -------------------------------------------------------

    def state(self) -> State | None:
        try:
            saved = json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
            return State(
                saved["step"], saved["start"], saved.get("solved"), saved.get("name")
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, state: State) -> None:
        text = json.dumps(vars(state), indent=2) + "\n"
        (self.root / STATE_FILE).write_text(text, encoding="utf-8")

    def current_files(self) -> dict[str, str]:
        # Read as a step, so that the noise a diff leaves out (caches, bytecode)
        # is not counted as a change either.
        as_a_step = Step(0, self.root.name, self.root)
        return {
            relative.as_posix(): fingerprint(self.root / relative)
            for relative in lesson_files(as_a_step)
            if relative.as_posix() != STATE_FILE
        }

    def changes(self) -> list[str]:
        """What differs from the start of the step, as ``changed core/jwks.py``."""
        if not self.root.exists():
            return []
        if not self.root.is_dir():
            raise WorkspaceError(f"{self.shown()} is a file, not a folder: move it.")
        state, now = self.state(), self.current_files()
        if state is None:
            return [f"{name} (not made by tutorial start)" for name in sorted(now)]
        changed = []
        for name in sorted(set(now) | set(state.start)):
            if name not in now:
                changed.append(f"deleted {name}")
            elif name not in state.start:
                changed.append(f"new {name}")
            elif now[name] != state.start[name]:
                changed.append(f"changed {name}")
        return changed

    def solved_as_is(self) -> bool:
        """Whether the lesson tests passed on exactly what the workspace holds now."""
        state = self.state()
        return state is not None and state.solved == self.current_files()

    def mark_solved(self) -> None:
        state = self.state()
        if state is not None:
            self.save(State(state.step, state.start, self.current_files(), state.name))

    def step(self) -> Step:
        state = self.state()
        if state is None:
            raise WorkspaceError(
                f"There is no exercise in {self.shown()} yet. "
                f"Start one with: {self.command('start 1')}"
            )
        step = find_step(state.step)
        if started_under_another_numbering(state, step):
            lesson = same_lesson_now(state.name) or step
            raise WorkspaceError(
                f"{self.shown()} was started on step {state.step:02d} of an older "
                f"numbering, and step {state.step:02d} is now {step.name} "
                f"(CHANGELOG.md){renumbered_note(state, lesson)}: start it again, "
                f"your work is backed up first: "
                f"{self.command(f'start {lesson.number} --force')}"
            )
        return step

    # -- changing it ---------------------------------------------------------

    def back_up(self) -> Path:
        """Copy the workspace to ``<workspace>-backups/<timestamp>/``, and return it."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup, number = self.backups / stamp, 1
        while backup.exists():
            number += 1
            backup = self.backups / f"{stamp}-{number}"
        ignore = shutil.ignore_patterns(*NOISE_DIRS)
        shutil.copytree(self.root, backup, ignore=ignore)
        return backup

    def fill(self, step: Step) -> None:
        """Make the workspace the start of ``step``: the code before, its tests."""
        sources = start_files(step)
        if self.root.exists():
            shutil.rmtree(self.root)
        for relative, source in sources.items():
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        self.save(State(step.number, self.current_files(), name=step.name))


def started_under_another_numbering(state: State, step: Step) -> bool:
    """Whether the step numbered ``state.step`` was another lesson when it started."""
    if state.name is None:  # a workspace from before steps were named in its state
        return state.step in RENUMBERED_STEPS
    return state.name != step.name


def same_lesson_now(name: str | None) -> Step | None:
    """The step that teaches what ``name`` taught, under its number of today."""
    if name is None:
        return None
    lesson = name.partition("-")[2]
    lesson = LESSONS_RENAMED.get(lesson, lesson)
    return next(
        (s for s in discover_steps() if s.name.partition("-")[2] == lesson), None
    )


def renumbered_note(state: State, lesson: Step) -> str:
    if lesson.number == state.step:
        return ""
    return f"; what you started, {state.name}, is {lesson.name} now"


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_files(step: Step) -> dict[Path, Path]:
    """Where each file of the start of ``step`` comes from, by path in the workspace."""
    before = step_before(step)
    files = {
        relative: before.path / relative
        for relative in lesson_files(before)
        if not is_test_file(relative) and relative.name != "README.md"
    }
    for relative in lesson_files(step):
        if is_test_file(relative):
            files[relative] = step.path / relative
    return files


def step_before(step: Step) -> Step:
    before = previous_step(step)
    if before is None:
        raise WorkspaceError(
            f"Step {step.number:02d} is where the tutorial starts: there is nothing "
            f"before it to write. Read {step.path.relative_to(REPOSITORY)}/README.md, "
            f"then: {COMMAND} start {step.number + 1}"
        )
    return before


def files_to_edit(step: Step) -> dict[str, str]:
    """What ``step``'s lesson changes: path -> ``edit``, ``create``, ``delete``, or,
    for ``old -> new``, ``move``."""
    before = step_before(step)
    moved = renames(before, step, leave_out={"README.md"})
    actions = {}
    for name in file_diffs(before, step, leave_out={"README.md"}):
        if is_test_file(Path(name)):
            continue
        if name in moved:
            actions[f"{moved[name]} -> {name}"] = "move"
        elif not (step.path / name).exists():
            actions[name] = "delete"
        elif not (before.path / name).exists():
            actions[name] = "create"
        else:
            actions[name] = "edit"
    return actions
