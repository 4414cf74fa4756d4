"""``tutorial bench``: every way of finding the signing key, measured side by side.

The strategies (``plan``): step 00 (a download per request), PyJWT's default (one
client per process), every step from 03 on (steps 01 and 02 find the key exactly as
step 00 does), and the floor (the keys loaded at start-up). Four measurements, one
run, one machine:

* the hot path, in process (``timing``): the time to authenticate one request;
* the fleet, over HTTP (``fleet``): each strategy under gunicorn, from a cold
  start, against a real Redis and the local provider, loaded by Locust;
* under attack (``fleet``): tokens with random ``kid``s sent to a fleet of 4 workers;
* memory (``machine``): the peak RSS of each worker;
* the requests that waited for a slow provider, across several expiries (``waits``);
* a fleet of hosts, gunicorn masters on loopback addresses of their own
  (``hosts``): the downloads from a cold start and for a rotation.

``command`` writes the results to ``docs/benchmarks.json``, and the page from them
(``tutorial.site.benchmarks_page``). Everything stops on exit, Ctrl-C included.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import time
from typing import Any

from tutorial.kit.redis import server_version
from tutorial.measure.bench import hosts as hosts_section
from tutorial.measure.bench import waits as waits_section
from tutorial.measure.bench.fleet import measure_fleets
from tutorial.measure.bench.helpers import shared_by_the_run
from tutorial.measure.bench.machine import machine, versions
from tutorial.measure.bench.plan import (
    FIRST_CACHING_STEP,
    Plan,
    Strategy,
    is_attack_run,
    plan_figures,
    step_strategies,
    strategies,
)
from tutorial.measure.bench.timing import measure_hot_paths
from tutorial.measure.progress import Progress


class MissingBenchTools(RuntimeError):
    """Locust or psutil is not installed: the dev dependencies are missing."""


def run_bench(plan: Plan, chosen: list[Strategy] | None = None) -> dict[str, Any]:
    """Measure every strategy; the results, ready for ``json.dump``."""
    check_bench_tools()
    chosen = chosen or strategies()
    started = datetime.datetime.now(datetime.UTC)
    load_at_start = os.getloadavg()
    fleet_runs = len(plan.shapes) * len(plan.latencies_ms) * len(chosen)
    apart = step_strategies(chosen, plan)
    caching = [s for s in apart if s.step.number >= FIRST_CACHING_STEP]
    hosts = plan.hosts if hosts_section.hosts_can_be_measured() else ()
    progress = Progress(
        plan.hot_rounds + fleet_runs + len(apart) + len(hosts) * len(caching)
    )
    with shared_by_the_run() as shared:
        hot_path = measure_hot_paths(chosen, plan, shared, progress)
        fleet, attack = measure_fleets(chosen, plan, shared, progress)
        waits = waits_section.measure_waits(apart, plan, shared, progress)
        fleets_of_hosts = hosts_section.measure_hosts(caching, hosts, shared, progress)
        redis_version = server_version(shared.redis_url)
    progress.done()
    memory = [
        {key: run[key] for key in ("strategy", "workers", "peak_rss_mib")}
        for run in fleet
        if is_attack_run(run, plan)
    ]
    return {
        "format": 1,
        "date": started.isoformat(timespec="seconds"),
        "minutes": round((time.time() - started.timestamp()) / 60, 1),
        "quick": plan.quick,
        "machine": machine(load_at_start),
        "versions": versions(redis_version),
        "plan": plan_figures(plan),
        "strategies": [
            {"id": s.id, "label": s.label, "how": s.how, "step": s.step.name}
            for s in chosen
        ],
        "hot_path": hot_path,
        "fleet": fleet,
        "attack": attack,
        "memory": memory,
        "waits": waits,
        "waits_settings": waits_section.settings_figures(plan),
        "hosts": fleets_of_hosts,
        "hosts_settings": hosts_section.settings_figures(),
    }


def check_bench_tools() -> None:
    # Looked for, not imported: importing Locust patches this process for gevent.
    for package in ("locust", "psutil"):
        if importlib.util.find_spec(package) is None:
            raise MissingBenchTools(
                f"tutorial bench needs the dev dependencies ({package} is missing): "
                "run `uv sync`, then `uv run tutorial bench`."
            )
