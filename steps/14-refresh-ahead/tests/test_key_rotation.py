"""The provider rotates its signing key: tokens signed with the new key are accepted.

The trap of steps 03-04: a token names a key (its ``kid``) that the cached key
set lacks, and nothing looks past the cache, so the token is refused for as long
as the set stays cached. PyJWT would refresh, but its refresh ends in our
``fetch_data``, which answers from the cache.
"""

import pytest
import redis

from core.jwks import CachingJWKClient
from core.shared_cache import shared_cache
from tutorial.kit.idp import Fault


# --8<-- [start:lesson-rotation]
@pytest.mark.lesson(step=5)
def test_a_token_signed_with_a_rotated_key_is_accepted(idp, mint_token, get_me):
    assert get_me(mint_token(sub="before")).status_code == 200  # the set is cached
    idp.rotate()  # a new key signs from now on; the cached set lacks it

    response = get_me(mint_token(sub="after-the-rotation"))

    assert response.status_code == 200, response.content
    assert response.json()["sub"] == "after-the-rotation"
    assert idp.downloads == 2  # the set, then one refresh
    # The refresh replaced the shared entry: the next request, in any worker,
    # finds the new key in Redis and downloads nothing.
    assert get_me(mint_token(sub="later")).status_code == 200
    assert idp.downloads == 2


# --8<-- [end:lesson-rotation]


# --8<-- [start:lesson-unknown-kid]
@pytest.mark.lesson(step=5)
def test_an_unknown_kid_seen_twice_costs_no_second_download(
    idp, mint_token, get_me, settings
):
    # No cooldown: only the memory of this kid can spare the second download.
    settings.JWKS_MIN_REFRESH_SECONDS = 0
    assert get_me(mint_token()).status_code == 200
    token = mint_token(kid="nobody-publishes-this")

    assert get_me(token).status_code == 401
    assert idp.downloads == 2  # the set, then one refresh: it might be a rotation

    assert get_me(token).status_code == 401
    assert idp.downloads == 2  # remembered as unknown: no refresh this time


# --8<-- [end:lesson-unknown-kid]


def test_the_cooldown_is_one_redis_key_that_expires(
    idp, mint_token, get_me, redis_url, settings
):
    assert get_me(mint_token(kid="not-published")).status_code == 401

    cooldown_key = shared_cache.key(CachingJWKClient(idp.jwks_url).refresh_cooldown_key)
    ttl = redis.Redis.from_url(redis_url).ttl(cooldown_key)
    assert 0 < ttl <= settings.JWKS_MIN_REFRESH_SECONDS


def test_within_the_cooldown_an_unknown_kid_costs_nothing(idp, mint_token, get_me):
    assert get_me(mint_token(kid="first-unknown-kid")).status_code == 401
    assert idp.downloads == 2  # the set, then the refresh that starts the cooldown

    assert get_me(mint_token(kid="second-unknown-kid")).status_code == 401
    assert idp.downloads == 2


def test_a_failed_refresh_leaves_the_cached_set_alone(idp, mint_token, get_me):
    assert get_me(mint_token()).status_code == 200
    idp.fault = Fault.EMPTY_KEY_SET

    # The refresh gets a useless answer: the token cannot be checked (503, not
    # 401), and the set in Redis is not replaced by it.
    response = get_me(mint_token(kid="maybe-a-new-key"))
    assert response.status_code == 503, response.content
    assert get_me(mint_token()).status_code == 200
    assert idp.downloads == 2
