"""Servers where Redis should be that do not behave as Redis: one that never answers
(a Redis that hangs), and one that answers every command with bytes no Redis sends
(a proxy gone wrong, or another service on Redis's port)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A bulk string whose length is not a number: redis-py, reading it, raises a
# ValueError of Python's, not one of its RedisErrors.
GARBLED_REPLY = b"$abc\r\n"
POLL_SECONDS = 0.1  # how soon the server notices that its block has ended


@contextmanager
def hanging_redis_server() -> Iterator[str]:
    """The URL of a port that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=128) as listener:
        # The kernel accepts; nobody ever reads or answers.
        yield f"redis://:any-password@127.0.0.1:{listener.getsockname()[1]}/0"


@contextmanager
def garbled_redis_server(reply: bytes = GARBLED_REPLY) -> Iterator[str]:
    """The URL of a server on a free port that answers anything with ``reply``."""
    stopped = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(POLL_SECONDS)
        server = threading.Thread(
            target=_serve, args=(listener, reply, stopped), daemon=True
        )
        server.start()
        try:
            yield f"redis://:any-password@127.0.0.1:{listener.getsockname()[1]}/0"
        finally:
            stopped.set()
            server.join()


def _serve(listener: socket.socket, reply: bytes, stopped: threading.Event) -> None:
    while not stopped.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(
            target=_answer, args=(connection, reply, stopped), daemon=True
        ).start()


def _answer(connection: socket.socket, reply: bytes, stopped: threading.Event) -> None:
    connection.settimeout(POLL_SECONDS)
    with connection:
        while not stopped.is_set():
            try:
                if not connection.recv(65536):
                    return  # the client hung up
                connection.sendall(reply)
            except TimeoutError:
                continue
            except OSError:
                return
