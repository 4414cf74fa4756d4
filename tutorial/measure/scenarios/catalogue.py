"""The scenarios: each does one thing to a running step, and says what happened.

Rotate the key, kill Redis, stop the provider, flood the API with made-up kids
or hostile headers, plant a pickle. ``SCENARIOS`` lists them, in the matrix's order.
"""

from __future__ import annotations

import secrets

from tutorial.measure.scenarios.cells import (
    Cell,
    Result,
    Scenario,
    all_are,
    downloads,
    downloads_during,
    statuses,
    warm_up,
)
from tutorial.measure.scenarios.hostile import (
    BAD_JWKS_ENV,
    bad_jwks,
    bad_tokens,
    planted_pickle,
)
from tutorial.measure.scenarios.provider_outages import (
    EXPIRY_FETCH_TIMEOUT_SECONDS,
    EXPIRY_FRESH_SECONDS,
    FRESH_SECONDS,
    OUTAGE_FRESH_SECONDS,
    STALE_SECONDS,
    expiry_while_held,
    new_kid_outage,
    outage_cost,
    provider_down_cold,
    provider_down_warm,
)
from tutorial.measure.scenarios.token_lifetimes import (
    IN_PROCESS_SECONDS,
    expired_since_last_use,
    withdrawn_key,
)

BASELINE_REQUESTS = 100


def baseline(cell: Cell) -> Result:
    authorization = cell.valid()
    answers = [cell.get(authorization)]  # alone: it fills the cache
    answers += cell.get_many([authorization] * (BASELINE_REQUESTS - 1), concurrency=4)
    count = cell.idp.downloads
    outcome = f"{statuses(answers)}, {downloads(count)}"
    return Result(outcome, all_are(answers, 200) and count == 1)


def rotation(cell: Cell) -> Result:
    warm_up(cell)
    cell.idp.rotate()
    answers = [cell.get(cell.valid()) for _ in range(5)]
    return Result(f"new key: {statuses(answers)}", all_are(answers, 200))


FLOOD_REQUESTS = 500


def random_kid_flood(cell: Cell) -> Result:
    warm_up(cell)
    junk = [
        cell.bearer(cell.idp.mint_token(kid=f"junk-{secrets.token_hex(8)}"))
        for _ in range(FLOOD_REQUESTS)
    ]
    answers, count = downloads_during(cell, lambda: cell.get_many(junk, concurrency=8))
    outcome = f"{statuses(answers)}, {downloads(count)}"
    return Result(outcome, all_are(answers, 401) and count <= 1)


REQUESTS_PER_PHASE = 20


def redis_restart(cell: Cell) -> Result:
    warm_up(cell)
    valid = [cell.valid()] * REQUESTS_PER_PHASE
    cell.redis.kill()
    while_down = cell.get_many(valid, concurrency=4)
    cell.redis.start()
    after = cell.get_many(valid, concurrency=4)
    outcome = f"Redis down: {statuses(while_down)}; restarted: {statuses(after)}"
    return Result(outcome, all_are(while_down + after, 200))


STAMPEDE_REQUESTS, STAMPEDE_WORKERS = 50, 4


PROVIDER_LATENCY_SECONDS = 1.0


def cold_stampede(cell: Cell) -> Result:
    # A provider a second away, as a remote one under load can be: every worker
    # that finds the cache empty within that second downloads. A long second, so
    # that even a busy laptop gives each worker its first request within it.
    cell.idp.delay_seconds = PROVIDER_LATENCY_SECONDS
    requests = [cell.valid()] * STAMPEDE_REQUESTS
    answers = cell.get_many(requests, concurrency=STAMPEDE_REQUESTS)
    count = cell.idp.downloads
    if count == STAMPEDE_REQUESTS:
        said = f"{count} downloads (one per request)"
    elif 1 < count <= cell.workers:
        said = "one download per worker"
    else:
        said = downloads(count)
    return Result(f"{statuses(answers)}, {said}", all_are(answers, 200) and count == 1)


