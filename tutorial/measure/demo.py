"""``tutorial demo``: the live demonstration, for a projector.

For each step it starts the local identity provider (slowed down to feel like a
real one), runs the step under gunicorn with several workers against a real Redis,
sends a few hundred authenticated requests, and counts what the provider served::

    step                    requests  JWKS downloads  errors  median     p95
    00-starting-point            300             300       0  118 ms  190 ms
    03-caching-subclass          300               1       0    4 ms    9 ms

Servers are started and stopped by ``tutorial.kit.stack``; everything stops on exit,
Ctrl-C included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass

from tutorial.arguments import add_count_option
from tutorial.console import announce
from tutorial.course.steps import Step, discover_steps, find_step
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import http_status
from tutorial.kit.processes import ServerDidNotStart
from tutorial.kit.redis import RedisUnavailable, delete_keys, redact, redis_server
from tutorial.kit.stack import run_stack

DEFAULT_REQUESTS = 300
DEFAULT_LATENCY_MS = 100
DEFAULT_WORKERS = 4
DEFAULT_CONCURRENCY = 8
PROGRESS_WIDTH = 30


@dataclass(frozen=True)
class Measurement:
    step: Step
    requests: int
    downloads: int  # JWKS downloads the identity provider served
    errors: int  # answers other than 200, and requests that got no answer
    seconds: list[float]  # each request's latency

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        if len(self.seconds) < 2:
            return self.median_ms
        return statistics.quantiles(self.seconds, n=20)[-1] * 1000


def default_steps() -> list[Step]:
    """Steps 00 and 03 and the last step: no cache, the article's cache, the best."""
    steps = discover_steps()
    chosen = [step for step in steps if step.number in {0, 3}] + steps[-1:]
    return list(dict.fromkeys(chosen))


def run_demo(
    steps: list[Step],
    *,
    requests: int = DEFAULT_REQUESTS,
    latency_ms: int = DEFAULT_LATENCY_MS,
    workers: int = DEFAULT_WORKERS,
    concurrency: int = DEFAULT_CONCURRENCY,
    report: Callable[[str], None] = print,
) -> list[Measurement]:
    """Measure each step in turn against one Redis; stop everything on the way out."""
    with demo_redis(report) as (url, prefix):
        return [
            measure(
                step,
                redis_url=url,
                key_prefix=f"{prefix}-{step.number:02d}",
                requests=requests,
                latency_ms=latency_ms,
                workers=workers,
                concurrency=concurrency,
                report=report,
            )
            for step in steps
        ]


@contextmanager
def demo_redis(report: Callable[[str], None]) -> Iterator[tuple[str, str]]:
    """A real Redis and a key prefix of this demo's own, whose keys go when it ends."""
    prefix = f"tutorial-demo-{uuid.uuid4().hex[:8]}"
    with redis_server() as url:
        where = "REDIS_URL" if url == os.environ.get("REDIS_URL") else "a throwaway one"
        report(f"Redis: {redact(url)} ({where}); the demo's keys: {prefix}-*")
        try:
            yield url, prefix
        finally:
            delete_keys(url, f"{prefix}-*")


def measure(
    step: Step,
    *,
    redis_url: str,
    key_prefix: str,
    requests: int,
    latency_ms: int,
    workers: int,
    concurrency: int,
    report: Callable[[str], None],
) -> Measurement:
    idp = IdentityProvider()
    idp.delay_seconds = latency_ms / 1000
    env = {
        "DJANGO_SETTINGS_MODULE": "tutorial.measure.demo_settings",
        "TUTORIAL_DEMO_KEY_PREFIX": key_prefix,
    }
    report(f"\n{step.name}: starting gunicorn with {workers} workers ...")
    with run_stack(
        step.path, redis_url=redis_url, idp=idp, env=env, workers=workers
    ) as stack:
        report(f"{step.name}: on {stack.server.url}, provider on {idp.issuer}")
        token = idp.mint_token(sub="demo-audience", expires_in=3600)
        seconds, errors = send_requests(
            stack.server.me_url, token, requests, concurrency, step.name
        )
        return Measurement(step, requests, idp.downloads, errors, seconds)


