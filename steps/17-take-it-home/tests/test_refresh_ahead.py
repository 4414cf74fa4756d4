"""Refresh ahead: one worker downloads the next set while every request is answered.

The sets here are fresh for a few seconds, and due for a refresh in their last
half (JWKS_REFRESH_AHEAD_SECONDS, at most half a set's life). The provider holds
each download until the test releases it, so a request made meanwhile shows
whether it waited: a request that waited would get a 503.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tutorial.kit.idp import Fault, IdentityProvider
from tutorial.kit.net import get_me_over_http
from tutorial.kit.stack import provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
# Generous: how long a started refresh may take to reach the provider on a busy
# laptop. A step that never refreshes ahead fails after it; none passes sooner.
REACH_SECONDS = 30


def eventually(condition: Callable[[], bool], seconds: float = REACH_SECONDS) -> bool:
    """Whether ``condition()`` holds within ``seconds``: another thread acts."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def soon_due(settings):
    # Fresh for 2 s, and due for a refresh in its last second.
    settings.JWKS_CACHE_SECONDS = 2
    settings.JWKS_REFRESH_AHEAD_SECONDS = 2
    # A request that waited for the provider would get a 503 after this long.
    settings.JWKS_FETCH_TIMEOUT = 5


def counted(name: str) -> int:
    """This process's count, as its log line says it: ``waited_for_download=1``."""
    from jwks_cache.counters import counts

    return int(str(counts).split(f"{name}=")[1].split()[0])


def until_the_refresh_reaches_the_provider(idp, get_me, token: str) -> None:
    """Requests until one finds the set due, and its refresh reaches the provider."""
    deadline = time.monotonic() + REACH_SECONDS
    while idp.downloads < 2:
        assert time.monotonic() < deadline, "no refresh reached the provider"
        assert get_me(token).status_code == 200
        time.sleep(0.05)


# --8<-- [start:lesson-refresh-ahead]
@pytest.mark.lesson(step=15)
def test_a_request_during_a_refresh_is_answered_with_the_set_in_hand(
    idp, mint_token, get_me, soon_due
):
    token = mint_token()
    waited_before = counted("waited_for_download")
    assert get_me(token).status_code == 200  # the first download: a cold start
    assert counted("waited_for_download") == waited_before + 1  # it had to wait
    refreshed_before = counted("refreshed_ahead")
    idp.hold()  # from now on, each download waits for idp.release()

    until_the_refresh_reaches_the_provider(idp, get_me, token)
    answers = [get_me(token).status_code for _ in range(5)]  # the provider holds
    idp.release()

    assert answers == [200] * 5
    assert eventually(lambda: counted("refreshed_ahead") == refreshed_before + 1)
    assert idp.downloads == 2  # one refresh
    assert counted("waited_for_download") == waited_before + 1  # none waited since


# --8<-- [end:lesson-refresh-ahead]


@pytest.mark.lesson(step=15)
def test_a_worker_that_starts_on_a_stale_set_does_not_wait(
    idp, mint_token, get_me, soon_due, settings
):
    token = mint_token()
    assert get_me(token).status_code == 200  # a worker fills Redis
    time.sleep(2.2)  # the set in Redis is stale from now on
    idp.hold()
    # A changed setting makes a new client: this process is a worker just started.
    settings.JWKS_FETCH_TIMEOUT = 60  # a request that waited would hang a minute

    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(get_me, token)
        answered_while_held = eventually(answer.done)
        idp.release()

    assert answered_while_held, "the new worker's first request waited for the provider"
    assert answer.result().status_code == 200


@pytest.mark.lesson(step=15)
def test_a_set_is_due_only_in_the_last_half_of_its_life(
    idp, mint_token, get_me, settings
):
    settings.JWKS_CACHE_SECONDS = 4  # fresh for 4 s...
    settings.JWKS_REFRESH_AHEAD_SECONDS = 3600  # ...with a window far longer
    token = mint_token()
    started = time.time()  # the set is downloaded after this
    assert get_me(token).status_code == 200
    refreshed_before = counted("refreshed_ahead")
    idp.hold()  # a request that waited for the refresh would fail

    until_the_refresh_reaches_the_provider(idp, get_me, token)
    idp.release()

    # Not before half its life: a set just downloaded is never due.
    assert time.time() - started >= 2, "the refresh started as the set arrived"
    assert eventually(lambda: counted("refreshed_ahead") == refreshed_before + 1)


@pytest.mark.lesson(step=15)
def test_past_its_stale_cap_a_set_never_answers(idp, mint_token, get_me, settings):
    settings.JWKS_CACHE_SECONDS = settings.JWKS_REFRESH_AHEAD_SECONDS = 1
    settings.JWKS_MIN_CACHE_SECONDS = settings.JWKS_IN_PROCESS_SECONDS = 1
    settings.JWKS_STALE_SECONDS = 0  # its cap is the end of its freshness
    token = mint_token()
    assert get_me(token).status_code == 200
    refreshed_before = counted("refreshed_ahead")
    idp.fault = Fault.SERVER_ERROR

    time.sleep(1.5)  # no request in the window: the set is past its cap
    answers = [get_me(token).status_code for _ in range(3)]

    assert answers == [503] * 3  # never the set in hand, refresh under way or not
    assert counted("refreshed_ahead") == refreshed_before


def test_a_failed_refresh_leaves_the_set_in_use(idp, mint_token, get_me, soon_due):
    token = mint_token()
    assert get_me(token).status_code == 200
    idp.fault = Fault.SERVER_ERROR

    until_the_refresh_reaches_the_provider(idp, get_me, token)
    assert get_me(token).status_code == 200  # the set in use, stale or not
    assert idp.downloads == 2  # the next try waits for the cooldown


@pytest.mark.parametrize(
    ("worker_options", "threads"),
    [(("--preload",), 1), ((), 4), (("--worker-class", "gevent"), 1)],
    ids=["sync workers forked after import", "gthread", "gevent"],
)
def test_a_fleet_refreshes_once_while_every_request_is_answered(
    mint_token, private_redis_url, worker_options, threads
):
    idp = IdentityProvider()
    env = {
        "REDIS_URL": private_redis_url,
        "JWKS_CACHE_SECONDS": "4",
        "JWKS_REFRESH_AHEAD_SECONDS": "4",
    }
    with (
        idp,
        run_gunicorn(
            STEP_DIR,
            env={**provider_env(idp), **env},
            workers=3,
            threads=threads,
            extra_args=worker_options,
        ) as server,
    ):
        token = idp.mint_token()
        assert get_me_over_http(server.port, token) == 200  # the cold start
        idp.hold()
        statuses: list[int] = []
        deadline = time.monotonic() + REACH_SECONDS
        with ThreadPoolExecutor(max_workers=6) as pool:
            # Until the set is due, and a refresh reaches the provider, which holds it.
            while idp.downloads < 2:
                assert time.monotonic() < deadline, "no refresh reached the provider"
                statuses += pool.map(
                    lambda _: get_me_over_http(server.port, token), range(12)
                )
            statuses += pool.map(
                lambda _: get_me_over_http(server.port, token), range(30)
            )
        assert set(statuses) == {200}  # every one answered while the provider held
        idp.release()
        assert get_me_over_http(server.port, token) == 200

    assert idp.downloads == 2  # the cold start, and one refresh for the fleet
