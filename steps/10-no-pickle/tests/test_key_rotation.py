"""The provider rotates its signing key: tokens signed with the new key are accepted.

The trap of steps 03-04: a token names a key (its ``kid``) that the cached key
set lacks, and nothing looks past the cache, so the token is refused for as long
as the set stays cached. A kid the set lacks may also be junk: one refresh per
cooldown, for the whole fleet, looks for it.
"""

import pytest

from tutorial.kit.idp import Fault


# --8<-- [start:lesson-rotation]
@pytest.mark.lesson(step=6)
def test_a_token_signed_with_a_rotated_key_is_accepted(idp, mint_token, get_me):
    assert get_me(mint_token(sub="before")).status_code == 200  # the set is cached
    idp.rotate()  # a new key signs from now on; the cached set lacks it

    response = get_me(mint_token(sub="after-the-rotation"))

    assert response.status_code == 200, response.content
    assert response.json()["sub"] == "after-the-rotation"
    assert idp.downloads == 2  # the set, then one refresh
    # The refresh replaced the shared set: the next request, in any worker,
    # finds the new key in Redis and downloads nothing.
    assert get_me(mint_token(sub="later")).status_code == 200
    assert idp.downloads == 2


# --8<-- [end:lesson-rotation]


# --8<-- [start:lesson-unknown-kid]
@pytest.mark.lesson(step=6)
def test_within_the_cooldown_unknown_kids_cost_no_download(idp, mint_token, get_me):
    assert get_me(mint_token()).status_code == 200

    assert get_me(mint_token(kid="first-unknown-kid")).status_code == 401
    assert idp.downloads == 2  # the set, then a refresh: it might be a rotation

    assert get_me(mint_token(kid="first-unknown-kid")).status_code == 401
    assert get_me(mint_token(kid="second-unknown-kid")).status_code == 401
    assert idp.downloads == 2  # the cooldown: that refresh found what there is


@pytest.mark.lesson(step=6)
def test_pyjwts_own_get_signing_key_finds_a_rotated_key(idp):
    from core.jwks import CachingJWKClient

    client = CachingJWKClient(idp.jwks_url)
    client.get_signing_keys()  # the set, cached
    new_key = idp.rotate()

    # PyJWT asks get_jwk_set(refresh=True) for a kid its set lacks.
    assert client.get_signing_key(new_key.kid).key_id == new_key.kid
    assert idp.downloads == 2


# --8<-- [end:lesson-unknown-kid]


def test_the_cooldown_is_one_redis_key_that_expires(
    idp, mint_token, get_me, plain_redis, test_key_prefix, settings
):
    assert get_me(mint_token(kid="not-published")).status_code == 401

    [key] = plain_redis.scan_iter(match=f"{test_key_prefix}:*cooldown*")
    assert 0 < plain_redis.ttl(key) <= settings.JWKS_MIN_REFRESH_SECONDS


def test_once_the_cooldown_is_over_an_unknown_kid_is_looked_for_again(
    idp, mint_token, get_me, settings
):
    settings.JWKS_MIN_REFRESH_SECONDS = 0  # no cooldown at all
    assert get_me(mint_token()).status_code == 200
    token = mint_token(kid="nobody-publishes-this")

    assert get_me(token).status_code == 401
    assert get_me(token).status_code == 401
    assert idp.downloads == 3  # the set, then a refresh for each


def test_a_failed_refresh_leaves_the_cached_set_alone(idp, mint_token, get_me):
    assert get_me(mint_token()).status_code == 200
    idp.fault = Fault.EMPTY_KEY_SET

    # The refresh gets a useless answer: the token cannot be checked (503, not
    # 401), and the set in Redis is not replaced by it.
    response = get_me(mint_token(kid="maybe-a-new-key"))
    assert response.status_code == 503, response.content
    assert get_me(mint_token()).status_code == 200
    assert idp.downloads == 2
