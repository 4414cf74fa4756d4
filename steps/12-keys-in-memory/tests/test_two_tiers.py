"""Two tiers, counted by Redis itself: warm workers check tokens without it.

Each gunicorn worker keeps the keys it parsed in its own memory for a short
time; Redis is what the workers share; the provider comes last. Redis's own
command counter (``INFO commandstats``) shows what reaches it: from a warm
worker, nothing, and from a worker serving a stale set while the provider
fails, nothing either. A key one worker fetched after a rotation still reaches
the others, through Redis, with no second download.
"""

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis

from tutorial.kit.idp import Fault
from tutorial.kit.net import get_me_over_http
from tutorial.kit.redis import throwaway_redis_server
from tutorial.kit.stack import RunningServer, provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 2
THREADS = 4  # gthread workers: the client is shared by a worker's threads too
REQUESTS = 100
# Rounds of requests in which every worker should have answered at least once.
MAX_ROUNDS = 50
# run_gunicorn's access log: a line per request, naming the worker that answered.
#     <4242> "GET /api/v1/me HTTP/1.1" 200 123
ACCEPTED_BY_WORKER = re.compile(r'^<(\d+)> "GET \S+ HTTP/1\.1" 200 ', re.MULTILINE)


@pytest.fixture
def gunicorn(idp, private_redis_url) -> Iterator[RunningServer]:
    env = {
        **provider_env(idp),
        "REDIS_URL": private_redis_url,
        # Long enough for every test to run within one lifetime, on any machine.
        "JWKS_IN_PROCESS_SECONDS": "3600",
        "JWKS_CACHE_SECONDS": "3600",
    }
    with run_gunicorn(STEP_DIR, env=env, workers=WORKERS, threads=THREADS) as server:
        yield server


@pytest.fixture
def redis_commands(private_redis_url) -> Iterator[Callable[[], dict[str, int]]]:
    """``redis_commands()``: how often Redis has run each command, INFO aside.

    Asked over one connection: a new one would add its own handshake commands.
    """
    client = redis.Redis.from_url(private_redis_url, single_connection_client=True)

    def count() -> dict[str, int]:
        stats = client.info("commandstats")
        return {name: s["calls"] for name, s in stats.items() if name != "cmdstat_info"}

    yield count
    client.close()


