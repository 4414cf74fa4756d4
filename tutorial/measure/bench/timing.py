"""The hot path, in process: the time to authenticate one request, side by side.

One helper process per strategy (``tutorial.measure.bench.hot_path``), asked in
turn, each round starting one strategy further on, so that none is always first.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.stack import provider_env
from tutorial.measure.bench.helpers import Helper, Shared, helper_process
from tutorial.measure.bench.plan import FLOOR, Plan, Strategy
from tutorial.measure.progress import Progress

SUBJECT = "bench"

TOKEN_LIFETIME_SECONDS = 4 * 3600

# What each process times, each round (tutorial.measure.bench.hot_path's lines).
KINDS = [("repeated", "{}"), ("first", "first {}"), ("bare", "bare {}")]


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
        for kind in ("repeated", "first", "bare")
    }
    with (
        IdentityProvider() as idp,
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
                hot_path_process(strategy, idp, token, first_seen, shared)
            )
            for strategy in chosen
        }
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
    idp: IdentityProvider,
    token: str,
    first_seen: Path,
    shared: Shared,
) -> Iterator[Helper]:
    """``python -m tutorial.measure.bench.hot_path`` in the step's folder, once warm."""
    env = {
        **provider_env(idp),
        **shared.server_env(strategy, f"hot-{strategy.id}"),
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
