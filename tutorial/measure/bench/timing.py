"""The hot path, in process: the time to authenticate one request, side by side.

One helper process per strategy (``tutorial.measure.bench.hot_path``), asked in
turn, each round starting one strategy further on, so that none is always first.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.stack import provider_env
from tutorial.measure.bench.helpers import Helper, Shared, helper_process
from tutorial.measure.bench.plan import FLOOR, Plan, Strategy
from tutorial.measure.progress import Progress

SUBJECT = "bench"

TOKEN_LIFETIME_SECONDS = 4 * 3600


def measure_hot_paths(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> list[dict[str, Any]]:
    """Per strategy: median and p95 of one authentication, and the ratio to the floor.

    One process per strategy, started together and asked in turn, ``hot_batch``
    authentications at a time, for ``hot_rounds`` rounds; each round starts one
    strategy further on, so that none is always first.
    """
    rounds: dict[str, list[list[int]]] = {strategy.id: [] for strategy in chosen}
    with IdentityProvider() as idp, ExitStack() as running:
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        processes = {
            strategy.id: running.enter_context(
                hot_path_process(strategy, idp, token, shared)
            )
            for strategy in chosen
        }
        for round_number in range(plan.hot_rounds):
            progress.next(f"hot path, round {round_number + 1} of {plan.hot_rounds}")
            turn = round_number % len(chosen)
            for strategy in chosen[turn:] + chosen[:turn]:
                timings = processes[strategy.id].ask(str(plan.hot_batch))
                rounds[strategy.id].append(timings)
    return [hot_path_figures(strategy.id, rounds) for strategy in chosen]


def hot_path_figures(
    strategy: str, rounds: dict[str, list[list[int]]]
) -> dict[str, Any]:
    """Median and p95; the median's ratio to the floor's, overall and round by round.

    A round's ratio compares timings taken moments apart, so the spread of those
    ratios shows how much the machine's ups and downs move the overall one.
    """
    durations = [timing for batch in rounds[strategy] for timing in batch]
    floor = [timing for batch in rounds[FLOOR] for timing in batch]
    round_ratios = [
        statistics.median(own) / statistics.median(floors)
        for own, floors in zip(rounds[strategy], rounds[FLOOR], strict=True)
    ]
    return {
        "strategy": strategy,
        "samples": len(durations),
        "median_us": round(statistics.median(durations) / 1000, 1),
        "p95_us": round(percentile(durations, 95) / 1000, 1),
        "ratio_to_floor": round(
            statistics.median(durations) / statistics.median(floor), 2
        ),
        # The middle half of the rounds' ratios: from the 25th to the 75th percentile.
        "round_ratios_to_floor": [
            round(percentile(round_ratios, 25), 2),
            round(percentile(round_ratios, 75), 2),
        ],
    }


@contextmanager
def hot_path_process(
    strategy: Strategy, idp: IdentityProvider, token: str, shared: Shared
) -> Iterator[Helper]:
    """``python -m tutorial.measure.bench.hot_path`` in the step's folder, once warm."""
    env = {
        **provider_env(idp),
        **shared.server_env(strategy, f"hot-{strategy.id}"),
        "TUTORIAL_BENCH_TOKEN": token,
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
