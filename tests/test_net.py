"""tutorial/net.py: free ports, and waiting for a server to listen."""

import socket
import subprocess
import sys
import threading

import pytest

from tutorial.net import free_port, get_me_over_http, port_is_open, wait_until_serving


def test_a_free_port_is_closed_until_something_listens():
    port = free_port()
    assert not port_is_open(port)

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert port_is_open(port)
        wait_until_serving(port, seconds=1)


def test_waiting_gives_up_when_the_server_exits():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()

    with pytest.raises(AssertionError, match="exited with code 3"):
        wait_until_serving(free_port(), process, seconds=10)


def test_waiting_gives_up_after_the_deadline():
    with pytest.raises(AssertionError, match="nothing listens"):
        wait_until_serving(free_port(), seconds=0.3)


def test_get_me_over_http_reports_the_status_of_a_real_server():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        requests: list[bytes] = []

        def answer_once() -> None:
            connection, _ = listener.accept()
            with connection:
                requests.append(connection.recv(4096))
                connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        thread = threading.Thread(target=answer_once)
        thread.start()
        assert get_me_over_http(port, "t0ken") == 401
        thread.join(timeout=5)

    [request] = requests
    assert request.startswith(b"GET /api/v1/me ") and b"Authorization: Bearer t0ken" in request
