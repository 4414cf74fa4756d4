"""The fleet, over HTTP: each strategy under gunicorn from a cold start, and the attack.

Locust (``tutorial.measure.bench.load``, a helper) sends the load; the provider
counts the downloads; psutil reads the workers' CPU time and memory.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from tutorial.course.steps import REPOSITORY
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.stack import Stack, run_stack
from tutorial.measure.bench.helpers import (
    BenchCouldNotMeasure,
    Helper,
    Shared,
    helper_process,
)
from tutorial.measure.bench.machine import MIB, cpu_seconds, peak_rss, worker_processes
from tutorial.measure.bench.plan import (
    Plan,
    Shape,
    Strategy,
    is_attack_run,
    shape_name,
)
from tutorial.measure.bench.timing import SUBJECT, TOKEN_LIFETIME_SECONDS, percentile
from tutorial.measure.progress import Progress

LOAD_DEADLINE_SECONDS = (
    1800  # tutorial.measure.bench.load's: a load that hangs still ends
)


def measure_fleets(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every shape at every latency, the strategies in turn; and the attacks."""
    fleet, attack = [], []
    with load_sender(shared) as sender:
        for latency_ms in plan.latencies_ms:
            for shape in plan.shapes:
                for strategy in chosen:
                    gunicorn = shape_name(asdict(shape))
                    progress.next(
                        f"fleet, {gunicorn}, provider {latency_ms} ms: {strategy.label}"
                    )
                    run, attacked = measure_fleet(
                        strategy, shape, latency_ms, plan, shared, sender
                    )
                    fleet.append(run)
                    if attacked:
                        attack.append(attacked)
    return fleet, attack


def measure_fleet(
    strategy: Strategy,
    shape: Shape,
    latency_ms: int,
    plan: Plan,
    shared: Shared,
    sender: Helper,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A cold fleet under load; on the attack's shape, the attack after it."""
    idp = IdentityProvider()
    idp.delay_seconds = latency_ms / 1000
    keys = f"{strategy.id}-{latency_ms}-{shape.workers}x{shape.threads}"
    with run_stack(
        strategy.step.path,
        redis_url=shared.redis_url,
        idp=idp,
        env=shared.server_env(strategy, keys),
        workers=shape.workers,
        threads=shape.threads,
    ) as stack:
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        workers = worker_processes(stack.server)
        cpu_before = cpu_seconds(workers)
        load = send_load(
            sender, stack.server.url, [token], plan.requests, 200, plan.clients
        )
        cpu = cpu_seconds(workers) - cpu_before
        run = {
            "strategy": strategy.id,
            "latency_ms": latency_ms,
            "workers": shape.workers,
            "threads": shape.threads,
            "downloads": idp.downloads,
            **load.figures(),
            "cpu_ms_per_request": round(cpu * 1000 / plan.requests, 2),
            "peak_rss_mib": [round(peak_rss(worker) / MIB, 1) for worker in workers],
        }
        if not is_attack_run(run, plan):
            return run, None
        return run, measure_attack(strategy, stack, plan, sender)


def measure_attack(
    strategy: Strategy, stack: Stack, plan: Plan, sender: Helper
) -> dict[str, Any]:
    """Tokens signed by the provider's key whose ``kid`` names no key: downloads."""
    idp = stack.idp
    tokens = [
        idp.mint_token(sub=SUBJECT, kid=f"made-up-{secrets.token_hex(8)}")
        for _ in range(plan.attack_requests)
    ]
    before = idp.downloads
    attack = send_load(
        sender, stack.server.url, tokens, plan.attack_requests, 401, plan.clients
    )
    return {
        "strategy": strategy.id,
        "workers": stack.server.workers,
        "requests": attack.requests,
        "downloads": idp.downloads - before,
        "errors": attack.errors,
        "seconds": round(attack.seconds, 2),
    }


@dataclass(frozen=True)
class Load:
    """What Locust saw: each answer's time, and the answers that were not expected."""

    requests: int
    errors: int
    seconds: float  # from the first request sent to the last answer
    latencies_ms: list[float]

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.requests / self.seconds, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
        }


@contextmanager
def load_sender(shared: Shared) -> Iterator[Helper]:
    """``python -m tutorial.measure.bench.load``: Locust, ready to send loads."""
    with helper_process(
        "tutorial.measure.bench.load", "Locust", REPOSITORY, shared.python_env()
    ) as sender:
        yield sender


def send_load(
    sender: Helper,
    url: str,
    tokens: list[str],
    requests: int,
    expected_status: int,
    clients: int,
    seconds: float | None = None,
) -> Load:
    """``requests`` GETs from ``clients`` Locust users at once, the tokens in turn.

    With ``seconds``: as many as they send in that time, ``requests`` at most.
    """
    order = {
        "host": url,
        "tokens": tokens,
        "requests": requests,
        "expected_status": expected_status,
        "clients": clients,
        "seconds": seconds,
    }
    answers = sender.ask(json.dumps(order))
    if not answers or (seconds is None and len(answers) < requests):
        raise BenchCouldNotMeasure(
            f"Locust got {len(answers)} answers of {requests} from {url} within "
            f"{LOAD_DEADLINE_SECONDS} seconds"
        )
    first_sent = min(sent for sent, _, _ in answers)
    last_answer = max(sent + taken / 1000 for sent, taken, _ in answers)
    return Load(
        requests=len(answers),
        errors=sum(1 for _, _, expected in answers if not expected),
        seconds=last_answer - first_sent,
        latencies_ms=[taken for _, taken, _ in answers],
    )
