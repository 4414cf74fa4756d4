"""``tutorial``: the command line of the tutorial.

    tutorial steps                    list the steps
    tutorial test [STEP]              run one step's tests (every step's without STEP)
    tutorial start | check | status | diff-solution | reset
                                      exercise mode, in workspace/
    tutorial idp                      the local identity provider on port 8001
    tutorial token [--sub NAME] [--kid KID] [--expires-in SECONDS]
                                      print a token that provider's keys sign
    tutorial idp-admin rotate         make the running provider rotate its signing key,
    tutorial idp-admin withdraw KID   stop publishing an older key,
    tutorial idp-admin fail FAULT     fail in one of several ways,
    tutorial idp-admin slow SECONDS   answer slowly,
    tutorial idp-admin hold | release hold each download until released,
    tutorial idp-admin heal           or behave again
    tutorial redis                    a real Redis on port 6379, the compose password
    tutorial demo | bench | scenarios the measurements, side by side
    tutorial mutants [STEP]           break each step's idea: its lessons must notice
    tutorial branches                 a git branch per step
    tutorial site [--check]           write the site's generated pieces (generated/)

Each command's module builds its own options; this one puts them together. Wrong
input gets one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import NoReturn

from tutorial.arguments import (
    add_command,
)
from tutorial.cli.bench import add_bench_options, run_bench_command
from tutorial.cli.mutants import add_mutants_options, run_mutants_command
from tutorial.cli.scenarios import (
    add_scenarios_options,
    run_scenarios_command,
)
from tutorial.cli.site import add_site_options, run_site_command
from tutorial.course.branches import PUBLISH, run_branches
from tutorial.course.exercise import add_exercise_commands
from tutorial.course.provider_commands import add_provider_commands
from tutorial.course.redis_command import add_redis_command
from tutorial.course.steps import (
    Step,
    UnknownStep,
    describe,
    discover_steps,
    find_step,
)
from tutorial.measure.demo import add_demo_options, run_demo_command


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Ctrl-C stops every command, also one started as a background job of a
    # script: such jobs inherit an ignored SIGINT, and Python keeps it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return args.command(args)
    except UnknownStep as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> Parser:
    root = Parser(
        prog="tutorial",
        description="Caching JWKS using Redis with Django, step by step.",
    )
    commands = root.add_subparsers(required=True, metavar="COMMAND")

    add_command(commands, "steps", list_steps, help="list the steps")

    test = add_command(commands, "test", run_tests, help="run a step's tests")
    test.add_argument(
        "step", nargs="?", help="a step number or folder name; every step if left out"
    )
    test.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest"
    )

    add_provider_commands(commands)
    add_exercise_commands(commands)

    branches = add_command(
        commands,
        "branches",
        run_branches,
        help="make a git branch per step: step-00, step-01, ...",
        description="Create or update the local branches step-00 ... step-NN from the "
        "current commit: each is one commit on the one before, with its step at the "
        "root. The current branch, the index and the working tree are not touched, "
        f"and a rerun gives the same commit ids. Publish them with: {PUBLISH}",
    )
    branches.add_argument(
        "--force",
        action="store_true",
        help="also replace step branches that hold commits of someone else's",
    )

    demo = add_command(
        commands,
        "demo",
        run_demo_command,
        help="the live demonstration: requests, JWKS downloads, latency, side by side",
        description="Run steps under gunicorn against a real Redis (REDIS_URL, else "
        "a throwaway one) and the local identity provider, send authenticated "
        "requests, and print requests, JWKS downloads, errors, median and p95 "
        "latency per step. Without STEP: steps 00, 03 and the last step.",
    )
    add_demo_options(demo)

    bench = add_command(
        commands,
        "bench",
        run_bench_command,
        help="the benchmarks page's numbers, as JSON and as the page",
        description="Measure every way of finding the signing key (step 00, "
        "PyJWT's default, the steps from 03 on, the keys loaded at start-up) "
        "side by side: the hot path in process, a gunicorn fleet over HTTP under "
        "Locust, an attack with random kids, memory. Writes benchmarks.json and "
        "benchmarks.md to docs/ (or --output-dir). The full run takes 20 to 30 "
        "minutes; --quick, a minute or two.",
    )
    add_bench_options(bench)

    scenarios = add_command(
        commands,
        "scenarios",
        run_scenarios_command,
        help="what each step survives: every trap played on every step",
        description="Play scenarios (a key rotation, Redis killed, the provider "
        "down, a cold stampede, hostile tokens and key sets, a planted pickle) on "
        "steps under gunicorn, each cell with a Redis and a provider of its own, "
        "and print each outcome; exit 1 when one differs from "
        "tutorial/measure/scenarios/expected_outcomes.toml. Without STEP or "
        "--scenario: the whole "
        "matrix and a one-minute soak of the last step (a few minutes), "
        "written to docs/scenarios.json and docs/what-each-step-survives.md.",
    )
    add_scenarios_options(scenarios)

    mutants = add_command(
        commands,
        "mutants",
        run_mutants_command,
        help="break each step's idea, and check that its lesson tests notice",
        description="For each mutant of a step (tutorial/course/mutants/), in a "
        "scratch workspace with the step's solution: apply it, check that a valid "
        "token is still accepted, then run the step's lesson tests, as tutorial "
        "check does; one must fail. Exit 1 when a mutant survives, or is invalid.",
    )
    add_mutants_options(mutants)

    site = add_command(
        commands,
        "site",
        run_site_command,
        help="write the site's generated pieces: step diffs, PyJWT's download path",
        description="Write generated/: the diff from the step before for each step "
        "page, and PyJWT's download path as installed. Pages include them with "
        "pymdownx.snippets, so MkDocs and Zensical build the same site. --check "
        "writes nothing and exits 1 when a piece is stale.",
    )
    add_site_options(site)

    add_redis_command(commands)
    return root


def list_steps(args: argparse.Namespace) -> int:
    print(describe(discover_steps()))
    return 0


def run_tests(args: argparse.Namespace) -> int:
    steps = [find_step(args.step)] if args.step else discover_steps()
    failed = [
        step.name for step in steps if run_step_tests(step, args.pytest_args) != 0
    ]
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_step_tests(step: Step, pytest_args: Sequence[str] = ()) -> int:
    print(f"== {step.name}: {step.title}", flush=True)
    # Each step is its own Django project, so it gets its own process.
    return subprocess.call(
        [sys.executable, "-m", "pytest", *pytest_args], cwd=step.path
    )
