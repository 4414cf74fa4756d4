"""The scenarios: each does one thing to a running step, and says what happened.

Rotate the key, kill Redis, stop the provider, flood the API with made-up kids
or hostile headers, plant a pickle. ``SCENARIOS`` lists them, in the matrix's order.
"""

from __future__ import annotations

import operator
import pickle
import secrets
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import redis

from tutorial.kit.idp import Fault, IdentityProvider, SigningKey
from tutorial.kit.net import Authorization
from tutorial.kit.redis import keys_holding
from tutorial.measure.scenarios.cells import (
    Cell,
    Result,
    Scenario,
    all_are,
    cold_workers,
    downloads,
    downloads_during,
    flush,
    statuses,
    warm_up,
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


# The provider-down scenarios: a set is fresh for 3 s, then may be served stale
# for 5 s more. Each phase is probed well inside its window, on a slow machine too.
FRESH_SECONDS, STALE_SECONDS = 3, 5


PROBE_AT = {"fresh": 0.0, "stale": 4.5, "past the cap": 10.5}


def provider_down_warm(cell: Cell) -> Result:
    warm_up(cell)
    warmed_at = time.monotonic()
    cell.idp.stop()
    phases = {}
    for phase, seconds in PROBE_AT.items():
        time.sleep(max(0.0, warmed_at + seconds - time.monotonic()))
        phases[phase] = cell.get_many([cell.valid()] * 5, concurrency=2)
    outcome = "; ".join(f"{phase}: {statuses(a)}" for phase, a in phases.items())
    survived = all_are(phases["fresh"] + phases["stale"], 200) and all(
        answer.status == 503 and answer.retry_after for answer in phases["past the cap"]
    )
    return Result(outcome, survived)


def provider_down_cold(cell: Cell) -> Result:
    cell.idp.stop()
    answers = cell.get_many([cell.valid()] * 10, concurrency=2)
    with_retry_after = [answer for answer in answers if answer.retry_after]
    outcome = statuses(answers)
    if with_retry_after:
        outcome += " with Retry-After" if with_retry_after == answers else " (some)"
    survived = all(answer.status == 503 and answer.retry_after for answer in answers)
    return Result(outcome, survived)


# The expiry scenario: a set fresh for 4 s; one request while it is fresh, ten
# once it has expired, while the provider holds every download. An answer within
# the wait did not wait for the provider; the wait is long, for a slow machine.
EXPIRY_FRESH_SECONDS, EXPIRY_REQUESTS, HELD_WAIT_SECONDS = 4, 10, 3.0
EXPIRY_PROBES = {"fresh": 1.0, "expired": 6.0}
EXPIRY_FETCH_TIMEOUT_SECONDS = 30


def expiry_while_held(cell: Cell) -> Result:
    warm_up(cell)
    warmed_at = time.monotonic()
    cell.idp.hold()
    sent = []
    with ThreadPoolExecutor(max_workers=EXPIRY_REQUESTS) as pool:
        for phase, seconds in EXPIRY_PROBES.items():
            time.sleep(max(0.0, warmed_at + seconds - time.monotonic()))
            count = 1 if phase == "fresh" else EXPIRY_REQUESTS
            sent += [pool.submit(cell.get, cell.valid()) for _ in range(count)]
        done, _ = wait(sent, timeout=HELD_WAIT_SECONDS)
        answered = sum(1 for future in done if future.result().status == 200)
        cell.idp.release()
        answers = [future.result() for future in sent]
    outcome = f"{answered} of {len(sent)} answered while the provider held"
    return Result(outcome, answered == len(sent) and all_are(answers, 200))


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


def bad_tokens(cell: Cell) -> Result:
    warm_up(cell)
    headers = list(hostile_headers(cell.idp).values())
    answers, count = downloads_during(cell, lambda: [cell.get(h) for h in headers])
    outcome = f"{statuses(answers)}, {downloads(count)}"
    return Result(outcome, all_are(answers, 401) and count <= 1)


def hostile_headers(idp: IdentityProvider) -> dict[str, Authorization]:
    """The contract's bad tokens, and the headers an attacker would try next."""
    mint = idp.mint_token
    stranger = SigningKey.generate(kid=idp.current_key.kid)
    odd_kid = ("\"'\n\\<>{}\u2028" * 1024)[: 10 * 1024]
    return {
        "no header": None,
        "Bearer and no token": "Bearer",
        "not a JWT": "Bearer not-a-jwt",
        "expired": f"Bearer {mint(expires_in=-60)}",
        "signed by a stranger's key": f"Bearer {mint(key=stranger)}",
        "wrong audience": f"Bearer {mint(aud='https://someone-else.test')}",
        "wrong issuer": f"Bearer {mint(iss='https://evil.test')}",
        "unknown kid": f"Bearer {mint(kid='no-such-key')}",
        "alg none": f"Bearer {mint(algorithm='none')}",
        "HS256 with the public key": f"Bearer {mint(algorithm='HS256')}",
        "64 KiB token": f"Bearer {oversized_token(mint(), 64 * 1024)}",
        "10 KiB kid of odd characters": f"Bearer {mint(kid=odd_kid)}",
        "non-ASCII bytes": b"Bearer " + "clé-€".encode(),
    }


def oversized_token(token: str, size: int) -> str:
    """``token``'s header, a ``size``-long junk payload, its signature."""
    header, _, signature = token.split(".")
    return f"{header}.{'A' * size}.{signature}"


BAD_JWKS_FAULTS = (
    Fault.SERVER_ERROR,
    Fault.GARBAGE,
    Fault.EMPTY_OBJECT,
    Fault.KEYS_WITHOUT_KID,
    Fault.HUGE,
)


FAULT_NAMES = {
    Fault.SERVER_ERROR: "HTTP 500",
    Fault.GARBAGE: "HTML",
    Fault.EMPTY_OBJECT: "{}",
    Fault.KEYS_WITHOUT_KID: "no kid",
    Fault.HUGE: "10 MB",
}


# Each broken answer meets a process with nothing parsed in memory.
BAD_JWKS_ENV = {"JWKS_IN_PROCESS_SECONDS": "0"}


def bad_jwks(cell: Cell) -> Result:
    during: dict[Fault, str] = {}
    kept: list[str] = []
    errors = 0
    for fault in BAD_JWKS_FAULTS:
        # Cold: nothing in Redis and nothing in any worker's memory, so the broken
        # answer comes first. A copy kept from the fault before would rightly serve.
        flush(cell.redis.url)
        with cold_workers(cell, BAD_JWKS_ENV) as cold:
            cold.idp.fault = fault
            answers = cold.get_many([cold.valid()] * 3, concurrency=3)
            during[fault] = statuses(answers)
            errors += sum(1 for answer in answers if answer.status in (None, 500))
            cold.idp.fault = Fault.NONE
            if cold.get(cold.valid()).status != 200:
                kept.append(FAULT_NAMES[fault])  # the broken answer outlived the fault
    if len(set(during.values())) == 1:
        answered = f"{next(iter(during.values()))} to each"
    else:
        answered = ", ".join(f"{FAULT_NAMES[f]}: {s}" for f, s in during.items())
    outcome = f"{answered}; kept: {', '.join(kept) or 'none'}"
    return Result(outcome, errors == 0 and not kept)


def planted_pickle(cell: Cell) -> Result:
    warm_up(cell)
    client = redis.Redis.from_url(cell.redis.url)
    try:
        jwks_keys = keys_holding(client, cell.idp.current_key.kid.encode())
        if not jwks_keys:
            return Result("nothing cached in Redis", True)
        with tempfile.TemporaryDirectory(prefix="planted-") as folder:
            marker = Path(folder) / "the planted code ran"
            for key in jwks_keys:
                client.set(key, pickle_that_runs_code(marker, client.get(key)))
            answer = cell.get(cell.valid())
            ran = marker.exists()
    finally:
        client.close()
    said = "the planted code ran" if ran else "no code ran"
    return Result(
        f"{said}; valid token: {answer.status}", not ran and answer.status == 200
    )


class _Call:
    """Pickles as a call: unpickling it calls ``function(*args)``."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self.function, self.args


def pickle_that_runs_code(marker: Path, original: bytes | None) -> bytes:
    """A pickle that creates ``marker`` as it loads, then loads as ``original`` did.

    What an attacker with write access to Redis could plant: the step carries on
    as if nothing happened, and only the file says that code of theirs ran. A
    harmless file here; a shell command in real life.
    """
    touch = _Call(Path.touch, marker)
    original_value = _Call(pickle.loads, original)
    return pickle.dumps(_Call(operator.itemgetter(1), (touch, original_value)))


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