def send_requests(
    url: str, token: str, count: int, concurrency: int, label: str
) -> tuple[list[float], int]:
    """``count`` authenticated GETs; each one's latency, and how many failed.

    The first goes alone and fills the cache. Many cold workers at once is the
    stampede of step 08, not what this demo is about.
    """
    headers = {"Authorization": f"Bearer {token}"}
    results = [timed_get(url, headers)]
    show_progress(label, len(results), count)
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        futures = [pool.submit(timed_get, url, headers) for _ in range(count - 1)]
        for future in as_completed(futures):
            results.append(future.result())
            show_progress(label, len(results), count)
    finally:
        # On Ctrl-C, drop the requests not sent yet instead of waiting for them.
        pool.shutdown(wait=True, cancel_futures=True)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    errors = sum(1 for status, _ in results if status != 200)
    return [seconds for _, seconds in results], errors


def timed_get(url: str, headers: dict[str, str]) -> tuple[int | None, float]:
    started = time.perf_counter()
    try:
        status: int | None = http_status(url, headers=headers)
    except OSError:
        status = None
    return status, time.perf_counter() - started


def show_progress(label: str, done: int, total: int) -> None:
    if not sys.stderr.isatty():  # a log file or a test: no bar redrawn in place
        return
    filled = PROGRESS_WIDTH * done // total
    bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
    sys.stderr.write(f"\r{label:<28} [{bar}] {done}/{total}")
    sys.stderr.flush()


def table(measurements: list[Measurement]) -> str:
    lines = [
        f"{'step':<28} {'requests':>8}  {'JWKS downloads':>14}  {'errors':>6}"
        f"  {'median':>9}  {'p95':>9}"
    ]
    for m in measurements:
        lines.append(
            f"{m.step.name:<28} {m.requests:>8}  {m.downloads:>14}  {m.errors:>6}"
            f"  {m.median_ms:>6.0f} ms  {m.p95_ms:>6.0f} ms"
        )
    return "\n".join(lines)


# -- command line --------------------------------------------------------------


def add_demo_options(command: argparse.ArgumentParser) -> None:
    """``tutorial demo [STEP ...] [--requests N] ...``."""
    command.add_argument("steps", nargs="*", metavar="STEP", help="step numbers")
    add_count_option(
        command,
        "--requests",
        minimum=2,
        default=DEFAULT_REQUESTS,
        help="requests per step",
    )
    add_count_option(
        command,
        "--latency-ms",
        minimum=0,
        default=DEFAULT_LATENCY_MS,
        help="how long the provider takes per JWKS download",
        metavar="MS",
    )
    add_count_option(
        command,
        "--workers",
        minimum=1,
        default=DEFAULT_WORKERS,
        help="gunicorn workers",
    )
    add_count_option(
        command,
        "--concurrency",
        minimum=1,
        default=DEFAULT_CONCURRENCY,
        help="requests in flight at once",
    )


def run_demo_command(args: argparse.Namespace) -> int:
    steps = [find_step(wanted) for wanted in args.steps] or default_steps()
    try:
        measurements = run_demo(
            steps,
            requests=args.requests,
            latency_ms=args.latency_ms,
            workers=args.workers,
            concurrency=args.concurrency,
            report=announce,
        )
    except KeyboardInterrupt:
        print("\nStopped: the servers the demo started are stopped.", file=sys.stderr)
        return 130
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    except ServerDidNotStart as error:  # its log says why
        print(f"\nThe demo could not start a server: {error}", file=sys.stderr)
        return 1
    print(f"\nThe provider took {args.latency_ms} ms per JWKS download.\n")
    print(table(measurements))
    return 0
