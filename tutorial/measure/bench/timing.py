"""The hot path, in process: the time to authenticate one request, side by side.

One helper process per strategy (``tutorial.measure.bench.hot_path``), asked in
turn, each round starting one strategy further on, so that none is always first.
The steps that serve a stale set while the provider fails get a second process
each, whose provider has failed since its set went stale: what an outage costs a
request, against the same step warm.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tutorial.kit.idp import Fault, IdentityProvider
from tutorial.kit.stack import provider_env
from tutorial.measure.bench.helpers import Helper, Shared, helper_process
from tutorial.measure.bench.plan import FLOOR, Plan, Strategy, step_strategies
from tutorial.measure.progress import Progress

SUBJECT = "bench"

TOKEN_LIFETIME_SECONDS = 4 * 3600

# What each process times, each round (tutorial.measure.bench.hot_path's lines).
KINDS = [("repeated", "{}"), ("first", "first {}"), ("bare", "bare {}")]

# The first step that serves a stale set while the provider fails.
FIRST_STALE_IF_ERROR_STEP = 8
# The outage processes' sets are fresh this long, then stale once the provider fails.
OUTAGE_FRESH_SECONDS = 1
OUTAGE_SETTINGS = {
    "JWKS_CACHE_SECONDS": str(OUTAGE_FRESH_SECONDS),
    "JWKS_MIN_CACHE_SECONDS": str(OUTAGE_FRESH_SECONDS),
}


def measure_hot_paths(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> list[dict[str, Any]]:
    """Per strategy: median and p95 of one authentication, and the ratio to the floor.

    One process per strategy, started together and asked in turn, ``hot_batch``
    authentications at a time, for ``hot_rounds`` rounds; each round starts one
    strategy further on, so that none is always first. Each turn times the same
    token again and again, tokens the process has not seen, and a bare
    ``jwt.decode`` in that same process, for a ratio from timings taken alike.
    """
    rounds: dict[str, dict[str, list[list[int]]]] = {
        kind: {strategy.id: [] for strategy in chosen}
        for kind in ("repeated", "first", "bare", "outage")
    }
    in_outage = [
        strategy
        for strategy in step_strategies(chosen, plan)
        if strategy.step.number >= FIRST_STALE_IF_ERROR_STEP
    ]
    with (
        IdentityProvider() as idp,
        IdentityProvider(idp.keys) as failing,
        ExitStack() as running,
        tempfile.TemporaryDirectory(prefix="bench-tokens-") as folder,
    ):
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        first_seen = Path(folder) / "first-seen.txt"
        first_seen.write_text(
            "".join(
                # A jti of its own: RS256 signatures are deterministic, and two
                # tokens minted in the same second would be the same token.
                idp.mint_token(
                    sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS, jti=f"first-{n}"
                )
                + "\n"
                for n in range(plan.hot_rounds * plan.hot_batch)
            )
        )
        processes = {
            strategy.id: running.enter_context(
                hot_path_process(strategy, provider_env(idp), token, first_seen, shared)
            )
            for strategy in chosen
        }
        # The same keys and issuer; the provider that serves them fails from now on.
        outage_env = {**provider_env(failing), "JWT_ISSUER": idp.issuer}
        outages = {
            strategy.id: running.enter_context(
                hot_path_process(
                    strategy,
                    {**outage_env, **OUTAGE_SETTINGS},
                    token,
                    first_seen,
                    shared,
                    keys=f"outage-{strategy.id}",
                )
            )
            for strategy in in_outage
        }
        failing.fault = Fault.SERVER_ERROR
        time.sleep(2 * OUTAGE_FRESH_SECONDS)  # every outage process's set is stale
        for round_number in range(plan.hot_rounds):
            progress.next(f"hot path, round {round_number + 1} of {plan.hot_rounds}")
            turn = round_number % len(chosen)
            # Each kind of timing in turn comes first after the switch from
            # another process, when the processor's caches are coldest.
            kinds = (
                KINDS[round_number % len(KINDS) :] + KINDS[: round_number % len(KINDS)]
            )
            for strategy in chosen[turn:] + chosen[:turn]:
                process = processes[strategy.id]
                for kind, line in kinds:
                    timings = process.ask(line.format(plan.hot_batch))
                    rounds[kind][strategy.id].append(timings)
                if strategy.id in outages:
                    timings = outages[strategy.id].ask(str(plan.hot_batch))
                    rounds["outage"][strategy.id].append(timings)
    return [hot_path_figures(strategy.id, rounds) for strategy in chosen]


def hot_path_figures(
    strategy: str, rounds: dict[str, dict[str, list[list[int]]]]
) -> dict[str, Any]:
    """Median and p95; the median's ratio to the floor's, overall and round by round.

    A round's ratio compares timings taken moments apart, so the spread of those
    ratios shows how much the machine's ups and downs move the overall one. The
    same for tokens seen for the first time; and the repeated token's median
    against a bare ``jwt.decode``'s.
    """
    repeated, first = rounds["repeated"], rounds["first"]
    bare = median_of(rounds["bare"][strategy])
    return {
        "strategy": strategy,
        "samples": sum(len(batch) for batch in repeated[strategy]),
        "median_us": round(median_of(repeated[strategy]) / 1000, 1),
        "p95_us": round(percentile(flat(repeated[strategy]), 95) / 1000, 1),
        "ratio_to_floor": ratio_of_medians(repeated[strategy], repeated[FLOOR]),
        # The middle half of the rounds' ratios: from the 25th to the 75th percentile.
        "round_ratios_to_floor": middle_half(repeated[strategy], repeated[FLOOR]),
        "ratio_to_bare_decode": round(median_of(repeated[strategy]) / bare, 2),
        "first_seen_median_us": round(median_of(first[strategy]) / 1000, 1),
        "first_seen_ratio_to_floor": ratio_of_medians(first[strategy], first[FLOOR]),
        "first_seen_round_ratios_to_floor": middle_half(first[strategy], first[FLOOR]),
        **outage_figures(rounds["outage"][strategy], repeated[strategy]),
    }


def outage_figures(outage: list[list[int]], warm: list[list[int]]) -> dict[str, Any]:
    """The provider down and the set stale, against the same step warm; nothing for
    a strategy that was not measured so."""
    if not outage:
        return {}
    return {
        "outage_median_us": round(median_of(outage) / 1000, 1),
        "outage_ratio_to_warm": ratio_of_medians(outage, warm),
        "outage_round_ratios_to_warm": middle_half(outage, warm),
    }


def flat(batches: list[list[int]]) -> list[int]:
    return [timing for batch in batches for timing in batch]


def median_of(batches: list[list[int]]) -> float:
    return statistics.median(flat(batches))


def ratio_of_medians(own: list[list[int]], floor: list[list[int]]) -> float:
    return round(median_of(own) / median_of(floor), 2)


def middle_half(own: list[list[int]], floor: list[list[int]]) -> list[float]:
    ratios = [
        statistics.median(mine) / statistics.median(floors)
        for mine, floors in zip(own, floor, strict=True)
    ]
    return [round(percentile(ratios, 25), 2), round(percentile(ratios, 75), 2)]


@contextmanager
def hot_path_process(
    strategy: Strategy,
    provider: dict[str, str],
    token: str,
    first_seen: Path,
    shared: Shared,
    keys: str = "",
) -> Iterator[Helper]:
    """``python -m tutorial.measure.bench.hot_path`` in the step's folder, once warm.

    ``provider`` is the environment that names the provider (and any settings);
    ``keys`` names its Redis keys, the strategy's own by default."""
    env = {
        **provider,
        **shared.server_env(strategy, keys or f"hot-{strategy.id}"),
        "TUTORIAL_BENCH_TOKEN": token,
        "TUTORIAL_BENCH_FIRST_SEEN": str(first_seen),
        "TUTORIAL_BENCH_SUB": SUBJECT,
    }
    name = f"The hot path of {strategy.label} ({strategy.id})"
    with helper_process(
        "tutorial.measure.bench.hot_path", name, strategy.step.path, env
    ) as hot:
        yield hot


def percentile(values: list[float] | list[int], wanted: int) -> float:
    """The ``wanted``-th percentile (1 to 99); the value itself for one value."""
    if len(values) < 2:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[wanted - 1]
