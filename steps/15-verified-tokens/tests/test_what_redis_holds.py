"""Whatever Redis holds, and whatever it has lost, a valid token gets 200.

Two faults that are not an outage: Redis answers, but with a value of another
type under the key set's key (a hash, say), or with nothing at all because it
was restarted empty. Neither may pass for an outage, and neither may cost a
worker that still holds a usable key set its answer, even while the provider
fails too.
"""

from pathlib import Path

import pytest
import redis

from core.shared_cache import shared_cache
from tutorial.kit.net import get_me_over_http
from tutorial.kit.redis import delete_keys
from tutorial.kit.stack import provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
OUTAGE_WARNING = "Redis is unreachable"


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
    assert idp.downloads == 1  # by the set this worker held: no download


def test_redis_restarted_empty_while_the_provider_fails_is_no_503(
    idp, mint_token, get_me, redis_url, test_key_prefix, every_request_reads_redis
):
    token = mint_token()
    assert get_me(token).status_code == 200

    delete_keys(redis_url, f"{test_key_prefix}:*")  # what a restart loses
    idp.stop()

    # This worker still holds the set it used a moment ago.
    assert get_me(token).status_code == 200


def test_a_cold_fleet_replaces_a_planted_hash_with_one_download(
    idp, mint_token, private_redis_url
):
    token = mint_token()
    env = {**provider_env(idp), "REDIS_URL": private_redis_url}
    with run_gunicorn(STEP_DIR, env=env, workers=1) as server:
        assert get_me_over_http(server.port, token) == 200
    client = redis.Redis.from_url(private_redis_url)
    key = key_holding(client, "*", idp.current_key.kid)
    plant_a_hash(client, key)

    with run_gunicorn(STEP_DIR, env=env, workers=4) as server:  # cold workers
        statuses = [get_me_over_http(server.port, token) for _ in range(20)]

    assert statuses == [200] * 20
    assert idp.downloads == 2  # the warm-up's, and the one that replaced the hash
    assert client.type(key) == b"string"
    assert OUTAGE_WARNING not in server.log_text()
    client.close()
