"""Loopback: a free port, waiting until a server answers, and calling the API on it.

A server is ready when it answers an HTTP request, not when its port opens: gunicorn's
master listens long before its workers have imported Django. The deadlines are what we
can afford to wait when something is wrong, never a speed we expect: a laptop busy with
other work (a load average of 5 to 9) takes seconds to import Django in a cold worker.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from tutorial.kit.processes import POLL_SECONDS, NotReady, wait_until_ready

ME_PATH = "/api/v1/me"
STARTUP_SECONDS = 120
REQUEST_SECONDS = 60
# One try waits at most this long, so that a server that exits is noticed.
TRY_SECONDS = 10

# Loopback never goes through the HTTP proxy a learner may have configured.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A port nothing listens on right now, for a server a test is about to start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    """Whether something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def http_status(
    url: str, *, headers: dict[str, str] | None = None, timeout: float = REQUEST_SECONDS
) -> int:
    """The status of ``GET url``, whatever it is; ``OSError`` if nothing answers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def try_timeout(deadline: float) -> float:
    """How long one try may wait: at most TRY_SECONDS, never past ``deadline``."""
    return max(min(deadline - time.monotonic(), TRY_SECONDS), POLL_SECONDS)


def wait_until_answering(
    url: str,
    *,
    process: subprocess.Popen | None = None,
    seconds: float = STARTUP_SECONDS,
    log: Callable[[], str] | None = None,
) -> int:
    """Return the status of the first answer to ``GET url``, whatever the status.

    Fails early if ``process`` (the server) exits: ``ServerDidNotStart`` names the
    URL and the deadline, and carries ``log()``, the server's output.
    """
    deadline = time.monotonic() + seconds

    def answer() -> int:
        try:
            return http_status(url, timeout=try_timeout(deadline))
        except (OSError, http.client.HTTPException) as error:
            raise NotReady(describe(error)) from error

    return wait_until_ready(answer, what=url, seconds=seconds, process=process, log=log)


def describe(error: BaseException) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return str(reason) or type(reason).__name__


def get_me_over_http(port: int, token: str) -> int:
    """The status of ``GET /api/v1/me`` on a real server at ``127.0.0.1:port``."""
    url = f"http://127.0.0.1:{port}{ME_PATH}"
    return http_status(url, headers={"Authorization": f"Bearer {token}"})


# What an Authorization header may be sent as: bytes go out untouched.
Authorization = str | bytes | None


@dataclass(frozen=True)
class Answer:
    """What the API answered one request: its status (None: no answer at all)."""

    status: int | None
    retry_after: str | None = None


def get_me(port: int, authorization: Authorization) -> Answer:
    """``GET /api/v1/me`` with this ``Authorization`` header, sent as it is.

    Bytes go out untouched (non-ASCII included), which a higher-level client
    would refuse to send.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        connection.putrequest("GET", ME_PATH)
        if authorization is not None:
            connection.putheader("Authorization", authorization)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return Answer(response.status, response.getheader("Retry-After"))
    except (OSError, http.client.HTTPException):
        return Answer(None)
    finally:
        connection.close()
