"""The provider down or slow: a warm start, a cold one, an expiry, a kid it cannot
give, and what each request costs while a stale set serves.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait

from tutorial.kit.idp import Fault
from tutorial.kit.redis import commands_run
from tutorial.measure.scenarios.cells import (
    Cell,
    Result,
    all_are,
    statuses,
    warm_every_worker,
    warm_up,
)

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
EXPIRY_FRESH_SECONDS, EXPIRY_REQUESTS, HELD_WAIT_SECONDS = 4, 10, 5.0
EXPIRY_PROBES = {"fresh": 1.0, "expired": 6.0}
EXPIRY_FETCH_TIMEOUT_SECONDS = 30


def expiry_while_held(cell: Cell) -> Result:
    # Every worker warm, as a fleet that has served a while: a worker that comes
    # cold to an expired set in Redis is another story.
    warmed_at = time.monotonic()
    warm_every_worker(cell)
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


NEW_KIDS = 3


def new_kid_outage(cell: Cell) -> Result:
    """Tokens naming a kid the set lacks, while the provider fails: 503 each time?"""
    warm_up(cell)
    cell.idp.fault = Fault.SERVER_ERROR
    tokens = [cell.idp.mint_token(kid=f"maybe-new-{n}") for n in range(NEW_KIDS)]
    answers = [cell.get(cell.bearer(token)) for token in tokens]
    outcome = ", ".join(str(answer.status) for answer in answers)
    survived = all(answer.status == 503 and answer.retry_after for answer in answers)
    return Result(outcome, survived)


# The outage's cost: a set fresh for 2 s, the provider failing from the warm start
# on; once the set is stale, what Redis serves each request.
OUTAGE_FRESH_SECONDS, OUTAGE_REQUESTS = 2, 50


def outage_cost(cell: Cell) -> Result:
    warm_up(cell)
    cell.idp.fault = Fault.SERVER_ERROR
    time.sleep(OUTAGE_FRESH_SECONDS + 0.5)
    cell.get_many([cell.valid()] * cell.workers * 2, concurrency=cell.workers)
    before = commands_run(cell.redis.url)
    answers = cell.get_many([cell.valid()] * OUTAGE_REQUESTS, concurrency=2)
    per_request = (commands_run(cell.redis.url) - before) / OUTAGE_REQUESTS
    if not all_are(answers, 200):
        return Result(statuses(answers), False)
    if per_request < 1:
        return Result("200, from memory: under one Redis command a request", True)
    return Result("200, through Redis: a command or more a request", False)
