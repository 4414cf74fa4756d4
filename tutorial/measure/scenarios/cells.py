"""A cell of the matrix: one step under gunicorn, a Redis and a provider of its own.

``run_cell(step, scenario)`` starts them, lets the scenario do its one thing, and
returns its ``Result``: the outcome in words, and whether the step came through.
The helpers here count answers and downloads, the only things outcomes depend on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import redis

from tutorial.course.steps import Step
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import Answer, Authorization, get_me
from tutorial.kit.redis import RestartableRedis
from tutorial.kit.stack import (
    RunningServer,
    run_gunicorn,
    run_stack,
    stack_env,
)


@dataclass(frozen=True)
class Result:
    """One cell of the matrix: what happened, in words, and whether the step held."""

    outcome: str
    survived: bool


@dataclass
class Cell:
    """The servers of one cell, started for it alone."""

    step: Step
    server: RunningServer
    idp: IdentityProvider
    redis: RestartableRedis
    workers: int

    def get(self, authorization: Authorization) -> Answer:
        return get_me(self.server.port, authorization)

    def get_many(
        self, authorizations: Sequence[Authorization], concurrency: int
    ) -> list[Answer]:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(self.get, authorizations))

    def bearer(self, token: str) -> str:
        return f"Bearer {token}"

    def valid(self) -> str:
        return self.bearer(self.idp.mint_token(expires_in=3600))


@dataclass(frozen=True)
class Scenario:
    """Something that happens to a service in production, and what came of it."""

    name: str
    title: str
    demonstrates: str  # one sentence for the page: what the scenario shows
    run: Callable[[Cell], Result]
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    gunicorn_args: tuple[str, ...] = ()


# The workers fork from a master that imported the step once, rather than each
# importing Django itself: ninety cells would otherwise spend minutes of CPU on
# imports. Each worker is still a process of its own, with its own memory, as
# with --preload in production; nothing runs before the fork but the imports.
PRELOAD = ("--preload",)


def run_cell(step: Step, scenario: Scenario) -> Result:
    """Start a step with servers of its own, play ``scenario``, stop everything."""
    with RestartableRedis() as restartable:
        with run_stack(
            step.path,
            redis_url=restartable.url,
            env=scenario.env,
            workers=scenario.workers,
            extra_args=(*PRELOAD, *scenario.gunicorn_args),
        ) as stack:
            cell = Cell(step, stack.server, stack.idp, restartable, scenario.workers)
            return scenario.run(cell)


def statuses(answers: Iterable[Answer]) -> str:
    """``200`` when every answer was 200; ``98×200, 2×500`` when they differed."""
    counts = Counter(answer.status or "no answer" for answer in answers)
    if len(counts) == 1:
        (status,) = counts
        return str(status)
    by_status = sorted(counts.items(), key=lambda item: str(item[0]))
    return ", ".join(f"{n}×{status}" for status, n in by_status)


def downloads(count: int) -> str:
    return f"{count} download" if count == 1 else f"{count} downloads"


def all_are(answers: Sequence[Answer], status: int) -> bool:
    return all(answer.status == status for answer in answers)


def downloads_during(cell: Cell, action: Callable[[], Any]) -> tuple[Any, int]:
    before = cell.idp.downloads
    outcome = action()
    return outcome, cell.idp.downloads - before


class CellDidNotWarmUp(RuntimeError):
    """A step refused the valid token that every scenario starts from."""


def warm_up(cell: Cell) -> None:
    """One request with a valid token: the step has downloaded the key set once."""
    answer = cell.get(cell.valid())
    if answer.status != 200:
        raise CellDidNotWarmUp(f"{cell.step.name}: warm-up request answered {answer}")


WARM_ROUNDS = 20


def warm_every_worker(cell: Cell) -> None:
    """Valid tokens until each worker has answered one: no worker starts cold.

    The kernel hands a connection to whichever worker takes it first, so the
    tokens go a few at a time until the access log names every worker.
    """
    for _ in range(WARM_ROUNDS):
        cell.get_many([cell.valid()] * cell.workers, concurrency=cell.workers)
        warm = cell.server.answering_workers(status=200)
        if len(warm) >= cell.workers:
            return
    raise CellDidNotWarmUp(
        f"{cell.step.name}: {len(warm)} of {cell.workers} workers answered a token"
    )


@contextmanager
def cold_workers(cell: Cell, env: dict[str, str]) -> Iterator[Cell]:
    """The cell once more, its step in new workers that remember nothing yet."""
    with run_gunicorn(
        cell.step.path,
        env=stack_env(cell.idp, cell.redis.url, env),
        workers=cell.workers,
        extra_args=PRELOAD,
    ) as server:
        yield replace(cell, server=server)


def flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()  # the cell's own server: nobody else's keys are in it
    finally:
        client.close()
