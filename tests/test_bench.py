"""``tutorial bench``: every strategy and every figure, on the smallest load it takes.

No test here asserts a time: what the bench measures depends on the machine. What
does not: which strategies and figures the results hold, the downloads that only
the code decides (step 00: one per request), the answers (200, and 401 under
attack), the keys it leaves in Redis (none), and the committed page, which must
be the committed results written out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import redis

from tutorial.cli.bench import PAGE_NAME, RESULTS_NAME
from tutorial.course.steps import REPOSITORY, Step
from tutorial.measure.bench.plan import FLOOR, PYJWT_DEFAULT, QUICK_PLAN, strategies
from tutorial.site.benchmarks_page import render_page

DOCS = REPOSITORY / "docs"
MOST_PAGE_WORDS = 5_000
# The smallest load the options allow: one request per Locust client.
SMALLEST_LOAD = ["--requests", "16", "--attack-requests", "16"]
FLEET_FIGURES = {
    "downloads",
    "requests",
    "errors",
    "seconds",
    "requests_per_second",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "cpu_ms_per_request",
    "peak_rss_mib",
}


def tutorial_bench(*args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tutorial.cli", "bench", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_quick_bench_has_every_strategy_and_figure(tmp_path, shared_redis_url):
    bench = tutorial_bench(
        "--quick",
        *SMALLEST_LOAD,
        "--output-dir",
        str(tmp_path),
        env={"REDIS_URL": shared_redis_url},
    )

    assert bench.returncode == 0, bench.stdout + bench.stderr
    results = json.loads((tmp_path / RESULTS_NAME).read_text())
    expected = [strategy.id for strategy in strategies()]
    assert [strategy["id"] for strategy in results["strategies"]] == expected
    assert results["quick"] is True
    assert {"system", "processor", "cpus", "load_average_at_start"} <= set(
        results["machine"]
    )
    assert {"django", "pyjwt", "gunicorn", "locust", "redis_server"} <= set(
        results["versions"]
    )

    hot_path = {row["strategy"]: row for row in results["hot_path"]}
    assert list(hot_path) == expected
    for row in hot_path.values():
        assert row["samples"] == QUICK_PLAN.hot_rounds * QUICK_PLAN.hot_batch
        assert row["median_us"] > 0 and row["p95_us"] >= row["median_us"]
        assert row["ratio_to_floor"] > 0
        low, high = row["round_ratios_to_floor"]
        assert 0 < low <= high
        assert row["ratio_to_bare_decode"] > 0 and row["first_seen_median_us"] > 0
        low, high = row["first_seen_round_ratios_to_floor"]
        assert 0 < low <= high
    assert hot_path[FLOOR]["ratio_to_floor"] == 1
    # Tokens seen for the first time are checked in full, even by the last step.
    last = hot_path[expected[-2]]
    assert last["first_seen_median_us"] > last["median_us"], last

    fleet = {row["strategy"]: row for row in results["fleet"]}
    assert list(fleet) == expected  # --quick: one shape, one latency
    for row in fleet.values():
        assert FLEET_FIGURES <= set(row), row
        assert (row["requests"], row["errors"]) == (16, 0), row
        assert len(row["peak_rss_mib"]) == QUICK_PLAN.attack_shape.workers
    assert fleet["00-starting-point"]["downloads"] == 16  # one per request
    # The floor downloads the keys once per worker, as each worker starts.
    assert fleet[FLOOR]["downloads"] == QUICK_PLAN.attack_shape.workers

    attack = {row["strategy"]: row for row in results["attack"]}
    assert list(attack) == expected
    for row in attack.values():
        assert (row["requests"], row["errors"]) == (16, 0), row  # every answer a 401
    assert attack["00-starting-point"]["downloads"] == 16
    assert attack[FLOOR]["downloads"] == 0

    memory = {row["strategy"]: row for row in results["memory"]}
    assert list(memory) == expected

    # --quick: the last step only, warm, with a slow provider and a short freshness.
    (waits,) = results["waits"]
    assert waits["strategy"] == expected[-2]  # the last step, before the floor
    assert waits["requests"] > 0 and waits["errors"] == 0, waits
    assert waits["counted_waits"] is not None, waits  # the last step counts them
    if sys.platform == "linux":
        hosts = {row["hosts"]: row for row in results["hosts"]}
        assert list(hosts) == list(QUICK_PLAN.hosts)
        for row in hosts.values():
            assert (row["cold_downloads"], row["rotation_downloads"]) == (1, 1), row
            assert row["cold_accepted"] == row["requests"], row
            assert row["rotation_first"] == 200, row

    page = (tmp_path / PAGE_NAME).read_text()
    assert page == render_page(results)
    for strategy in results["strategies"]:
        assert f"| {strategy['label']} |" in page
    assert "xychart-beta" in page
    # It measured under a key prefix of its own, and deleted what it cached.
    client = redis.Redis.from_url(shared_redis_url)
    assert not list(client.scan_iter(match="tutorial-bench-*"))
    assert not list(client.scan_iter(match="jwks-cache:*")), "the cache's own keys"
    client.close()


def test_the_committed_page_is_the_committed_results_written_out():
    results = json.loads((DOCS / RESULTS_NAME).read_text())

    assert (DOCS / PAGE_NAME).read_text() == render_page(results), (
        "docs/benchmarks.md differs from what docs/benchmarks.json gives: run "
        "`uv run tutorial bench --page-only`"
    )


def test_the_committed_page_can_be_taken_in():
    """Under 5,000 words, counted as `wc -w` counts them: tables, charts and all."""
    words = len((DOCS / PAGE_NAME).read_text().split())

    assert words < MOST_PAGE_WORDS, (
        f"docs/benchmarks.md has {words} words: fold less into it, or say it shorter "
        "in tutorial/site/templates/benchmarks.md.j2"
    )


def test_the_committed_results_have_every_strategy_of_their_time():
    results = json.loads((DOCS / RESULTS_NAME).read_text())
    ids = [strategy["id"] for strategy in results["strategies"]]

    assert ids[:2] == ["00-starting-point", PYJWT_DEFAULT] and ids[-1] == FLOOR
    for part in ("hot_path", "attack", "memory"):
        assert [row["strategy"] for row in results[part]] == ids, part
    shapes = len(results["plan"]["shapes"]) * len(results["plan"]["latencies_ms"])
    assert len(results["fleet"]) == shapes * len(ids)


def test_the_strategies_grow_with_the_steps(tmp_path):
    steps = [Step(n, "slug", tmp_path / f"{n:02d}-slug") for n in range(10)]

    ids = [strategy.id for strategy in strategies(steps)]

    # Steps 01 and 02 find the key as step 00 does: they are left out.
    later_steps = [f"{n:02d}-slug" for n in range(3, 10)]
    assert ids == ["00-slug", PYJWT_DEFAULT, *later_steps, FLOOR]


def test_page_only_without_results_is_one_line(tmp_path: Path):
    bench = tutorial_bench("--page-only", "--output-dir", str(tmp_path))

    assert bench.returncode == 1
    assert "Traceback" not in bench.stderr and len(bench.stderr.splitlines()) == 1
    assert "uv run tutorial bench" in bench.stderr


def test_wrong_input_is_one_line():
    for args in (["--requests", "3"], ["--attack-requests", "many"], ["--fast"]):
        bench = tutorial_bench(*args)

        assert bench.returncode == 2, bench.stdout + bench.stderr
        assert "Traceback" not in bench.stderr
        assert len(bench.stderr.splitlines()) == 1


def test_ctrl_c_stops_everything_the_bench_started(tmp_path):
    # REDIS_URL unset: the bench starts a throwaway Redis of its own, and stops it.
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    bench = subprocess.Popen(
        [sys.executable, "-m", "tutorial.cli", "bench", "--quick"]
        + ["--output-dir", str(tmp_path)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    while "hot path, round 2" not in seen:  # every hot path process is running
        line = bench.stderr.readline()
        assert line, f"the bench ended before measuring:\n{seen}"
        seen += line
    started = psutil.Process(bench.pid).children(recursive=True)
    bench.send_signal(signal.SIGINT)
    _, errors = bench.communicate(timeout=120)

    assert bench.returncode == 130, seen + errors
    assert "Stopped" in errors and "Traceback" not in errors
    assert len(started) > len(strategies())  # a process per strategy, and Redis
    assert not [process for process in started if process.is_running()]
    assert not (tmp_path / RESULTS_NAME).exists()