def send(server: RunningServer, token: str, requests: int) -> list[int]:
    """The statuses of ``requests`` requests with ``token``, eight at a time."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(lambda _: get_me_over_http(server.port, token), range(requests))
        )


def make_every_worker_accept(server: RunningServer, token: str) -> None:
    """Send ``token`` a few requests at a time until every worker has accepted it."""
    log_start = len(server.log_text())
    accepted: set[str] = set()
    for _ in range(MAX_ROUNDS):
        assert send(server, token, 2 * WORKERS) == [200] * (2 * WORKERS)
        accepted = set(ACCEPTED_BY_WORKER.findall(server.log_text()[log_start:]))
        if len(accepted) == WORKERS:
            return
    raise AssertionError(f"only workers {accepted} answered in {MAX_ROUNDS} rounds")


# --8<-- [start:lesson-no-redis]
@pytest.mark.lesson(step=12)
def test_warm_workers_answer_a_hundred_requests_without_redis(
    idp, mint_token, gunicorn, redis_commands
):
    token = mint_token(sub="warm")
    make_every_worker_accept(gunicorn, token)  # each keeps the keys in memory
    commands_before = redis_commands()

    statuses = send(gunicorn, token, REQUESTS)

    assert statuses == [200] * REQUESTS
    # Redis's own count: not one command for a hundred requests.
    assert redis_commands() == commands_before
    assert idp.downloads == 1


# --8<-- [end:lesson-no-redis]


# --8<-- [start:lesson-rotation]
@pytest.mark.lesson(step=12)
def test_a_key_one_worker_fetched_reaches_the_others_through_redis(
    idp, mint_token, gunicorn, redis_commands
):
    make_every_worker_accept(gunicorn, mint_token())  # the first set, in memory
    idp.rotate()
    token = mint_token(sub="after-the-rotation")

    assert get_me_over_http(gunicorn.port, token) == 200  # one worker refreshes
    # The others lack the new key in memory: they look in Redis, and find it.
    make_every_worker_accept(gunicorn, token)
    assert idp.downloads == 2  # the first set, then one refresh: no second one

    # From then on, every worker checks the new key from memory.
    commands_before = redis_commands()
    assert send(gunicorn, token, 20) == [200] * 20
    assert redis_commands() == commands_before


# --8<-- [end:lesson-rotation]


# --8<-- [start:lesson-stale-from-memory]
@pytest.mark.lesson(step=12)
def test_while_the_provider_fails_a_stale_set_answers_from_memory(
    idp, mint_token, get_me, settings, private_redis_url, redis_commands
):
    settings.JWKS_REDIS_URL = private_redis_url  # a Redis whose commands we count
    settings.JWKS_CACHE_SECONDS = 1
    token = mint_token()
    assert get_me(token).status_code == 200
    idp.fault = Fault.SERVER_ERROR
    time.sleep(1.2)  # the set is stale from now on
    assert get_me(token).status_code == 200  # stale, because the provider fails
    commands_before = sum(redis_commands().values())

    statuses = [get_me(token).status_code for _ in range(REQUESTS)]

    assert statuses == [200] * REQUESTS
    # Served from memory: not a Redis call per request, as a warm request.
    assert sum(redis_commands().values()) - commands_before < REQUESTS


@pytest.mark.lesson(step=12)
def test_memory_never_keeps_a_set_past_its_freshness(
    idp, mint_token, get_me, settings, private_redis_url, redis_commands
):
    settings.JWKS_REDIS_URL = private_redis_url  # a Redis whose commands we count
    settings.JWKS_IN_PROCESS_SECONDS = 3600  # memory may answer for an hour...
    settings.JWKS_CACHE_SECONDS = 2  # ...a set fresh for two seconds
    withdrawn = idp.current_key
    old_token = mint_token()
    assert get_me(old_token).status_code == 200
    commands_before = redis_commands()
    assert get_me(old_token).status_code == 200
    assert redis_commands() == commands_before, "memory should answer while fresh"
    idp.rotate()
    idp.retire(withdrawn.kid)  # the provider stops vouching for the old key
    time.sleep(2.2)  # the set is stale: the fleet would download it again

    # Refused at once, or once the download under way has landed: not 30 s later.
    deadline = time.monotonic() + 10
    while get_me(old_token).status_code == 200:
        assert time.monotonic() < deadline, "memory kept the set past its freshness"
        time.sleep(0.05)


def test_while_redis_is_down_the_set_in_memory_is_handed_down(
    idp, mint_token, get_me, settings
):
    settings.JWKS_IN_PROCESS_SECONDS = 0  # memory never answers alone
    with ExitStack() as redis_server:
        settings.JWKS_REDIS_URL = redis_server.enter_context(throwaway_redis_server())
        token = mint_token()
        assert get_me(token).status_code == 200
    # Redis has stopped: the shared tier finds nothing, and memory's set serves.

    statuses = [get_me(token).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert idp.downloads == 1


# --8<-- [end:lesson-stale-from-memory]


def test_a_key_memory_lacks_is_looked_for_in_redis_before_the_provider(
    idp, mint_token, get_me, settings
):
    from core.jwks import CachingJWKClient

    settings.JWKS_MIN_REFRESH_SECONDS = 0  # no cooldown: only Redis saves a download
    assert get_me(mint_token()).status_code == 200  # this process keeps the set
    idp.rotate()
    another_worker = CachingJWKClient(idp.jwks_url)
    another_worker.get_jwk_set(refresh=True)  # downloads, and shares in Redis
    assert idp.downloads == 2

    response = get_me(mint_token(sub="after-the-rotation"))

    assert response.status_code == 200, response.content
    assert response.json()["sub"] == "after-the-rotation"
    assert idp.downloads == 2, "found in Redis: the provider should not be asked"
