"""What the cache leaves in Redis: the JWKS, under one key, for JWKS_CACHE_SECONDS."""

import pickle

import pytest
import redis
from django.core.cache import cache


# --8<-- [start:lesson-in-redis]
@pytest.mark.lesson(step=3)
def test_the_jwks_sits_in_redis_until_it_expires(
    idp, mint_token, get_me, redis_url, settings
):
    # CachingJWKClient is new in step 03, so imported here.
    from core.jwks import CachingJWKClient

    assert get_me(mint_token()).status_code == 200

    # A plain redis-py client looks under the key Django builds from the client's.
    key = cache.make_key(CachingJWKClient(idp.jwks_url).cache_key)
    plain_redis = redis.Redis.from_url(redis_url)
    stored = plain_redis.get(key)

    assert stored is not None, f"nothing in Redis under {key!r}"
    assert pickle.loads(stored) == idp.jwks()
    assert 0 < plain_redis.ttl(key) <= settings.JWKS_CACHE_SECONDS


# --8<-- [end:lesson-in-redis]
