"""Requests that waited for the provider: a slow one, a short freshness, steady load.

Each step under gunicorn, its every freshness setting pinned to a few seconds, a
provider that answers the JWKS after a second, and a few clients calling without
pause for several expiries. A request that took longer than half the provider's
delay waited for a download (or, on a busy machine, queued: the steps that count
``waited_for_download`` tell the two apart, and that counter is reported too).
"""

from __future__ import annotations

from typing import Any

import redis

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.stack import run_stack
from tutorial.measure.bench.fleet import Load, load_sender, send_load
from tutorial.measure.bench.helpers import Helper, Shared
from tutorial.measure.bench.plan import Plan, Strategy
from tutorial.measure.bench.timing import SUBJECT, TOKEN_LIFETIME_SECONDS
from tutorial.measure.progress import Progress

PROVIDER_DELAY_SECONDS = 1.0
# The steps that refresh ahead start this far before the end of the freshness
# (less their jitter), and may try again this soon: more than the download takes.
REFRESH_AHEAD_SECONDS, MIN_REFRESH_SECONDS = 4, 2
WORKERS, CLIENTS = 2, 4
COUNTER = "waited_for_download"


def settings_figures(plan: Plan) -> dict[str, Any]:
    """What the page says of this section's setup."""
    return {
        "provider_delay_seconds": PROVIDER_DELAY_SECONDS,
        "fresh_seconds": plan.waits_fresh_seconds,
        "refresh_ahead_seconds": REFRESH_AHEAD_SECONDS,
        "min_refresh_seconds": MIN_REFRESH_SECONDS,
        "workers": WORKERS,
        "clients": CLIENTS,
    }


def pinned_settings(fresh_seconds: int) -> dict[str, str]:
    """Every freshness setting of every step at ``fresh_seconds``."""
    fresh = str(fresh_seconds)
    return {
        "JWKS_CACHE_SECONDS": fresh,
        "JWKS_IN_PROCESS_SECONDS": fresh,
        "JWKS_MIN_CACHE_SECONDS": fresh,
        "JWKS_MAX_CACHE_SECONDS": fresh,
        "JWKS_REFRESH_AHEAD_SECONDS": str(REFRESH_AHEAD_SECONDS),
        "JWKS_MIN_REFRESH_SECONDS": str(MIN_REFRESH_SECONDS),
    }


def measure_waits(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> list[dict[str, Any]]:
    """For each step: the requests, those slower than half the provider's delay."""
    runs = []
    with load_sender(shared) as sender:
        for strategy in chosen:
            progress.next(f"waits for the provider: {strategy.label}")
            runs.append(measure_step_waits(strategy, plan, shared, sender))
    return runs


def measure_step_waits(
    strategy: Strategy, plan: Plan, shared: Shared, sender: Helper
) -> dict[str, Any]:
    idp = IdentityProvider()
    idp.delay_seconds = PROVIDER_DELAY_SECONDS
    keys = f"waits-{strategy.id}"
    env = {
        **shared.server_env(strategy, keys),
        **pinned_settings(plan.waits_fresh_seconds),
    }
    with run_stack(
        strategy.step.path,
        redis_url=shared.redis_url,
        idp=idp,
        env=env,
        workers=WORKERS,
    ) as stack:
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        url = stack.server.url

        def steady_load(seconds: float) -> Load:
            return send_load(sender, url, [token], 10**9, 200, CLIENTS, seconds=seconds)

        # The cold start is not measured: long enough for every worker to have
        # read Redis again since it waited, and so to have counted its wait.
        reported_within = plan.waits_fresh_seconds + 2
        steady_load(reported_within)
        counted_before = counted_waits(shared, keys)
        downloads_before = idp.downloads
        load = steady_load(plan.waits_seconds)
        downloads = idp.downloads - downloads_before
        steady_load(reported_within)  # the same again, to bring the counts in
        counted_after = counted_waits(shared, keys)
    waited = [ms for ms in load.latencies_ms if ms > PROVIDER_DELAY_SECONDS * 500]
    return {
        "strategy": strategy.id,
        "seconds": round(load.seconds, 1),
        "expiries": round(load.seconds / plan.waits_fresh_seconds),
        "requests": load.requests,
        "errors": load.errors,
        "slow": len(waited),
        "downloads": downloads,
        "counted_waits": None
        if counted_before is None or counted_after is None
        else counted_after - counted_before,
    }


def counted_waits(shared: Shared, keys: str) -> int | None:
    """The step's own ``waited_for_download``, summed over the workers; None if it
    counts no such thing (the steps before 14), or nothing has been reported yet.

    Each process adds its counts to Redis when it next reads Redis: every
    ``waits_fresh_seconds`` here, under a steady load.
    """
    client = redis.Redis.from_url(shared.redis_url)
    try:
        for name in client.scan_iter(match=f"{shared.key_prefix}-{keys}:*counters*"):
            count = client.hget(name, COUNTER)
            return int(count) if count is not None else None
    finally:
        client.close()
    return None
