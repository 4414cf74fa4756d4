"""Exercise mode: write each step's lesson yourself, in ``workspace/``.

``tutorial start N`` fills the workspace with step N-1's code and step N's
tests, so step N's lesson tests fail until you write the lesson. ``tutorial
check`` runs them and prints a hint for each that still fails. Your changes are
never thrown away: ``start --force`` and ``reset`` back them up first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutorial.steps import (
    NOISE_DIRS,
    REPOSITORY,
    Step,
    discover_steps,
    file_diffs,
    find_step,
    is_test_file,
    lesson_files,
    previous_step,
    readme_hints,
    readme_introduction,
    readme_text,
)

DEFAULT_WORKSPACE = REPOSITORY / "workspace"
# Inside the workspace: its step, and fingerprints of its files at the start of the
# step and when the lesson tests last passed.
STATE_FILE = ".tutorial-state.json"
COMMAND = "uv run tutorial"
# The steps whose numbers changed when the course was recut (CHANGELOG.md): a
# workspace started before then, on one of these, holds another lesson.
RENUMBERED_STEPS = {6, 7, 8}


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
            raise WorkspaceError(
                f"{self.shown()} was started on step {state.step:02d} of an older "
                f"numbering, and step {state.step:02d} is now {step.name} "
                f"(CHANGELOG.md): start it again, your work is backed up first: "
                f"{self.command(f'start {state.step} --force')}"
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
    """What ``step``'s lesson changes: path -> ``edit``, ``create`` or ``delete``."""
    before = step_before(step)
    actions = {}
    for name in file_diffs(before, step, leave_out={"README.md"}):
        if is_test_file(Path(name)):
            continue
        if not (step.path / name).exists():
            actions[name] = "delete"
        elif not (before.path / name).exists():
            actions[name] = "create"
        else:
            actions[name] = "edit"
    return actions


# -- the commands ------------------------------------------------------------


def start(workspace: Workspace, wanted: str, force: bool) -> int:
    step = find_step(wanted)
    step_before(step)  # step 00 has nothing before it: say so before touching anything
    changes = workspace.changes()
    # Work that passed its lesson tests is backed up without asking: `check`
    # itself suggests `start N+1` next.
    if changes and not force and not workspace.solved_as_is():
        raise WorkspaceError(
            f"{workspace.shown()}/ holds changes of yours: {', '.join(changes)}. "
            "To keep them in a backup and start over: "
            f"{workspace.command(f'start {wanted} --force')}. "
            f"To throw them away: rm -r {workspace.shown()}, then start again."
        )
    if changes:
        print(f"Saved your work in {workspace.shown(workspace.back_up())}/")
    workspace.fill(step)
    print_goal(workspace, step)
    return 0


def print_goal(workspace: Workspace, step: Step) -> None:
    before = step_before(step)
    print(f"{workspace.shown()}/ holds step {before.number:02d}'s code", end=" ")
    print(f"and step {step.number:02d}'s tests. Make the tests pass.\n")
    print(f"Step {step.number:02d}: {step.title}\n")
    print(wrap(readme_introduction(readme_text(step)), indent="  "))
    print("\nFiles to change:")
    for name, action in files_to_edit(step).items():
        print(f"  {action:<6}  {workspace.shown(workspace.root / name)}")
    print("\nCheck your work (it runs the step's lesson tests, with hints):")
    print(f"  {workspace.command('check')}")


def check(workspace: Workspace) -> int:
    step = workspace.step()
    print(
        f"Step {step.number:02d}'s lesson tests, in {workspace.shown()}/:\n", flush=True
    )
    result = run_lesson_tests(workspace, step, quiet=False)
    print()
    if not result.solved:
        print_failures(workspace, result)
        return 1
    workspace.mark_solved()
    print(f"All {len(result.passed)} lesson tests of step {step.number:02d} pass.")
    print(f"You wrote step {step.number:02d}, {step.title}.\n")
    print("Compare your code with the tutorial's:")
    print(f"  {workspace.command('diff-solution')}")
    later = [other for other in discover_steps() if other.number > step.number]
    if later:
        print("Then go on to the next step:")
        print(f"  {workspace.command(f'start {later[0].number}')}")
    else:
        print("That was the last step. Well done!")
    return 0


def print_failures(workspace: Workspace, result: CheckResult) -> None:
    print(f"{result.summary()} Still to do:")
    for name in result.broken_files:
        print(f"  - {name} cannot be imported yet (see the error above)")
    hints = readme_hints(readme_text(result.step))
    for test in result.failing:
        print(f"  - {test}")
        hint = hints.get(
            test, "none for this test; its message above says what it expects."
        )
        print(wrap(f"Hint: {hint}", indent="      "))
    print("\nStuck? See how the tutorial did it:")
    print(f"  {workspace.command('diff-solution')}")


