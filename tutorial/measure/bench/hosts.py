"""A fleet of hosts on one Redis: the downloads from a cold start and for a rotation.

Each host is a gunicorn master on a loopback address of its own (127.0.0.11,
127.0.0.12, ...: on Linux all of 127.0.0.0/8 is this machine), with its workers,
all sharing one Redis and one provider, as hosts behind a load balancer do. Every
worker of every host is asked at once, cold, and again after the provider rotates
its key: one request first, with a token signed by the new key, then every
worker of every host at once.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import http_status
from tutorial.kit.stack import run_gunicorn, stack_env
from tutorial.measure.bench.helpers import Shared
from tutorial.measure.bench.plan import Strategy
from tutorial.measure.bench.timing import SUBJECT, TOKEN_LIFETIME_SECONDS
from tutorial.measure.progress import Progress

WORKERS_PER_HOST = 4
REQUESTS_PER_WORKER = 4
PROVIDER_DELAY_SECONDS = 0.3  # a provider some way off: every host asks within it


def settings_figures() -> dict[str, Any]:
    """What the page says of this section's setup."""
    return {
        "workers_per_host": WORKERS_PER_HOST,
        "requests_per_worker": REQUESTS_PER_WORKER,
        "provider_delay_ms": round(PROVIDER_DELAY_SECONDS * 1000),
    }


def host_address(index: int) -> str:
    return f"127.0.0.{11 + index}"


def hosts_can_be_measured() -> bool:
    """Loopback addresses other than 127.0.0.1 answer on Linux only."""
    return sys.platform == "linux"


def measure_hosts(
    chosen: list[Strategy],
    counts: tuple[int, ...],
    shared: Shared,
    progress: Progress,
) -> list[dict[str, Any]]:
    """For each count of hosts, each strategy: a cold start, then a rotation."""
    runs = []
    for hosts in counts:
        for strategy in chosen:
            progress.next(f"a fleet of {hosts} hosts: {strategy.label}")
            runs.append(measure_fleet_of_hosts(strategy, hosts, shared))
    return runs


def measure_fleet_of_hosts(
    strategy: Strategy, hosts: int, shared: Shared
) -> dict[str, Any]:
    idp = IdentityProvider()
    idp.delay_seconds = PROVIDER_DELAY_SECONDS
    addresses = [host_address(index) for index in range(hosts)]
    env = {
        **shared.server_env(strategy, f"hosts-{hosts}-{strategy.id}"),
        "DJANGO_ALLOWED_HOSTS": ",".join(addresses),
    }
    with idp, ExitStack() as fleet:
        servers = [
            fleet.enter_context(
                run_gunicorn(
                    strategy.step.path,
                    env=stack_env(idp, shared.redis_url, env),
                    workers=WORKERS_PER_HOST,
                    host=address,
                    extra_args=("--preload",),
                )
            )
            for address in addresses
        ]
        urls = [server.me_url for server in servers]
        cold = ask_every_host(urls, idp.mint_token(sub=SUBJECT))
        cold_downloads = idp.downloads
        idp.rotate()
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        # One request with the new key first, as a client that has just logged
        # in sends it; then every worker of every host at once.
        first = http_status(urls[0], headers=bearer(token))
        rotated = ask_every_host(urls, token)
        return {
            "strategy": strategy.id,
            "hosts": hosts,
            "workers": hosts * WORKERS_PER_HOST,
            "requests": len(cold),
            "cold_downloads": cold_downloads,
            "cold_accepted": cold.count(200),
            "rotation_downloads": idp.downloads - cold_downloads,
            "rotation_first": first,
            "rotation_accepted": rotated.count(200),
        }


def ask_every_host(
    urls: list[str],
    token: str,
    requests_per_host: int = WORKERS_PER_HOST * REQUESTS_PER_WORKER,
) -> list[int]:
    """``GET /api/v1/me`` to every host at once, enough to reach every worker."""
    headers = bearer(token)
    requests = [url for url in urls for _ in range(requests_per_host)]
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda url: http_status(url, headers=headers), requests))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
