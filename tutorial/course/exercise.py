"""Exercise mode: write each step's lesson yourself, in ``workspace/``.

``tutorial start N`` fills the workspace with step N-1's code and step N's
tests, so step N's lesson tests fail until you write the lesson. ``tutorial
check`` runs them and prints a hint for each that still fails. Your changes are
never thrown away: ``start --force`` and ``reset`` back them up first.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from tutorial.course.pytest_run import run_pytest
from tutorial.course.steps import (
    REPOSITORY,
    Step,
    discover_steps,
    file_diffs,
    find_step,
    readme_hints,
    readme_introduction,
    readme_text,
)
from tutorial.course.workspace import (
    DEFAULT_WORKSPACE,
    STATE_FILE,
    CheckResult,
    Workspace,
    WorkspaceError,
    files_to_edit,
    step_before,
)


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


# Where the site is read: published, and served by `uv run mkdocs serve` (dev_addr).
SITE_URL = "https://jwks-tutorial.github.io/caching-jwks-redis-django/"
LOCAL_SITE_URL = "http://127.0.0.1:8008/"


def page_address(step: Step, site: str) -> str:
    """The step's page with the learner's view on (docs/assets/javascripts/)."""
    return f"{site}steps/{step.name}/?learner=1"


def print_goal(workspace: Workspace, step: Step) -> None:
    before = step_before(step)
    print(f"{workspace.shown()}/ holds step {before.number:02d}'s code", end=" ")
    print(f"and step {step.number:02d}'s tests. Make the tests pass.\n")
    print(f"Step {step.number:02d}: {step.title}\n")
    print(wrap(readme_introduction(readme_text(step)), indent="  "))
    print("\nThe step's page, in the learner's view (its solution hidden):")
    print(f"  {page_address(step, SITE_URL)}")
    print(f"  {page_address(step, LOCAL_SITE_URL)} (uv run mkdocs serve)")
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
    # A test file that cannot be imported yet must not stop the others.
    args = ["-m", f"lesson(step={step.number})", "-q", "--tb=short"]
    args += ["--show-capture=stderr", "--continue-on-collection-errors"]
    finished = run_pytest(workspace.root, args, show_output=not quiet)
    if finished.returncode == 5:
        raise WorkspaceError(
            f"No lesson test of step {step.number:02d} was collected: pytest -m "
            f'"lesson(step={step.number})" selected nothing in {workspace.shown()}/. '
            "That is a bug in the tutorial, not in your code: please report it."
        )
    if not finished.outcomes and finished.returncode != 0:
        seen = "" if quiet else ", see its output above"
        raise WorkspaceError(
            f"pytest could not run in {workspace.shown()}/ (exit code "
            f"{finished.returncode}{seen}). "
            f"To start the step again: {workspace.command('reset')}"
        )
    return summarize(
        step, by_test_name(finished.outcomes), readme_hints(readme_text(step))
    )


def by_test_name(outcomes: dict[str, str]) -> dict[str, str]:
    """Each test function's outcome (any parameter failing fails it); "broken" for
    a file that could not be imported, by its path."""
    named: dict[str, str] = {}
    for test_id, outcome in outcomes.items():
        if "::" not in test_id:
            named[test_id] = "broken"
            continue
        name = test_id.rsplit("::", 1)[1].split("[")[0]
        if outcome in {"failed", "error"}:
            named[name] = "failed"
        elif outcome == "skipped":
            named[name] = "skipped"
        else:
            named.setdefault(name, "passed")
    return named


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
