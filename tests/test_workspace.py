"""Exercise mode as a learner meets it: start a step, see it fail, write it, pass.

That is also where every step's honesty is proven: each of its lesson tests fails on
the code of the step before, and passes once the lesson is written.

Every test works in a workspace under ``tmp_path`` (``--workspace``), never in the
repository's own ``workspace/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tutorial.course.exercise import by_test_name, summarize
from tutorial.course.pytest_run import read_report
from tutorial.course.steps import (
    REPOSITORY,
    Step,
    discover_steps,
    is_test_file,
    previous_step,
    readme_hints,
    readme_text,
)
from tutorial.course.workspace import STATE_FILE, CheckResult, files_to_edit

STEPS = discover_steps()
LATER_STEPS = [step for step in STEPS if previous_step(step)]
EXERCISE_COMMANDS = ["start", "check", "status", "diff-solution", "reset"]
# pytest's closing line, e.g. "2 failed, 1 error, 33 deselected in 0.40s".
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
PYTEST_CLOSING_LINE = re.compile(r"^=* ?(\d+ \w+(, \d+ \w+)*) in [\d.]+s\b", re.M)


def tutorial(
    *args: str, workspace: Path, redis_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``uv run tutorial ARGS --workspace WORKSPACE``, from the workspace's folder."""
    env = {**os.environ, "REDIS_URL": redis_url} if redis_url else None
    return subprocess.run(
        [sys.executable, "-m", "tutorial.cli", *args, "--workspace", str(workspace)],
        cwd=workspace.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def write_the_solution(step: Step, workspace: Path) -> None:
    """What a learner does: make the changes the start of the step listed."""
    for name, action in files_to_edit(step).items():
        if action == "delete":
            (workspace / name).unlink()
        elif action == "move":  # "old -> new": the old one goes, the new one comes
            old, _, name = name.partition(" -> ")
            (workspace / old).unlink()
            (workspace / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(step.path / name, workspace / name)
        else:
            (workspace / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(step.path / name, workspace / name)


def pytest_counts(output: str) -> dict[str, int]:
    """What pytest's closing line in ``output`` counts: ``{"failed": 2, ...}``."""
    closing_lines = PYTEST_CLOSING_LINE.findall(output)
    assert closing_lines, f"pytest printed no closing line:\n{output}"
    counts = PYTEST_COUNT.findall(closing_lines[-1][0])
    return {outcome.rstrip("s"): int(number) for number, outcome in counts}


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("step", LATER_STEPS, ids=lambda step: step.name)
def test_a_started_step_fails_until_its_solution_is_written(
    step: Step, tmp_path: Path, shared_redis_url: str
):
    workspace = tmp_path / "workspace"

    started = tutorial("start", str(step.number), workspace=workspace)
    assert started.returncode == 0, started.stderr
    assert f"Step {step.number:02d}: {step.title}" in started.stdout
    for name in files_to_edit(step):
        assert f"workspace/{name}" in started.stdout
    assert "uv run tutorial check --workspace workspace" in started.stdout

    failing = tutorial("check", workspace=workspace, redis_url=shared_redis_url)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "Still to do:" in failing.stdout
    # Every lesson test is red on the step before: one that passes teaches nothing.
    red = pytest_counts(failing.stdout)
    assert red.keys() <= {"failed", "error"}, (
        f"not every lesson test of step {step.number:02d} fails on the code of the "
        f"step before ({red}):\n{failing.stdout}"
    )
    printed = " ".join(failing.stdout.split())  # the hints are wrapped to fit
    for test, hint in readme_hints(readme_text(step)).items():
        if f"- {test} " in printed:
            assert f"Hint: {' '.join(hint.split())}" in printed, test

    write_the_solution(step, workspace)
    passing = tutorial("check", workspace=workspace, redis_url=shared_redis_url)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    green = pytest_counts(passing.stdout)
    assert green.keys() == {"passed"}, f"{green}:\n{passing.stdout}"
    assert "lesson tests of step" in passing.stdout and "pass." in passing.stdout
    assert "tutorial diff-solution" in passing.stdout

    same = tutorial("diff-solution", workspace=workspace)
    assert f"is exactly step {step.number:02d}'s solution" in same.stdout

    later = [other for other in STEPS if other.number > step.number]
    if later:
        # What check suggested: solved work is backed up, no --force needed.
        assert f"tutorial start {later[0].number}" in passing.stdout
        next_step = tutorial("start", str(later[0].number), workspace=workspace)
        assert next_step.returncode == 0, next_step.stderr
        assert "Saved your work in" in next_step.stdout


def test_a_dirty_workspace_is_never_overwritten_without_a_backup(tmp_path: Path):
    workspace = tmp_path / "workspace"
    step = LATER_STEPS[0]
    tutorial("start", str(step.number), workspace=workspace)
    mine = workspace / "core" / "my_notes.py"
    mine.write_text("# what I tried\n")

    refused = tutorial("start", str(step.number), workspace=workspace)
    assert_one_line_error(refused)
    assert "new core/my_notes.py" in refused.stderr
    assert "--force" in refused.stderr and "rm -r" in refused.stderr
    assert mine.read_text() == "# what I tried\n"
    assert not (tmp_path / "workspace-backups").exists()

    forced = tutorial("start", str(step.number), "--force", workspace=workspace)
    assert forced.returncode == 0, forced.stderr
    [backup] = (tmp_path / "workspace-backups").iterdir()
    assert f"Saved your work in workspace-backups/{backup.name}/" in forced.stdout
    assert (backup / "core" / "my_notes.py").read_text() == "# what I tried\n"
    assert not mine.exists()

    mine.write_text("# second try\n")
    reset = tutorial("reset", workspace=workspace)
    assert reset.returncode == 0, reset.stderr
    assert len(list((tmp_path / "workspace-backups").iterdir())) == 2
    assert not mine.exists()
    assert "Your changes: none yet." in tutorial("status", workspace=workspace).stdout


def test_start_fills_the_workspace_with_the_code_before_and_the_tests_after(
    tmp_path: Path,
):
    step = LATER_STEPS[-1]
    before = previous_step(step)
    workspace = tmp_path / "workspace"
    tutorial("start", str(step.number), workspace=workspace)

    made = {
        path.relative_to(workspace).as_posix()
        for path in workspace.rglob("*")
        if path.is_file() and path.name != STATE_FILE
    }
    for name in made:
        source = (step if is_test_file(Path(name)) else before).path / name
        assert (workspace / name).read_bytes() == source.read_bytes(), name
    assert "README.md" not in made, "the step's README tells the solution"


def test_status_names_the_step_and_what_changed(tmp_path: Path):
    step = LATER_STEPS[0]
    workspace = tmp_path / "workspace"
    tutorial("start", str(step.number), workspace=workspace)
    name = next(name for name, do in files_to_edit(step).items() if do == "edit")
    with (workspace / name).open("a") as file:
        file.write("\n")

    status = tutorial("status", workspace=workspace)

    assert status.returncode == 1  # the lesson is not written yet
    assert f"on step {step.number:02d}, {step.title}" in status.stdout
    assert f"changed {name}" in status.stdout
    diff = tutorial("diff-solution", workspace=workspace)
    assert f"a/{name}" in diff.stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (["start", "0"], "where the tutorial starts"),
        (["check"], "tutorial start 1"),
        (["status"], "tutorial start 1"),
        (["diff-solution"], "tutorial start 1"),
        (["reset"], "tutorial start 1"),
    ],
)
def test_wrong_input_gets_one_line(tmp_path: Path, args: list[str], says: str):
    result = tutorial(*args, workspace=tmp_path / "workspace")

    assert_one_line_error(result)
    assert says in result.stderr
    assert not (tmp_path / "workspace").exists()


def test_an_unknown_step_lists_the_steps(tmp_path: Path):
    result = tutorial("start", "99", workspace=tmp_path / "workspace")

    assert result.returncode == 2
    assert "There is no step '99'" in result.stderr and "Traceback" not in result.stderr


def test_a_step_without_lesson_tests_is_an_error_not_a_pass(tmp_path: Path):
    step = LATER_STEPS[0]
    workspace = tmp_path / "workspace"
    tutorial("start", str(step.number), workspace=workspace)
    for test_file in (workspace / "tests").glob("test_*.py"):
        text = test_file.read_text().replace(f"lesson(step={step.number})", "lesson")
        test_file.write_text(text)

    result = tutorial("check", workspace=workspace)

    assert_one_line_error(result)
    assert "No lesson test of step" in result.stderr


@pytest.mark.parametrize("command", EXERCISE_COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path):
    result = tutorial(command, "--help", workspace=tmp_path / "workspace")

    assert result.returncode == 0
    assert "--workspace" in result.stdout


def test_a_test_file_that_cannot_be_imported_is_reported_with_its_tests(
    tmp_path: Path,
):
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="" name="tests.test_jwks_in_redis">'
        '<error message="collection failure">ImportError</error></testcase>'
        '<testcase classname="tests.test_downloads" name="test_one_download"'
        ' file="tests/test_downloads.py"/>'
        "</testsuite></testsuites>"
    )
    outcomes, _ = read_report(report)
    hints = {"test_one_download": "a", "test_the_jwks_sits_in_redis": "b"}

    result = summarize(STEPS[1], by_test_name(outcomes), hints)

    assert result == CheckResult(
        STEPS[1],
        passed=["test_one_download"],
        failing=["test_the_jwks_sits_in_redis"],
        broken_files=["tests/test_jwks_in_redis.py"],
    )
    assert not result.solved


