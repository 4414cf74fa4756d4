"""Redis dies, or hangs: valid tokens keep getting 200.

Redis spares the fleet downloads; it is not what checks a token. Each worker
keeps a copy of the key set it last saw in Redis, and while Redis is down it
checks tokens with that copy, or downloads a set of its own. Redis gets half a
second to answer, and after a failure it is left alone for a while.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tutorial.kit.net import get_me_over_http, http_status
from tutorial.kit.not_redis import garbled_redis_server, hanging_redis_server
from tutorial.kit.redis import throwaway_redis_server
from tutorial.kit.stack import provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 2
REQUESTS = 20
OUTAGE_WARNING = "Redis is unreachable"


def requests_in_parallel(port: int, token: str) -> list[int]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: get_me_over_http(port, token), range(REQUESTS)))


# --8<-- [start:lesson-redis-dies]
@pytest.mark.lesson(step=7)
def test_valid_tokens_keep_getting_200_when_redis_dies(idp, mint_token):
    token = mint_token()
    with ExitStack() as redis_server:
        redis_url = redis_server.enter_context(throwaway_redis_server())
        env = {**provider_env(idp), "REDIS_URL": redis_url}
        with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
            assert requests_in_parallel(server.port, token) == [200] * REQUESTS
            redis_server.close()  # Redis stops: from now on, connections are refused
            downloads_before = idp.downloads

            statuses = requests_in_parallel(server.port, token)

    assert statuses == [200] * REQUESTS
    # Each worker checks tokens with its copy of the set: no download per request.
    assert idp.downloads - downloads_before <= WORKERS
    # One warning per worker when the outage starts, not one per request.
    assert 1 <= server.log_text().count(OUTAGE_WARNING) <= WORKERS


# --8<-- [end:lesson-redis-dies]


@pytest.mark.lesson(step=7)
def test_a_key_rotated_while_redis_is_down_is_accepted(idp, mint_token):
    with ExitStack() as redis_server:
        redis_url = redis_server.enter_context(throwaway_redis_server())
        env = {**provider_env(idp), "REDIS_URL": redis_url}
        with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
            assert requests_in_parallel(server.port, mint_token()) == [200] * REQUESTS
            redis_server.close()
            idp.rotate()  # the fleet's cooldown is in Redis, out of reach
            downloads_before = idp.downloads

            statuses = requests_in_parallel(server.port, mint_token())

    assert statuses == [200] * REQUESTS
    # Each worker refreshes on its own, once per cooldown: not once per request.
    assert idp.downloads - downloads_before <= WORKERS


@pytest.fixture
def hanging_redis_url() -> Iterator[str]:
    """A port that accepts connections and never answers: a Redis that hangs."""
    with hanging_redis_server() as url:
        yield url


# --8<-- [start:lesson-redis-hangs]
@pytest.mark.lesson(step=7)
def test_a_redis_that_never_answers_costs_no_errors_and_no_long_wait(
    idp, mint_token, hanging_redis_url
):
    token = mint_token()
    env = {**provider_env(idp), "REDIS_URL": hanging_redis_url}

    with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
        # Far longer than the half second Redis gets, shorter than redis-py's
        # own wait: 5 s from redis-py 8, for ever before it.
        statuses = [
            http_status(server.me_url, headers=bearer(token), timeout=4)
            for _ in range(REQUESTS)
        ]

    # Each worker waits for Redis once (the socket timeout in settings), then
    # leaves it alone and checks tokens with a key set it downloaded itself.
    assert statuses == [200] * REQUESTS
    assert 1 <= server.log_text().count(OUTAGE_WARNING) <= WORKERS
    assert idp.downloads <= WORKERS


# --8<-- [end:lesson-redis-hangs]


# --8<-- [start:lesson-not-redis]
@pytest.mark.lesson(step=7)
def test_what_answers_on_redis_port_but_is_not_redis_costs_no_errors(
    idp, mint_token, get_me, settings
):
    with garbled_redis_server() as url:
        # Every way the step reaches Redis leads there.
        settings.REDIS_URL = settings.JWKS_REDIS_URL = url
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}

        statuses = [get_me(mint_token()).status_code for _ in range(3)]

    assert statuses == [200] * 3


# --8<-- [end:lesson-not-redis]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
