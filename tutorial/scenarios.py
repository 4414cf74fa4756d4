"""What each step survives: every scenario against every step, on real servers.

A scenario starts a step as production runs it (gunicorn, several workers), with
a real Redis and the local provider over HTTP, does one thing to it (rotates the
key, kills Redis, floods it with junk) and says in a few words what happened: the
outcome. ``EXPECTED`` (from ``tutorial/expected_outcomes.toml``) holds the outcome
of every scenario on every step, the traps of the early steps included, and the
matrix test fails when a run differs from it in either direction::

    result = run_cell(find_step(3), SCENARIOS["rotation"])
    result.outcome   # "new key: 401": the new key is refused
    result.survived  # False: the trap step 05 is about

Every cell starts servers of its own (Redis, provider, gunicorn), so that no cell
sees what another left behind. Outcomes count requests and downloads; none
depends on how fast the machine is.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import operator
import os
import pickle
import platform
import secrets
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import redis

from tutorial.arguments import add_page_only_option
from tutorial.demo import announce
from tutorial.idp import Fault, IdentityProvider, SigningKey
from tutorial.net import ME_PATH, REQUEST_SECONDS
from tutorial.redis import RedisUnavailable
from tutorial.scenarios_page import render_page
from tutorial.stack import (
    RestartableRedis,
    RunningServer,
    run_gunicorn,
    run_stack,
    stack_env,
)
from tutorial.steps import REPOSITORY, Step, discover_steps, find_step

Authorization = str | bytes | None
EXPECTED_FILE = Path(__file__).with_name("expected_outcomes.toml")
RESULTS_FILE = REPOSITORY / "docs" / "scenarios.json"
PAGE_FILE = REPOSITORY / "docs" / "what-each-step-survives.md"


@dataclass(frozen=True)
class Answer:
    """What the API answered one request: its status (None: no answer at all)."""

    status: int | None
    retry_after: str | None = None


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


def get_me(port: int, authorization: Authorization) -> Answer:
    """``GET /api/v1/me`` with this ``Authorization`` header, sent as it is.

    Bytes go out untouched (non-ASCII included), which a higher-level client
    would refuse to send.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        connection.putrequest("GET", ME_PATH)
        if authorization is not None:
            connection.putheader("Authorization", authorization)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return Answer(response.status, response.getheader("Retry-After"))
    except (OSError, http.client.HTTPException):
        return Answer(None)
    finally:
        connection.close()


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


# -- describing what happened ------------------------------------------------------


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


def warm_up(cell: Cell) -> None:
    """One request with a valid token: the step has downloaded the key set once."""
    answer = cell.get(cell.valid())
    if answer.status != 200:
        raise AssertionError(f"{cell.step.name}: warm-up request answered {answer}")


# -- the scenarios ------------------------------------------------------------------

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


def keys_holding(client: redis.Redis, needle: bytes) -> list[bytes]:
    """The string keys whose value contains ``needle``: where a step keeps the JWKS."""
    found = []
    for key in client.scan_iter(count=500):
        if client.type(key) == b"string" and needle in (client.get(key) or b""):
            found.append(key)
    return found


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


def expected_outcomes(text: str) -> dict[str, dict[int, str]]:
    """``{scenario: {step number: outcome}}`` from the TOML table.

    A key names one step (``"05"``) or a span of them (``"03-04"``).
    """
    expected = {}
    for scenario, spans in tomllib.loads(text).items():
        cells: dict[int, str] = {}
        for span, outcome in spans.items():
            first, _, last = span.partition("-")
            for number in range(int(first), int(last or first) + 1):
                if number in cells:
                    raise ValueError(f"{EXPECTED_FILE.name}: step {number} twice")
                cells[number] = outcome
        expected[scenario] = cells
    return expected


EXPECTED = expected_outcomes(EXPECTED_FILE.read_text(encoding="utf-8"))

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
    ]
}


# -- the whole matrix ------------------------------------------------------------------

CELLS_AT_ONCE = 3  # each cell mostly waits on its servers; more would crowd two cores


def run_matrix(
    steps: Sequence[Step],
    scenarios: Sequence[Scenario],
    report: Callable[[str], None],
) -> dict[str, Any]:
    """Every scenario on every step, a few cells at a time; the results as JSON."""
    outcomes: dict[tuple[str, str], Result] = {}
    with ThreadPoolExecutor(max_workers=CELLS_AT_ONCE) as pool:
        futures = {
            pool.submit(run_cell, step, scenario): (step, scenario)
            for scenario in scenarios
            for step in steps
        }
        for future in as_completed(futures):
            step, scenario = futures[future]
            result = future.result()
            outcomes[scenario.name, step.name] = result
            report(f"{step.name[:2]} {scenario.name:<20} {result.outcome}")
    return {
        "recorded": datetime.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(terse=True),
        },
        "steps": [step.name for step in steps],
        "scenarios": {
            scenario.name: {
                "title": scenario.title,
                "demonstrates": scenario.demonstrates,
                "cells": {
                    step.name: asdict(outcomes[scenario.name, step.name])
                    for step in steps
                },
            }
            for scenario in scenarios
        },
    }


# -- command line ------------------------------------------------------------------


def add_scenarios_options(command: argparse.ArgumentParser) -> None:
    """``tutorial scenarios [STEP ...] [--scenario NAME ...] [--page-only]``."""
    command.add_argument(
        "steps", nargs="*", metavar="STEP", help="step numbers (default: every step)"
    )
    command.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help=f"one of {', '.join(SCENARIOS)}; again for more (default: all)",
    )
    add_page_only_option(
        command, page="what-each-step-survives.md", data="docs/scenarios.json"
    )


def run_scenarios_command(args: argparse.Namespace) -> int:
    """Play the cells asked for; the whole matrix also writes the docs page."""
    if args.page_only:
        write_page(json.loads(RESULTS_FILE.read_text(encoding="utf-8")))
        return 0
    steps = [find_step(wanted) for wanted in args.steps] or discover_steps()
    scenarios = [SCENARIOS[name] for name in args.scenario or SCENARIOS]
    whole_matrix = not args.steps and not args.scenario
    started = time.monotonic()
    try:
        results = run_matrix(steps, scenarios, report=announce)
        if whole_matrix:
            from tutorial.soak import run_soak  # it sends requests with get_me, here

            announce(f"The soak: a minute of load on {steps[-1].name} ...")
            results["soak"] = asdict(run_soak(steps[-1]))
    except KeyboardInterrupt:
        print(
            "\nStopped: the servers the scenarios started are stopped.", file=sys.stderr
        )
        return 130
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    results["seconds"] = round(time.monotonic() - started)
    differences = differences_from_table(results)
    for difference in differences:
        print(difference, file=sys.stderr)
    if whole_matrix:
        RESULTS_FILE.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        write_page(results)
    return 1 if differences else 0


def differences_from_table(results: dict[str, Any]) -> list[str]:
    return [
        f"{step[:2]} {name}: the table says {EXPECTED[name][int(step[:2])]!r}"
        f", this run did {cell['outcome']!r}"
        for name, scenario in results["scenarios"].items()
        for step, cell in scenario["cells"].items()
        if cell["outcome"] != EXPECTED[name][int(step[:2])]
    ]


def write_page(results: dict[str, Any]) -> None:
    PAGE_FILE.write_text(render_page(results), encoding="utf-8")
    announce(f"Wrote {PAGE_FILE.relative_to(REPOSITORY)} from {RESULTS_FILE.name}.")
