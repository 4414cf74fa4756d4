"""Refresh ahead: one worker downloads the next set while every request is answered.

No clock to wait for: with JWKS_REFRESH_AHEAD_SECONDS twice as long as the set
stays fresh (each process starts in the last 50 to 100 % of that window), every
set is due for a refresh the moment it is downloaded. The provider
holds each download until the test releases it, so a request made meanwhile
shows whether it waited.
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
REACH_SECONDS = 10


def eventually(condition: Callable[[], bool], seconds: float = REACH_SECONDS) -> bool:
    """Whether ``condition()`` holds within ``seconds``: another thread acts."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def due_at_once(settings):
    settings.JWKS_REFRESH_AHEAD_SECONDS = 2 * settings.JWKS_CACHE_SECONDS


def counters() -> str:
    from core.jwks import jwks_client

    return str(jwks_client().counters)


def refreshing() -> bool:
    from core.jwks import jwks_client

    return jwks_client().refreshing.locked()


# --8<-- [start:lesson-refresh-ahead]
@pytest.mark.lesson(step=14)
def test_a_request_during_a_refresh_is_answered_with_the_set_in_hand(
    idp, mint_token, get_me, due_at_once
):
    token = mint_token()
    assert get_me(token).status_code == 200  # the first download: a cold start
    idp.hold()  # from now on, each download waits for idp.release()

    assert get_me(token).status_code == 200  # due: a refresh starts, behind it
    assert eventually(lambda: idp.downloads == 2), "no refresh reached the provider"
    assert get_me(token).status_code == 200  # while the provider holds it
    idp.release()

    assert eventually(lambda: "refreshed_ahead=1" in counters())
    assert idp.downloads == 2  # one refresh: the next waits for the cooldown
    assert "waited_for_download=1" in counters()  # the cold start, only


# --8<-- [end:lesson-refresh-ahead]


def test_a_failed_refresh_leaves_the_set_in_use_and_its_download_time(
    idp, mint_token, get_me, due_at_once
):
    from core.jwks import copies_here

    token = mint_token()
    assert get_me(token).status_code == 200
    downloaded_at = copies_here[idp.jwks_url].downloaded_at
    idp.fault = Fault.SERVER_ERROR

    assert get_me(token).status_code == 200  # starts the refresh, which fails
    assert eventually(lambda: idp.downloads == 2)
    assert eventually(lambda: not refreshing())  # the failure handled

    assert get_me(token).status_code == 200  # the set in use, as it was
    assert copies_here[idp.jwks_url].downloaded_at == downloaded_at
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
        "JWKS_CACHE_SECONDS": "300",
        "JWKS_REFRESH_AHEAD_SECONDS": "600",
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
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(
                pool.map(lambda _: get_me_over_http(server.port, token), range(30))
            )
        assert statuses == [200] * 30  # every one answered while the provider held
        assert eventually(lambda: idp.downloads == 2)
        idp.release()
        assert get_me_over_http(server.port, token) == 200

    assert idp.downloads == 2  # the cold start, and one refresh for the fleet
