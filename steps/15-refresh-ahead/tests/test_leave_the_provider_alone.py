"""A provider that fails is left alone for a cooldown, by the whole fleet.

While it fails, the stale set serves (step 08), and asking the provider again on
every request only adds its timeout to each one. A kid the set lacks cannot be
looked up meanwhile: the token may be signed with a key just published, so its
answer is 503 ("try again"), every time, never a 401 ("bad token").
"""

import time

import pytest

from tutorial.kit.idp import Fault
from tutorial.kit.net import free_port

REQUESTS = 10


def wait_for(condition, seconds: float = 30) -> bool:
    """Whether ``condition()`` holds within ``seconds``: a thread may be at work."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(params=["Redis up", "Redis down"])
def redis_up_or_down(request, settings) -> str:
    """The test once with the suite's Redis, and once with a Redis that is gone."""
    if request.param == "Redis down":
        settings.JWKS_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    return request.param


# --8<-- [start:lesson-new-kid]
@pytest.mark.lesson(step=9)
def test_a_new_kid_while_the_provider_fails_gets_503_each_time(
    idp, mint_token, get_me, redis_up_or_down
):
    assert get_me(mint_token()).status_code == 200  # a good set, in hand
    idp.fault = Fault.SERVER_ERROR
    downloads_before = idp.downloads

    # Tokens naming a kid the set lacks: perhaps signed with a key just
    # published, which nobody can fetch while the provider fails.
    answers = [get_me(mint_token(kid=f"maybe-new-{n}")) for n in range(REQUESTS)]

    assert [answer.status_code for answer in answers] == [503] * REQUESTS
    assert all(int(answer["Retry-After"]) > 0 for answer in answers)
    # One try, then the provider is left alone for the cooldown.
    assert idp.downloads - downloads_before == 1
    assert get_me(mint_token()).status_code == 200  # the good set serves on


# --8<-- [end:lesson-new-kid]


# --8<-- [start:lesson-once-per-cooldown]
@pytest.mark.lesson(step=9)
def test_a_failing_provider_is_asked_once_per_cooldown(
    idp, mint_token, get_me, settings
):
    settings.JWKS_CACHE_SECONDS = 1
    token = mint_token()
    assert get_me(token).status_code == 200
    idp.fault = Fault.SERVER_ERROR
    time.sleep(1.2)  # the set is stale from now on: a download is due
    downloads_before = idp.downloads

    statuses = [get_me(token).status_code for _ in range(REQUESTS)]

    assert statuses == [200] * REQUESTS  # the stale set
    tried = wait_for(lambda: idp.downloads > downloads_before)  # perhaps behind
    assert tried and idp.downloads - downloads_before == 1  # one try, not one each


# --8<-- [end:lesson-once-per-cooldown]


def test_once_the_cooldown_is_over_the_provider_is_asked_again(
    idp, mint_token, get_me, settings
):
    settings.JWKS_CACHE_SECONDS, settings.JWKS_MIN_REFRESH_SECONDS = 1, 1
    token = mint_token()
    assert get_me(token).status_code == 200
    idp.fault = Fault.SERVER_ERROR
    time.sleep(1.2)
    assert get_me(token).status_code == 200  # stale; the try failed
    idp.fault = Fault.NONE
    time.sleep(1.2)  # the cooldown is over

    assert get_me(mint_token(kid=idp.rotate().kid)).status_code == 200
