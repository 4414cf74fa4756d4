"""What the cache leaves in Redis: the JWKS and its download time, under one key."""

import json

import pytest
import redis


# --8<-- [start:lesson-in-redis]
@pytest.mark.lesson(step=3)
def test_the_jwks_sits_in_redis_until_it_expires(
    idp, mint_token, get_me, redis_url, settings
):
    # CachingJWKClient is new in step 03, so imported here.
    from core.jwks import CachingJWKClient
    from core.shared_cache import shared_cache

    assert get_me(mint_token()).status_code == 200

    # A plain redis-py client looks under the key the shared cache builds from
    # the client's (Django's scheme: the run's KEY_PREFIX, version 2).
    key = shared_cache.key(CachingJWKClient(idp.jwks_url).cache_key)
    plain_redis = redis.Redis.from_url(redis_url)
    stored = plain_redis.get(key)

    assert stored is not None, f"nothing in Redis under {key!r}"
    # JSON, then ":" and the integrity tag (step 10).
    entry = json.loads(stored.decode().rpartition(":")[0])
    assert entry["jwks"] == idp.jwks()
    # Fresh for entry["fresh_for"] after entry["downloaded_at"]; kept for
    # longer, to be served stale while the provider fails.
    kept_for = entry["fresh_for"] + settings.JWKS_STALE_SECONDS
    assert 0 < plain_redis.ttl(key) <= kept_for


# --8<-- [end:lesson-in-redis]
