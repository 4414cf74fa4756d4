"""The servers the tutorial starts: waiting until one is ready, and stopping it.

One readiness loop and one stopper, for Redis, gunicorn and the bench's helpers.
Ready means an answer (PING, an HTTP status), never an open port. The deadlines are
what we can afford to wait when something is wrong, never a speed we expect.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

POLL_SECONDS = 0.1

Ready = TypeVar("Ready")


class ServerDidNotStart(RuntimeError):
    """A server exited, or did not answer, in time; the message carries its log."""


class NotReady(Exception):
    """Raised by a readiness check: not yet, and why (kept for the final message)."""


def wait_until_ready(
    check: Callable[[], Ready],
    *,
    what: str,
    seconds: float,
    process: subprocess.Popen | None = None,
    log: Callable[[], str] | None = None,
) -> Ready:
    """What ``check()`` returns, called until it stops raising ``NotReady``.

    ``ServerDidNotStart`` names ``what``, the deadline and the last reason, with
    ``log()`` (the server's output), as soon as ``process`` exits or the deadline
    passes.
    """
    deadline = time.monotonic() + seconds
    last_try = "not tried yet"
    while True:
        if process is not None and process.poll() is not None:
            code = process.returncode
            problem = f"the server exited with code {code} before {what} answered"
            raise ServerDidNotStart(with_log(problem, log))
        if time.monotonic() >= deadline:
            problem = f"{what} did not answer within {seconds:g} seconds"
            raise ServerDidNotStart(with_log(f"{problem} (last try: {last_try})", log))
        try:
            return check()
        except NotReady as reason:
            last_try = str(reason)
        time.sleep(POLL_SECONDS)


def with_log(problem: str, log: Callable[[], str] | None) -> str:
    if log is None:
        return problem
    return f"{problem}. The server's output:\n{log().rstrip() or '(nothing)'}"


def stop_process(
    process: subprocess.Popen, seconds: float, *, ctrl_c: bool = False
) -> None:
    """Stop it as a service manager would (SIGTERM), or as Ctrl-C in its terminal would
    (``ctrl_c``: SIGINT to its process group); SIGKILL to the group after ``seconds``.

    The group is the process and its children (gunicorn's workers, say); it needs
    the process started with ``start_new_session=True``.
    """
    if process.poll() is None:
        if ctrl_c:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        kill_group(process)


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the group is gone already
    process.wait()
