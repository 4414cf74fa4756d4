"""Mutants: each step's idea, broken one essential part at a time.

``tutorial/course/mutants/NN-slug.toml`` lists, for a step beyond the article,
small edits of its code that each remove or break one part of its idea.
``tutorial mutants`` plays each as a learner would meet it: a scratch workspace
holding the step's solution, the edit applied, then ``tutorial check``. A mutant
counts only if the API still starts and accepts a valid token; then one of the
step's lesson tests must fail, or the lessons do not pin the idea.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tutorial.course.exercise import run_lesson_tests
from tutorial.course.pytest_run import run_pytest
from tutorial.course.steps import Step, is_test_file, lesson_files
from tutorial.course.workspace import STATE_FILE, Workspace

MUTANTS_DIR = Path(__file__).with_name("mutants")

# What a mutant must leave working, or it proves nothing: a valid token, accepted.
PROBE = """
def test_a_valid_token_is_still_accepted(idp, mint_token, get_me):
    assert get_me(mint_token()).status_code == 200
"""
PROBE_FILE = "tests/test_mutant_probe.py"


class MutantDoesNotApply(ValueError):
    """A mutant's text is not in its file exactly once: the step moved on."""


@dataclass(frozen=True)
class Mutant:
    step: Step
    name: str  # the part of the idea it breaks, in words
    file: str  # relative to the step's folder
    find: str  # text found exactly once in the file...
    replace: str  # ...and what it becomes

    def mutated(self, text: str) -> str:
        found = text.count(self.find)
        if found != 1:
            raise MutantDoesNotApply(
                f"{self.step.name}, {self.name!r}: its text is in {self.file} "
                f"{found} times, not once. Update tutorial/course/mutants/."
            )
        return text.replace(self.find, self.replace)


@dataclass(frozen=True)
class Verdict:
    mutant: Mutant
    valid: bool  # the API still starts and accepts a valid token
    killed: bool  # a lesson test of the step failed


def mutants_of(step: Step) -> list[Mutant]:
    """The step's mutants; none for a step without a list."""
    listing = MUTANTS_DIR / f"{step.name}.toml"
    if not listing.exists():
        return []
    table = tomllib.loads(listing.read_text(encoding="utf-8"))
    return [
        Mutant(step, entry["name"], entry["file"], entry["find"], entry["replace"])
        for entry in table["mutant"]
    ]


def play(mutant: Mutant) -> Verdict:
    """The mutant in a scratch workspace: is it valid, and do the lessons kill it?"""
    with tempfile.TemporaryDirectory(prefix="mutant-") as folder:
        workspace = Workspace(Path(folder) / "workspace")
        workspace.fill(mutant.step)  # the step before, and this step's tests
        solve(workspace.root, mutant.step)
        target = workspace.root / mutant.file
        target.write_text(mutant.mutated(target.read_text(encoding="utf-8")))
        (workspace.root / PROBE_FILE).write_text(PROBE, encoding="utf-8")
        probe = run_pytest(workspace.root, [PROBE_FILE, "-q"])
        (workspace.root / PROBE_FILE).unlink()
        if probe.returncode != 0:
            return Verdict(mutant, valid=False, killed=False)
        result = run_lesson_tests(workspace, mutant.step, quiet=True)
        return Verdict(mutant, valid=True, killed=not result.solved)


def solve(root: Path, step: Step) -> None:
    """Write the step's own code into a workspace that holds the step before's."""
    solution = {path.as_posix() for path in lesson_files(step)}
    for relative in lesson_files(Step(step.number, step.slug, root)):
        name = relative.as_posix()
        if not is_test_file(relative) and name not in solution and name != STATE_FILE:
            (root / relative).unlink()  # moved or deleted by the step
    for relative in lesson_files(step):
        if not is_test_file(relative):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(step.path / relative, root / relative)
