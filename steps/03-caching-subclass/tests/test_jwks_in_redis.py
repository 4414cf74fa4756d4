"""What the cache leaves in Redis: the JWKS, under one key, for JWKS_CACHE_SECONDS."""

import pickle

import pytest
import redis


# --8<-- [start:lesson-in-redis]
@pytest.mark.lesson(step=3)
def test_the_jwks_sits_in_redis_until_it_expires(
    idp, mint_token, get_me, redis_url, test_key_prefix, settings
):
    assert get_me(mint_token()).status_code == 200

    # Look with a plain redis-py client at everything this test run has written.
    plain_redis = redis.Redis.from_url(redis_url)
    keys = list(plain_redis.scan_iter(match=f"{test_key_prefix}:*"))

    assert len(keys) == 1, keys
    [key] = keys
    assert pickle.loads(plain_redis.get(key)) == idp.jwks()
    assert (
        settings.JWKS_CACHE_SECONDS - 5
        <= plain_redis.ttl(key)
        <= settings.JWKS_CACHE_SECONDS
    )


# --8<-- [end:lesson-in-redis]