SCENARIOS = {
    scenario.name: scenario
    for scenario in [
        Scenario(
            "baseline",
            "100 requests",
            "What the article is about: how many times 100 requests download the"
            " key set.",
            baseline,
        ),
        Scenario(
            "rotation",
            "The provider rotates its key",
            "A token signed with a key published after the cache was filled: the"
            " article's day-long cache refuses it for a day.",
            rotation,
        ),
        Scenario(
            "random-kid-flood",
            "500 tokens with random kids",
            "Junk kids must not become downloads: without a cooldown, each one"
            " looks like a rotation.",
            random_kid_flood,
        ),
        Scenario(
            "redis-restart",
            "Redis killed, then restarted",
            "Redis is a cache: when it dies, valid tokens should still be accepted.",
            redis_restart,
        ),
        Scenario(
            "expiry",
            "The set expires while the provider is slow",
            f"A set fresh for {EXPIRY_FRESH_SECONDS} s, and a provider that holds"
            " every download from the warm start on: how many requests wait for it?",
            expiry_while_held,
            env={
                "JWKS_CACHE_SECONDS": str(EXPIRY_FRESH_SECONDS),
                # A held download must not time out within the scenario: a refresh
                # ahead that gave up would leave a request to download, and wait.
                "JWKS_FETCH_TIMEOUT": str(EXPIRY_FETCH_TIMEOUT_SECONDS),
            },
        ),
        Scenario(
            "provider-down-warm",
            "The provider goes down after a warm start",
            f"With keys fresh for {FRESH_SECONDS} s and usable stale for"
            f" {STALE_SECONDS} s more: does the step keep answering, and does it"
            " stop at the cap?",
            provider_down_warm,
            env={
                "JWKS_CACHE_SECONDS": str(FRESH_SECONDS),
                "JWKS_STALE_SECONDS": str(STALE_SECONDS),
            },
        ),
        Scenario(
            "new-kid-outage",
            "A new kid while the provider fails",
            "Three tokens naming a kid the set lacks, once the provider fails: each"
            " may be signed with a key just published, so each deserves a 503 with"
            " Retry-After, never a 401 that blames the token.",
            new_kid_outage,
        ),
        Scenario(
            "outage-cost",
            "The provider down, the set stale",
            f"A set fresh for {OUTAGE_FRESH_SECONDS} s, then served stale while the"
            " provider fails: what reaches Redis for each request meanwhile?",
            outage_cost,
            env={"JWKS_CACHE_SECONDS": str(OUTAGE_FRESH_SECONDS)},
        ),
        Scenario(
            "provider-down-cold",
            "The provider is down from the start",
            "No keys anywhere: the honest answer is 503 with Retry-After, never a"
            " 500, never a 401 that blames the token.",
            provider_down_cold,
        ),
        Scenario(
            "cold-stampede",
            "50 requests at once on 4 cold workers",
            "A fleet that starts together, with a provider a second away: how many"
            " downloads before the first one is shared?",
            cold_stampede,
            workers=STAMPEDE_WORKERS,
        ),
        Scenario(
            "bad-tokens",
            "Malformed and hostile tokens",
            "Every bad token gets a 401. Together they cost at most the one"
            " refresh a cooldown allows: a well-formed token with an unknown kid"
            " may be a rotation.",
            bad_tokens,
            # gunicorn refuses headers over 8 KiB itself; let the step meet them.
            gunicorn_args=("--limit-request-field_size", str(128 * 1024)),
        ),
        Scenario(
            "bad-jwks",
            "The provider answers nonsense",
            "HTTP 500, HTML, {}, keys without a kid, 10 MB: the step must answer"
            " 503 and keep none of them once the provider heals.",
            bad_jwks,
            env=BAD_JWKS_ENV,
        ),
        Scenario(
            "planted-pickle",
            "A pickle planted in Redis",
            "Whoever can write to Redis replaces the cached key set with a pickle"
            " that runs their code: does any worker run it?",
            planted_pickle,
            # The next request reads Redis rather than the keys kept in memory.
            env={"JWKS_IN_PROCESS_SECONDS": "0"},
        ),
        Scenario(
            "withdrawn-key",
            "The provider withdraws a key",
            "The provider rotates and stops publishing the old key: how long does"
            " each step keep accepting tokens signed with it?",
            withdrawn_key,
            env={"JWKS_IN_PROCESS_SECONDS": str(IN_PROCESS_SECONDS)},
        ),
        Scenario(
            "expired-since-use",
            "A token that expired since its last use",
            "A token accepted a moment ago is sent again once its exp has passed:"
            " nothing the step remembers may accept it.",
            expired_since_last_use,
        ),
    ]
}
