"""One git branch per step: ``step-00`` ... ``step-NN``, each one commit on the last.

A branch holds its step's project at the root, with what the step's tests need
around it (the ``tutorial`` kit, ``pyproject.toml`` and ``uv.lock``), so that
``git diff step-02 step-03`` is exactly step 03's lesson and ``git log step-04``
reads as the tutorial. The branches are built from the current commit with git
plumbing only (ls-tree, mktree, commit-tree, update-ref): the current branch,
the index and the working tree are never touched. A fixed author and fixed dates
make every run give the same commit ids.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tutorial.course.steps import STEP_FOLDER, readme_introduction, readme_title

BRANCH_PREFIX = "step-"
# Beside each step at the branch root: what its tests import (tutorial/), what
# installs them (pyproject.toml, uv.lock), the Redis of step 01's README
# (docker-compose.yml), and what keeps a learner's `git status` clean.
SHARED_FILES = ("tutorial", "pyproject.toml", "uv.lock", "docker-compose.yml")
SHARED_FILES += (".gitignore",)
AUTHOR_NAME = "JWKS tutorial"
AUTHOR_EMAIL = "steps@jwks-tutorial.test"
FIRST_DATE = 1_704_067_200  # 2024-01-01 00:00 UTC; step N is committed N hours later
PUBLISH = "git push --force origin 'refs/heads/step-*'"


class BranchError(Exception):
    """Something the user can fix; the message says how, on one line."""


@dataclass(frozen=True)
class StepBranch:
    name: str  # step-03
    commit: str
    title: str
    outcome: str  # created, updated or unchanged


def make_branches(repository: Path, force: bool = False) -> list[StepBranch]:
    """Create or update ``step-NN`` for every step folder of ``HEAD``."""
    git = Git(find_top_level(repository))
    source = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if not source:
        raise BranchError("This repository has no commit yet: commit the steps first.")
    # Tree entries, as ls-tree prints them: "<mode> <type> <id>\t<name>".
    shared = [git.run("ls-tree", "HEAD", "--", name) for name in SHARED_FILES]
    made, parent = [], None
    for number, folder in step_folders(git):
        entries = git.run("ls-tree", f"HEAD:steps/{folder}").splitlines()
        entries += [entry for entry in shared if entry]
        tree = git.run("mktree", input="\n".join(entries) + "\n")
        readme = git.run("show", f"HEAD:steps/{folder}/README.md", check=False)
        title = readme_title(readme) or folder
        message = commit_message(number, title, readme_introduction(readme))
        commit = git.commit(tree, parent, message, date=FIRST_DATE + number * 3600)
        name = f"{BRANCH_PREFIX}{number:02d}"
        made.append(
            StepBranch(name, commit, title, git.move_branch(name, commit, force))
        )
        parent = commit
    return made


def step_folders(git: Git) -> list[tuple[int, str]]:
    names = git.run("ls-tree", "--name-only", "HEAD:steps", check=False).splitlines()
    folders = [
        (int(match[1]), name) for name in names if (match := STEP_FOLDER.match(name))
    ]
    if not folders:
        raise BranchError(
            "The current commit has no steps/NN-slug folders (a step branch?): "
            "git switch main, then run this again."
        )
    return sorted(folders)


def commit_message(number: int, title: str, introduction: str) -> str:
    body = textwrap.fill(introduction, width=72)
    return (
        f"Step {number:02d}: {title}\n\n{body}\n"
        if body
        else f"Step {number:02d}: {title}\n"
    )


def find_top_level(folder: Path) -> Path:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError as error:
        raise BranchError(
            "git is not installed: install it, then run this again."
        ) from error
    if found.returncode != 0:
        raise BranchError(
            f"{folder} is not in a git repository: "
            "run this in your clone of the tutorial."
        )
    return Path(found.stdout.strip())


class Git:
    """git, run in one repository, with every failure turned into a BranchError."""

    def __init__(self, repository: Path) -> None:
        self.repository = repository

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.repository,
            input=input,
            capture_output=True,
            text=True,
            env=env,
        )
        if check and done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise BranchError(f"git {args[0]} failed: {reason}")
        return done.stdout.strip() if done.returncode == 0 else ""

    def commit(self, tree: str, parent: str | None, message: str, date: int) -> str:
        identity = {
            "GIT_AUTHOR_NAME": AUTHOR_NAME,
            "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_AUTHOR_DATE": f"{date} +0000",
            "GIT_COMMITTER_NAME": AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_DATE": f"{date} +0000",
        }
        parents = ["-p", parent] if parent else []
        # A signature would differ from run to run, and so would the commit id.
        return self.run(
            "commit-tree",
            "--no-gpg-sign",
            tree,
            *parents,
            input=message,
            env={**os.environ, **identity},
        )

    def move_branch(self, name: str, commit: str, force: bool) -> str:
        ref = f"refs/heads/{name}"
        old = self.run("rev-parse", "--verify", "--quiet", ref, check=False)
        if old == commit:
            return "unchanged"
        if old and self.run("symbolic-ref", "--quiet", "HEAD", check=False) == ref:
            raise BranchError(
                f"{name} is checked out here, and this never moves the current branch: "
                f"git switch main, then run it again."
            )
        if (
            old
            and not force
            and self.run("log", "-1", "--format=%ae", old) != AUTHOR_EMAIL
        ):
            raise BranchError(
                f"{name} holds commits that this command did not make. Keep them on "
                f"another branch (git branch my-{name} {name}), then run it again "
                "with --force."
            )
        # With the old id, update-ref refuses if the branch moved meanwhile.
        self.run("update-ref", "-m", "tutorial branches", ref, commit, old)
        return "updated" if old else "created"


# -- command line --------------------------------------------------------------


def run_branches(args: argparse.Namespace) -> int:
    try:
        branches = make_branches(Path.cwd(), force=args.force)
    except BranchError as error:
        print(error, file=sys.stderr)
        return 1
    for branch in branches:
        print(
            f"{branch.name}  {branch.commit[:10]}  {branch.outcome:<9}  {branch.title}"
        )
    last = branches[-1].name
    print(
        f"\nSee a lesson:  git diff {branches[max(0, len(branches) - 2)].name} {last}"
    )
    print(f"Catch up:      git switch {last}")
    print(f"Publish them:  {PUBLISH}")
    return 0
