"""Two scenarios about what a token may outlive: its key, and its own ``exp``.

A step that remembers what it has checked (the keys it parsed, the tokens it
verified) must not let a token outlive either.
"""

from __future__ import annotations

import time

from tutorial.measure.scenarios.cells import Cell, Result, all_are, statuses, warm_up

# The withdrawn key: each worker keeps the keys it parsed for this long (from
# step 09 on), and the second probe comes well after that.
IN_PROCESS_SECONDS, SECOND_PROBE_SECONDS = 2, 4.0
PROBES = 10


def withdrawn_key(cell: Cell) -> Result:
    """Tokens signed by a key the provider withdrew: refused from when on?"""
    warm_up(cell)
    withdrawn = cell.idp.current_key
    old = cell.bearer(cell.idp.mint_token(expires_in=3600))
    cell.get_many([old] * PROBES, concurrency=cell.workers)  # every worker knows it
    cell.idp.rotate()
    cell.idp.retire(withdrawn.kid)
    probed_at = time.monotonic()
    cell.get(cell.valid())  # the new key: a refresh, for the steps that refresh
    at_once = cell.get_many([old] * PROBES, concurrency=cell.workers)
    time.sleep(max(0.0, probed_at + SECOND_PROBE_SECONDS - time.monotonic()))
    later = cell.get_many([old] * PROBES, concurrency=cell.workers)
    if all_are(at_once, 401):
        outcome = "refused from the next download on"
    elif all_are(later, 401):
        outcome = "refused once each worker's keys in memory expire"
    else:
        outcome = "accepted until the cached set expires"
    return Result(outcome, all_are(later, 401))


def expired_since_last_use(cell: Cell) -> Result:
    """A token accepted a moment ago, sent again once its ``exp`` has passed."""
    warm_up(cell)
    claims = cell.idp.claims(expires_in=3)
    token = cell.bearer(cell.idp.mint_token(exp=claims["exp"], iat=claims["iat"]))
    before = cell.get_many([token] * PROBES, concurrency=cell.workers)
    while time.time() < claims["exp"]:
        time.sleep(0.05)
    after = cell.get_many([token] * PROBES, concurrency=cell.workers)
    held = all_are(after, 401)
    outcome = f"before exp: {statuses(before)}; after: {statuses(after)}"
    return Result(outcome, held)