def run_lesson_tests(workspace: Workspace, step: Step, quiet: bool) -> CheckResult:
    """Run ``pytest -m "lesson(step=N)"`` in the workspace; what became of each test."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-m", f"lesson(step={step.number})"]
        command += [
            "-p",
            "no:cacheprovider",
            "-q",
            "--tb=short",
            "--show-capture=stderr",
        ]
        # A test file that cannot be imported yet must not stop the others.
        command += ["--continue-on-collection-errors", f"--junitxml={report}"]
        finished = subprocess.run(
            command,
            cwd=workspace.root,
            capture_output=quiet,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        outcomes = read_report(report) if report.exists() else {}
    if finished.returncode == 5:
        raise WorkspaceError(
            f"No lesson test of step {step.number:02d} was collected: pytest -m "
            f'"lesson(step={step.number})" selected nothing in {workspace.shown()}/. '
            "That is a bug in the tutorial, not in your code: please report it."
        )
    if not outcomes and finished.returncode != 0:
        seen = "" if quiet else ", see its output above"
        raise WorkspaceError(
            f"pytest could not run in {workspace.shown()}/ (exit code "
            f"{finished.returncode}{seen}). "
            f"To start the step again: {workspace.command('reset')}"
        )
    return summarize(step, outcomes, readme_hints(readme_text(step)))


def read_report(report: Path) -> dict[str, str]:
    """Each test's name (a file's, if it failed to import) -> its outcome."""
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        kinds = {child.tag for child in case}
        name = case.get("name", "")
        if not case.get("classname"):  # "tests.test_x": a file that failed to import
            outcomes[name.replace(".", "/") + ".py"] = "broken"
        elif "skipped" in kinds:
            outcomes[name.split("[")[0]] = "skipped"
        elif kinds & {"failure", "error"}:
            outcomes[name.split("[")[0]] = "failed"
        else:
            outcomes.setdefault(name.split("[")[0], "passed")
    return outcomes


def summarize(
    step: Step, outcomes: dict[str, str], hints: dict[str, str]
) -> CheckResult:
    def named(outcome: str) -> list[str]:
        return [name for name, seen in outcomes.items() if seen == outcome]

    passed, failing, broken = named("passed"), named("failed"), named("broken")
    if broken:
        # The tests of a file that cannot be imported never ran; the hints name them.
        failing += [test for test in hints if test not in outcomes]
    return CheckResult(step, passed, failing, broken)


def diff_solution(workspace: Workspace) -> int:
    step = workspace.step()
    yours = Step(step.number, step.slug, workspace.root)
    diffs = file_diffs(yours, step, leave_out={STATE_FILE, "README.md"})
    if not diffs:
        print(f"{workspace.shown()}/ is exactly step {step.number:02d}'s solution.")
        return 0
    solution = step.path.relative_to(REPOSITORY)
    print(f"a/ is your {workspace.shown()}/, b/ is the tutorial's {solution}/\n")
    print("".join(diffs.values()), end="")
    return 0


def reset(workspace: Workspace) -> int:
    step = workspace.step()
    if workspace.changes():
        print(f"Saved your work in {workspace.shown(workspace.back_up())}/")
    workspace.fill(step)
    print(f"{workspace.shown()}/ is back at the start of step {step.number:02d}.")
    print_goal(workspace, step)
    return 0


def status(workspace: Workspace) -> int:
    step = workspace.step()
    print(f"{workspace.shown()}/ is on step {step.number:02d}, {step.title}.")
    changes = workspace.changes()
    print(f"Your changes: {', '.join(changes) if changes else 'none yet'}.")
    result = run_lesson_tests(workspace, step, quiet=True)
    print(result.summary())
    if result.solved:
        print(f"Compare with the tutorial's: {workspace.command('diff-solution')}")
        return 0
    print(f"Hints: {workspace.command('check')}")
    return 1


def wrap(text: str, indent: str) -> str:
    return textwrap.fill(
        text, width=88, initial_indent=indent, subsequent_indent=indent
    )


# -- command line --------------------------------------------------------------


def add_exercise_commands(commands: argparse._SubParsersAction) -> None:
    """``tutorial start``, ``check``, ``status``, ``diff-solution`` and ``reset``."""
    start_command = add_command(
        commands,
        "start",
        "start writing step N's lesson in workspace/",
        "Fill the workspace with step N-1's code and step N's tests, and say what to "
        "write. It refuses to overwrite changes of yours, unless --force, which backs "
        "them up first.",
        run_start,
    )
    start_command.add_argument("step", help="the step to write, by number (1, 2, ...)")
    start_command.add_argument(
        "--force", action="store_true", help="back up your changes, then start over"
    )
    add_command(
        commands,
        "check",
        "run the workspace's lesson tests, with a hint for each that fails",
        "Run the lesson tests of the workspace's step, against a real Redis and "
        "identity provider, and print a hint for each that still fails.",
        run_check,
    )
    add_command(
        commands,
        "status",
        "say which step the workspace is on, and whether it passes",
        "Say which step the workspace is on, what you changed, and how many of its "
        "lesson tests pass.",
        run_status,
    )
    add_command(
        commands,
        "diff-solution",
        "show the workspace against the step's solution",
        "A unified diff from your workspace (a/) to the tutorial's solution (b/).",
        run_diff_solution,
    )
    add_command(
        commands,
        "reset",
        "back up your changes and start the step again",
        "Save your changes in a backup, then put the workspace back at the start of "
        "its step.",
        run_reset,
    )


def add_command(
    commands: argparse._SubParsersAction,
    name: str,
    summary: str,
    description: str,
    run: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=summary, description=description)
    command.add_argument(
        "--workspace",
        type=Path,
        default=DEFAULT_WORKSPACE,
        metavar="DIR",
        help="the workspace folder (default: workspace/ in the repository)",
    )
    command.set_defaults(command=one_line_errors(run))
    return command


def run_start(args: argparse.Namespace) -> int:
    return start(Workspace(args.workspace), args.step, args.force)


def run_check(args: argparse.Namespace) -> int:
    return check(Workspace(args.workspace))


def run_status(args: argparse.Namespace) -> int:
    return status(Workspace(args.workspace))


def run_diff_solution(args: argparse.Namespace) -> int:
    return diff_solution(Workspace(args.workspace))


def run_reset(args: argparse.Namespace) -> int:
    return reset(Workspace(args.workspace))


def one_line_errors(
    run: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """``run``, with a WorkspaceError printed as one line and exit code 1."""

    def command(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except WorkspaceError as error:
            print(error, file=sys.stderr)
            return 1

    return command
