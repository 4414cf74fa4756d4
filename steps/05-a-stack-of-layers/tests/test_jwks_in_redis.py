"""What the cache leaves in Redis: the key set, in one key, for JWKS_CACHE_SECONDS."""

import pickle

import pytest

from tutorial.kit.redis import keys_holding


# --8<-- [start:lesson-in-redis]
@pytest.mark.lesson(step=3)
def test_the_jwks_sits_in_redis_until_it_expires(
    idp, mint_token, get_me, plain_redis, test_key_prefix, settings
):
    assert get_me(mint_token()).status_code == 200

    # Found by what it holds: the provider's kid, in one key of this test run's.
    kid = idp.current_key.kid.encode()
    [key] = keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*")
    jwks, _ = pickle.loads(plain_redis.get(key))  # Django's cache pickles

    assert jwks == idp.jwks()
    assert 0 < plain_redis.ttl(key) <= settings.JWKS_CACHE_SECONDS


# --8<-- [end:lesson-in-redis]
