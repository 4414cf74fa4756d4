"""tutorial/kit/net.py: free ports, and waiting until a server answers HTTP."""

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tutorial.kit.net import (
    free_port,
    get_me_over_http,
    port_is_open,
    wait_until_answering,
)
from tutorial.kit.processes import ServerDidNotStart

ANSWER_401 = (
    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
)


@contextmanager
def listener() -> Iterator[socket.socket]:
    """A port that accepts connections and never answers, like gunicorn's master
    before its workers have imported Django."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def answer_once(sock: socket.socket, requests: list[bytes]) -> None:
    connection, _ = sock.accept()
    with connection:
        requests.append(connection.recv(4096))
        connection.sendall(ANSWER_401)


def test_a_free_port_is_closed_until_something_listens():
    port = free_port()
    assert not port_is_open(port)

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert port_is_open(port)


def test_an_open_port_is_not_ready_until_it_answers():
    with listener() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1/me"
        with pytest.raises(ServerDidNotStart) as failure:
            wait_until_answering(url, seconds=1, log=lambda: "still importing Django")

    message = str(failure.value)
    assert f"{url} did not answer within 1 seconds" in message
    assert message.endswith("The server's output:\nstill importing Django")


def test_any_status_is_an_answer():
    with listener() as sock:
        port = sock.getsockname()[1]
        requests: list[bytes] = []
        thread = threading.Thread(target=answer_once, args=(sock, requests))
        thread.start()
        status = wait_until_answering(f"http://127.0.0.1:{port}/api/v1/me", seconds=60)
        thread.join(timeout=60)

    assert status == 401
    [request] = requests
    assert request.startswith(b"GET /api/v1/me ")


def test_waiting_gives_up_when_the_server_exits_and_shows_its_log():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    url = f"http://127.0.0.1:{free_port()}/"

    with pytest.raises(ServerDidNotStart) as failure:
        wait_until_answering(url, process=process, log=lambda: "ImportError: no jwks")

    message = str(failure.value)
    assert f"the server exited with code 3 before {url} answered" in message
    assert "ImportError: no jwks" in message


def test_waiting_names_the_last_problem_when_nothing_listens():
    url = f"http://127.0.0.1:{free_port()}/"

    with pytest.raises(
        ServerDidNotStart, match=r"within 0.3 seconds \(last try: .*refused"
    ):
        wait_until_answering(url, seconds=0.3)


def test_get_me_over_http_reports_the_status_of_a_real_server():
    with listener() as sock:
        requests: list[bytes] = []
        thread = threading.Thread(target=answer_once, args=(sock, requests))
        thread.start()
        assert get_me_over_http(sock.getsockname()[1], "t0ken") == 401
        thread.join(timeout=60)

    [request] = requests
    assert request.startswith(b"GET /api/v1/me ")
    assert b"Authorization: Bearer t0ken" in request
