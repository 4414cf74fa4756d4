"""Loopback for tests: a free port, waiting for a server to listen, and calling the API on it."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request

ME_PATH = "/api/v1/me"


def free_port() -> int:
    """A port nothing listens on right now, for a server a test is about to start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until_serving(port: int, process: subprocess.Popen | None = None, seconds: float = 30) -> None:
    """Return once something listens on ``port``; fail early if ``process`` exits first."""
    deadline = time.monotonic() + seconds
    while not port_is_open(port):
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with code {process.returncode} before listening on port {port}")
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing listens on port {port} after {seconds} seconds")
        time.sleep(0.1)


def get_me_over_http(port: int, token: str) -> int:
    """The status of ``GET /api/v1/me`` on a real server at ``127.0.0.1:port`` (gunicorn, say)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{ME_PATH}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
