"""``tutorial mutants``: break each step's idea, one part at a time, and check that
the step's lesson tests notice, as a learner's ``tutorial check`` would.

Each mutant (``tutorial/course/mutants/NN-slug.toml``) runs in a scratch workspace
of its own: the step's solution, one edit, a probe that a valid token is still
accepted, then the step's lesson tests. Without STEP: every step that has
mutants (about a quarter of an hour).
"""

from __future__ import annotations

import argparse
import sys

from tutorial.course.mutants import mutants_of, play
from tutorial.course.steps import discover_steps, find_step


def add_mutants_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "steps", nargs="*", metavar="STEP", help="step numbers (default: every step)"
    )


def run_mutants_command(args: argparse.Namespace) -> int:
    steps = [find_step(wanted) for wanted in args.steps] or discover_steps()
    failures = []
    for step in steps:
        mutants = mutants_of(step)
        if not mutants:
            if args.steps:
                print(f"{step.name}: no mutants (the article's steps have none)")
            continue
        killed = 0
        for mutant in mutants:
            verdict = play(mutant)
            if not verdict.valid:
                said = "INVALID: the API no longer accepts a valid token"
            elif verdict.killed:
                said, killed = "killed", killed + 1
            else:
                said = "SURVIVED: every lesson test still passes"
            print(f"  {step.name[:2]} {said:<10} {mutant.name}", flush=True)
            if not verdict.killed:
                failures.append(f"{step.name}: {mutant.name}")
        print(f"{step.name}: {killed} of {len(mutants)} mutants killed", flush=True)
    if failures:
        print("\nNot killed:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0
