"""What the bench measures: the strategies, gunicorn's shapes, and the plan of a run.

A strategy is a way to the signing key: a step, or step 00's project with another
authentication class (PyJWT's default, the floor). The ids name the strategies in
``docs/benchmarks.json``, which the page reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tutorial.console import count_of
from tutorial.course.steps import Step, discover_steps

# Steps 01 and 02 find the key as step 00 does (Redis configured, a log line).
FIRST_CACHING_STEP = 3

FLOOR = "floor"

PYJWT_DEFAULT = "pyjwt-default"

CLIENTS = 16


@dataclass(frozen=True)
class Strategy:
    """A way to the signing key: a step, or step 00 with another authenticator."""

    id: str
    label: str
    how: str
    step: Step
    authentication: str | None = None  # a class that replaces the step's


def strategies(steps: list[Step] | None = None) -> list[Strategy]:
    """Step 00, PyJWT's default, every step from 03 on, the floor: in that order."""
    steps = steps if steps is not None else discover_steps()
    first = steps[0]
    measured = [first] + [step for step in steps if step.number >= FIRST_CACHING_STEP]
    chosen = [step_strategy(step) for step in measured]
    pyjwt_default = Strategy(
        PYJWT_DEFAULT,
        "PyJWT's default",
        "one `PyJWKClient` per process, the parsed keys in its memory for 5 "
        "minutes; an unknown `kid` refreshes them, at most once per 30 seconds",
        first,
        "tutorial.measure.bench.pyjwt_default.OneClientPerProcess",
    )
    floor = Strategy(
        FLOOR,
        "the floor",
        "the provider's key downloaded once, at start-up: a bare `jwt.decode` "
        "with the key in hand",
        first,
        "tutorial.measure.bench.floor.KeyLoadedAtStartUp",
    )
    return [chosen[0], pyjwt_default, *chosen[1:], floor]


def step_strategies(chosen: list[Strategy], plan: Plan) -> list[Strategy]:
    """The steps among ``chosen`` (not PyJWT's default, not the floor)."""
    steps = [s for s in chosen if s.authentication is None]
    return steps if plan.every_step_apart else steps[-1:]


def step_strategy(step: Step) -> Strategy:
    return Strategy(step.name, f"step {step.number:02d}", step.title, step)


@dataclass(frozen=True)
class Shape:
    """How gunicorn runs: processes, and threads in each."""

    workers: int
    threads: int = 1


@dataclass(frozen=True)
class Plan:
    quick: bool
    requests: int  # per fleet run
    attack_requests: int
    shapes: tuple[Shape, ...]
    latencies_ms: tuple[int, ...]
    hot_rounds: int  # the hot path: each strategy is asked this many times ...
    hot_batch: int  # ... for this many authentications
    waits_seconds: int  # the steady load of "requests that waited", per step
    waits_fresh_seconds: int  # ... with every freshness setting pinned to this
    hosts: tuple[int, ...]  # the fleets of hosts, by their count of hosts
    every_step_apart: bool  # False: the last step only, in those two sections
    clients: int = CLIENTS
    # The attack, and the memory figure, are measured on this fleet run.
    attack_shape: Shape = Shape(4)
    attack_latency_ms: int = 0


FULL_PLAN = Plan(
    quick=False,
    requests=2000,
    attack_requests=1000,
    shapes=(Shape(1), Shape(4), Shape(4, threads=4)),
    latencies_ms=(0, 100),
    hot_rounds=30,
    hot_batch=100,
    waits_seconds=24,
    waits_fresh_seconds=6,
    hosts=(1, 2, 4),
    every_step_apart=True,
)

QUICK_PLAN = Plan(
    quick=True,
    requests=200,
    attack_requests=200,
    shapes=(Shape(4),),
    latencies_ms=(0,),
    hot_rounds=5,
    hot_batch=40,
    waits_seconds=4,
    waits_fresh_seconds=2,
    hosts=(2,),
    every_step_apart=False,
)


def is_attack_run(run: dict[str, Any], plan: Plan) -> bool:
    return (
        run["workers"] == plan.attack_shape.workers
        and run["threads"] == plan.attack_shape.threads
        and run["latency_ms"] == plan.attack_latency_ms
    )


def plan_figures(plan: Plan) -> dict[str, Any]:
    figures = asdict(plan)
    del figures["quick"]
    return figures


def shape_name(shape: dict[str, int]) -> str:
    """``4 workers``, ``4 workers × 4 threads``."""
    workers = count_of(shape["workers"], "worker")
    if shape["threads"] == 1:
        return workers
    return f"{workers} × {shape['threads']} threads"
