"""Django's cache is now a real Redis server: what the cache stores, Redis holds."""

import pickle

import pytest
import redis
from django.core.cache import cache


# --8<-- [start:lesson-round-trip]
@pytest.mark.lesson(step=1)
def test_a_cached_value_lives_in_redis(redis_url):
    cache.set("greeting", {"hello": "world"}, timeout=60)

    # A plain redis-py client, knowing nothing about Django, finds the value
    # under the key Django builds: "<KEY_PREFIX>:<VERSION>:greeting".
    plain_redis = redis.Redis.from_url(redis_url)
    stored = plain_redis.get(cache.make_key("greeting"))

    assert stored is not None, "the value is not in Redis"
    assert pickle.loads(stored) == {"hello": "world"}  # Django pickles what it stores
    assert 0 < plain_redis.ttl(cache.make_key("greeting")) <= 60
    assert cache.get("greeting") == {"hello": "world"}


# --8<-- [end:lesson-round-trip]
