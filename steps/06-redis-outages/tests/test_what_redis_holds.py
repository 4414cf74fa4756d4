"""What Redis holds that this step did not write is no outage.

Redis answers, but with a value of another type under the key set's key (a
hash, say): it is refused and replaced, and a valid token gets 200.
"""

import pytest
import redis

from core.shared_cache import shared_cache


def key_holding(client: redis.Redis, pattern: str, kid: str) -> bytes:
    """The one key matching ``pattern`` whose value holds ``kid``: the key set's."""
    [key] = [
        key
        for key in client.scan_iter(match=pattern)
        if client.type(key) == b"string" and kid.encode() in client.get(key)
    ]
    return key


def plant_a_hash(client: redis.Redis, key: bytes) -> None:
    client.delete(key)
    client.hset(key, "planted", "not a key set")


@pytest.fixture
def plain_redis(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def every_request_reads_redis(settings):
    # From the two-tiers step on, a process answers from memory for a while.
    settings.JWKS_IN_PROCESS_SECONDS = 0


def test_a_hash_under_the_key_sets_key_is_no_outage(
    idp, mint_token, get_me, plain_redis, test_key_prefix, every_request_reads_redis
):
    token = mint_token()
    assert get_me(token).status_code == 200
    key = key_holding(plain_redis, f"{test_key_prefix}:*", idp.current_key.kid)
    plant_a_hash(plain_redis, key)

    assert get_me(token).status_code == 200
    assert not shared_cache.is_down
    assert plain_redis.type(key) == b"string"  # refused, and replaced
    assert idp.downloads == 2
