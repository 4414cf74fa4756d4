"""``tutorial scenarios``: every scenario against every step, on real servers.

A scenario starts a step as production runs it (gunicorn, several workers), with
a real Redis and the local provider over HTTP, does one thing to it (rotates the
key, kills Redis, floods it with junk) and says in a few words what happened: the
outcome. ``EXPECTED`` (``tutorial/measure/scenarios/expected_outcomes.toml``) holds
the outcome of every scenario on every step, the traps of the early steps included,
and the matrix test fails when a run differs from it in either direction::

    result = run_cell(find_step(3), SCENARIOS["rotation"])
    result.outcome   # "new key: 401": the new key is refused
    result.survived  # False: the trap step 05 is about

Every cell starts servers of its own (Redis, provider, gunicorn), so that no cell
sees what another left behind. Outcomes count requests and downloads; none
depends on how fast the machine is.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import Any

from tutorial.arguments import add_page_only_option
from tutorial.console import announce
from tutorial.course.steps import REPOSITORY, discover_steps, find_step
from tutorial.kit.redis import RedisUnavailable
from tutorial.measure.scenarios.catalogue import SCENARIOS
from tutorial.measure.scenarios.expected import EXPECTED
from tutorial.measure.scenarios.matrix import run_matrix
from tutorial.measure.soak import run_soak
from tutorial.site.scenarios_page import render_page

RESULTS_FILE = REPOSITORY / "docs" / "scenarios.json"


PAGE_FILE = REPOSITORY / "docs" / "what-each-step-survives.md"


def add_scenarios_options(command: argparse.ArgumentParser) -> None:
    """``tutorial scenarios [STEP ...] [--scenario NAME ...] [--page-only]``."""
    command.add_argument(
        "steps", nargs="*", metavar="STEP", help="step numbers (default: every step)"
    )
    command.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help=f"one of {', '.join(SCENARIOS)}; again for more (default: all)",
    )
    add_page_only_option(
        command, page="what-each-step-survives.md", data="docs/scenarios.json"
    )


def run_scenarios_command(args: argparse.Namespace) -> int:
    """Play the cells asked for; the whole matrix also writes the docs page."""
    if args.page_only:
        write_page(json.loads(RESULTS_FILE.read_text(encoding="utf-8")))
        return 0
    steps = [find_step(wanted) for wanted in args.steps] or discover_steps()
    scenarios = [SCENARIOS[name] for name in args.scenario or SCENARIOS]
    whole_matrix = not args.steps and not args.scenario
    started = time.monotonic()
    try:
        results = run_matrix(steps, scenarios, report=announce)
        if whole_matrix:
            announce(f"The soak: a minute of load on {steps[-1].name} ...")
            results["soak"] = asdict(run_soak(steps[-1]))
    except KeyboardInterrupt:
        print(
            "\nStopped: the servers the scenarios started are stopped.", file=sys.stderr
        )
        return 130
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    results["seconds"] = round(time.monotonic() - started)
    differences = differences_from_table(results)
    for difference in differences:
        print(difference, file=sys.stderr)
    if whole_matrix:
        RESULTS_FILE.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        write_page(results)
    return 1 if differences else 0


def differences_from_table(results: dict[str, Any]) -> list[str]:
    return [
        f"{step[:2]} {name}: the table says {EXPECTED[name][int(step[:2])]!r}"
        f", this run did {cell['outcome']!r}"
        for name, scenario in results["scenarios"].items()
        for step, cell in scenario["cells"].items()
        if cell["outcome"] != EXPECTED[name][int(step[:2])]
    ]


def write_page(results: dict[str, Any]) -> None:
    PAGE_FILE.write_text(render_page(results), encoding="utf-8")
    announce(f"Wrote {PAGE_FILE.relative_to(REPOSITORY)} from {RESULTS_FILE.name}.")