def test_a_workspace_from_before_the_recut_says_so_in_one_line(tmp_path: Path):
    # Step 06 was "outages and stampedes" until the course was recut: a workspace
    # started then has no step name in its state, and must not run 06's new lessons.
    workspace = tmp_path / "workspace"
    tutorial("start", "6", workspace=workspace)
    state_file = workspace / STATE_FILE
    state = json.loads(state_file.read_text(encoding="utf-8"))
    del state["name"]
    state_file.write_text(json.dumps(state), encoding="utf-8")

    for command in ("check", "status", "diff-solution"):
        result = tutorial(command, workspace=workspace)

        assert_one_line_error(result)
        assert "older numbering" in result.stderr
        assert "start 6 --force" in result.stderr


@pytest.mark.parametrize(
    ("started", "now"),
    [
        ("14-refresh-ahead", "15-refresh-ahead"),  # the same name, a new number
        ("09-one-client-two-tiers", "12-keys-in-memory"),  # renamed too
    ],
)
def test_a_workspace_whose_lesson_moved_names_its_new_number(
    tmp_path: Path, started: str, now: str
):
    workspace = tmp_path / "workspace"
    number = int(started[:2])
    tutorial("start", str(number), workspace=workspace)
    state_file = workspace / STATE_FILE
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["name"] = started
    state_file.write_text(json.dumps(state), encoding="utf-8")

    result = tutorial("check", workspace=workspace)

    assert_one_line_error(result)
    assert f"{started}, is {now} now" in result.stderr
    assert f"start {int(now[:2])} --force" in result.stderr


def test_start_gives_the_steps_page_in_the_learners_view(tmp_path: Path):
    from tests.docs_site import mkdocs_config
    from tutorial.course.exercise import LOCAL_SITE_URL, SITE_URL

    step = LATER_STEPS[0]

    started = tutorial("start", str(step.number), workspace=tmp_path / "workspace")

    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    assert f"Read it at **{SITE_URL}**" in readme
    assert LOCAL_SITE_URL == f"http://{mkdocs_config()['dev_addr']}/"
    assert f"{SITE_URL}steps/{step.name}/?learner=1" in started.stdout
    assert f"{LOCAL_SITE_URL}steps/{step.name}/?learner=1" in started.stdout
