"""``tutorial branches``, always in a temporary clone: a branch per step, built twice.

The command runs with ``python -P``, so that it is this checkout's ``tutorial`` that
runs, not the clone's copy of the last commit; it acts on the clone, its working
directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.runner import run_suite
from tutorial.course.branches import AUTHOR_EMAIL, SHARED_FILES
from tutorial.course.steps import REPOSITORY, STEP_FOLDER

# What a temporary clone holds: the steps of the last commit.
COMMITTED_STEPS = sorted(
    name
    for name in subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD:steps"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if STEP_FOLDER.match(name)
)


def branch_of(step: str) -> str:
    return f"step-{step[:2]}"


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def tutorial(folder: Path, *args: str, **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "tutorial.cli", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )


def make_clone(folder: Path) -> Path:
    subprocess.run(
        ["git", "clone", "--quiet", str(REPOSITORY), str(folder)], check=True
    )
    return folder


def step_branches(clone: Path) -> dict[str, str]:
    refs = git(clone, "for-each-ref", "--format=%(refname:short) %(objectname)")
    return dict(line.split() for line in refs.splitlines() if line.startswith("step-"))


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository's last commit, shared by the tests that only read."""
    return make_clone(tmp_path_factory.mktemp("branches") / "tutorial")


def test_two_runs_make_the_same_commits_and_touch_nothing_else(clone: Path):
    head, branch = (
        git(clone, "rev-parse", "HEAD"),
        git(clone, "branch", "--show-current"),
    )
    (clone / "README.md").write_text("a change of the learner's, not committed\n")
    git(clone, "add", "README.md")
    status = git(clone, "status", "--porcelain")

    first = tutorial(clone, "branches")
    made = step_branches(clone)
    second = tutorial(clone, "branches")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert sorted(made) == [branch_of(step) for step in COMMITTED_STEPS]
    assert step_branches(clone) == made
    assert second.stdout.count("unchanged") == len(made)
    assert "git push --force origin 'refs/heads/step-*'" in first.stdout
    assert git(clone, "rev-parse", "HEAD") == head
    assert git(clone, "branch", "--show-current") == branch
    assert git(clone, "status", "--porcelain") == status  # index and working tree
    git(clone, "reset", "--quiet", "--hard")


def test_each_branch_is_its_step_at_the_root_on_top_of_the_one_before(clone: Path):
    tutorial(clone, "branches")
    parent = None
    for step in COMMITTED_STEPS:
        branch = branch_of(step)
        step_entries = git(clone, "ls-tree", f"HEAD:steps/{step}").splitlines()
        shared = git(clone, "ls-tree", "HEAD", "--", *SHARED_FILES).splitlines()

        assert sorted(git(clone, "ls-tree", branch).splitlines()) == sorted(
            step_entries + shared
        )
        assert git(clone, "log", "--format=%P", "-1", branch) == (parent or "")
        title = git(clone, "show", f"HEAD:steps/{step}/README.md").splitlines()[0]
        subject = git(clone, "log", "--format=%s", "-1", branch)
        assert subject == f"Step {step[:2]}: {title.removeprefix('# ')}"
        assert git(clone, "log", "--format=%ae", "-1", branch) == AUTHOR_EMAIL
        parent = git(clone, "rev-parse", branch)


NEIGHBOURS = list(zip(COMMITTED_STEPS[:-1], COMMITTED_STEPS[1:], strict=True))


@pytest.mark.parametrize("before, after", NEIGHBOURS)
def test_the_diff_of_two_branches_is_exactly_the_lesson(
    clone: Path, before: str, after: str
):
    tutorial(clone, "branches")

    between_branches = git(clone, "diff", branch_of(before), branch_of(after))
    between_folders = git(clone, "diff", f"HEAD:steps/{before}", f"HEAD:steps/{after}")

    assert between_branches == between_folders


def test_the_lesson_tests_of_the_last_step_pass_at_its_branch_root(
    clone: Path, tmp_path: Path, shared_redis_url: str
):
    """A branch is its step at the root: the layout works, the kit is found.

    Every branch has that layout (the test above), and every step's suite passes in
    its folder (tests/test_steps.py), so one step's lessons at one root prove it;
    the last step's use the most of the kit.
    """
    step = COMMITTED_STEPS[-1]
    tutorial(clone, "branches")
    archive = tmp_path / "branch.tar"
    git(clone, "archive", "--output", str(archive), branch_of(step))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "root", filter="data")

    lessons = f"lesson(step={int(step[:2])})"
    run = run_suite(tmp_path / "root", "-m", lessons, redis_url=shared_redis_url)

    assert run.returncode == 0, run.report(branch_of(step))
    assert run.outcomes, f"no lesson test ran at the root of {branch_of(step)}"


def test_a_branch_with_a_learners_commits_is_kept(tmp_path: Path):
    clone = make_clone(tmp_path / "tutorial")
    main = git(clone, "branch", "--show-current")
    made = tutorial(clone, "branches")
    assert made.returncode == 0, made.stderr
    git(clone, "switch", "--quiet", "step-01")
    mine = ["-c", "user.name=Learner", "-c", "user.email=learner@example.test"]
    git(clone, *mine, "commit", "--quiet", "--allow-empty", "-m", "my work")
    my_work = git(clone, "rev-parse", "step-01")
    # A newer tutorial: every step branch changes.
    git(clone, "switch", "--quiet", main)
    (clone / "tutorial" / "__init__.py").write_text('"""A newer kit."""\n')
    git(clone, *mine, "commit", "--quiet", "--all", "-m", "newer kit")

    kept = tutorial(clone, "branches")
    git(clone, "switch", "--quiet", "step-01")
    on_a_step_branch = tutorial(clone, "branches")
    git(clone, "switch", "--quiet", "--force-create", "step-00", main)
    on_its_branch = tutorial(clone, "branches")
    git(clone, "switch", "--quiet", main)
    forced = tutorial(clone, "branches", "--force")

    assert kept.returncode == 1
    assert "step-01 holds commits that this command did not make" in kept.stderr
    assert on_a_step_branch.returncode == 1
    assert "git switch main" in on_a_step_branch.stderr
    assert on_its_branch.returncode == 1
    assert "step-00 is checked out here" in on_its_branch.stderr
    assert forced.returncode == 0, forced.stderr
    assert git(clone, "log", "--format=%s", "-1", my_work) == "my work"
    assert git(clone, "rev-parse", "step-01") != my_work


def test_outside_a_git_repository_it_says_so(tmp_path: Path):
    # Git stops looking for a repository at the ceiling, above tmp_path.
    ceiling = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = tutorial(tmp_path, "branches", env={**os.environ, **ceiling})

    assert result.returncode == 1
    assert "not in a git repository" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_without_git_it_says_so(tmp_path: Path):
    result = tutorial(tmp_path, "branches", env={**os.environ, "PATH": str(tmp_path)})

    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "git is not installed: install it, then run this again."
    )


def test_branches_has_help(tmp_path: Path):
    result = tutorial(tmp_path, "branches", "--help")

    assert result.returncode == 0 and "step-00" in result.stdout
