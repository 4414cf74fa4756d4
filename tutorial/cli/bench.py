"""``tutorial bench``: its options, the files it writes, and what it prints.

The measuring is ``tutorial.measure.bench``; the page,
``tutorial.site.benchmarks_page``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tutorial.arguments import add_count_option, add_page_only_option
from tutorial.course.steps import REPOSITORY
from tutorial.kit.processes import ServerDidNotStart
from tutorial.kit.redis import (
    RedisUnavailable,
)
from tutorial.measure.bench.helpers import BenchCouldNotMeasure
from tutorial.measure.bench.plan import FULL_PLAN, QUICK_PLAN
from tutorial.measure.bench.run import MissingBenchTools, run_bench
from tutorial.site.benchmarks_page import render_page

OUTPUT_DIR = REPOSITORY / "docs"
# A quick run's figures are a glance, not the page's: they stay out of docs/ (and
# out of git) unless --output-dir says otherwise.
QUICK_OUTPUT_DIR = REPOSITORY / ".artifacts" / "bench-quick"

RESULTS_NAME = "benchmarks.json"

PAGE_NAME = "benchmarks.md"


def write_results(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    results_path = output_dir / RESULTS_NAME
    results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results_path, write_page(results, output_dir)


def write_page(results: dict[str, Any], output_dir: Path) -> Path:
    page_path = output_dir / PAGE_NAME
    page_path.write_text(render_page(results), encoding="utf-8")
    return page_path


def add_bench_options(command: argparse.ArgumentParser) -> None:
    """``tutorial bench [--quick] [--requests N] ...``."""
    command.add_argument(
        "--quick",
        action="store_true",
        help="4 workers only, no provider latency, small loads: every figure, fast",
    )
    # No default: left out, the plan (full or --quick) decides.
    add_count_option(
        command,
        "--requests",
        minimum=16,
        help=f"requests per fleet run (default {FULL_PLAN.requests}, "
        f"--quick {QUICK_PLAN.requests})",
    )
    add_count_option(
        command,
        "--attack-requests",
        minimum=1,
        help=f"tokens with random kids (default {FULL_PLAN.attack_requests}, "
        f"--quick {QUICK_PLAN.attack_requests})",
    )
    command.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        help="where benchmarks.json and benchmarks.md go (default: docs/, the "
        "committed page; with --quick, .artifacts/bench-quick/)",
    )
    add_page_only_option(command, page="benchmarks.md", data="benchmarks.json")


def run_bench_command(args: argparse.Namespace) -> int:
    if args.output_dir is None:
        args.output_dir = QUICK_OUTPUT_DIR if args.quick else OUTPUT_DIR
    if args.page_only:
        return rewrite_page(args.output_dir)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    plan = replace(
        plan,
        requests=args.requests or plan.requests,
        attack_requests=args.attack_requests or plan.attack_requests,
    )
    # A service manager's stop (SIGTERM) stops everything, as Ctrl-C does.
    signal.signal(signal.SIGTERM, stop_as_ctrl_c_would)
    try:
        results = run_bench(plan)
    except KeyboardInterrupt:
        print("\nStopped: the servers the bench started are stopped.", file=sys.stderr)
        return 130
    except (MissingBenchTools, RedisUnavailable) as error:
        print(error, file=sys.stderr)
        return 1
    except (ServerDidNotStart, BenchCouldNotMeasure) as error:  # its log says why
        print(f"\nThe bench could not measure: {error}", file=sys.stderr)
        return 1
    results["command"] = bench_command_line(args)
    results_path, page_path = write_results(results, args.output_dir)
    print(f"Wrote {shown(results_path)} and {shown(page_path)}.")
    return 0


def stop_as_ctrl_c_would(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def rewrite_page(output_dir: Path) -> int:
    results_path = output_dir / RESULTS_NAME
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(
            f"Cannot read {shown(results_path)} ({error}): run `uv run tutorial "
            "bench` to measure first.",
            file=sys.stderr,
        )
        return 1
    print(f"Wrote {shown(write_page(results, output_dir))}.")
    return 0


def bench_command_line(args: argparse.Namespace) -> str:
    words = ["uv run tutorial bench"]
    if args.quick:
        words.append("--quick")
    if args.requests:
        words.append(f"--requests {args.requests}")
    if args.attack_requests:
        words.append(f"--attack-requests {args.attack_requests}")
    return " ".join(words)


def shown(path: Path) -> str:
    path = path.resolve()
    return str(
        path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path
    )
