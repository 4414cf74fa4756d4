"""What the commands print, and how a command in the foreground stops.

A line at once, a count in words, one line for a failure; and, for the servers
that run until Ctrl-C, lines printed whole from any thread and a stop event.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def announce(line: str) -> None:
    print(line, flush=True)  # at once, also through a pipe or `tee`


def count_of(number: int, thing: str) -> str:
    """``1 JWKS download``, ``3 JWKS downloads``, ``1,200 requests``."""
    return f"{number:,} {thing}" + ("" if number == 1 else "s")


# Ctrl-C, `kill`, and a closed terminal all stop a foreground server cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


POLL_SECONDS = 0.2


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


class Printer:
    """Prints whole lines at once, from any thread, and flushes each one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def clock() -> str:
    return time.strftime("%H:%M:%S")


@contextmanager
def stop_requested() -> Iterator[threading.Event]:
    """An event that Ctrl-C, SIGTERM or SIGHUP sets while the block runs.

    Waiting on it with a timeout (rather than for ever) lets the main thread run
    the signal handler even when the signal was delivered to another thread.
    """
    stopped = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stopped.set()

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield stopped
    finally:
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)
