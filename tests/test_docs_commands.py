"""Every shell command the docs show is run here, the way a reader would run it.

Like the listings of a book that are replayed against the code, the commands on the
pages cannot rot unseen. The convention (``sh`` blocks, servers, "What you should
see") is described in tests/docs_site.py; the replay, on free ports, is
tests/page_commands.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tests.docs_site import DOCS, doc_pages, fenced_blocks
from tests.page_commands import API_PORT, PROVIDER_PORT, replay_page

PAGES = [
    page
    for page in doc_pages()
    if any(block.language == "sh" for block in fenced_blocks(page))
]


def replay(page: Path, redis_url: str) -> None:
    try:
        replay_page(page, redis_url)
    except AssertionError as error:
        pytest.fail(str(error), pytrace=False)


def test_every_shell_block_is_run_or_says_why_not():
    for page in doc_pages():
        for block in fenced_blocks(page):
            if block.language in {"bash", "shell", "console", "shell-session", "zsh"}:
                pytest.fail(
                    f"{block.where}: write shell commands in ```sh blocks, "
                    "so that the tests run them"
                )
            if (
                block.language == "sh"
                and block.first_line.startswith("#")
                and not (block.not_run or block.server_port)
            ):
                assert not block.first_line.lower().startswith("# not run"), (
                    f"{block.where}: say why, as '# Not run by the tests: <why>'"
                )


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_the_commands_on_the_page_work(page: Path, private_redis: str):
    replay(page, private_redis)


class WrongServer(BaseHTTPRequestHandler):
    """Something else on a default port: a reader's own `tutorial idp`, another
    checkout's tests. Whatever asks it gets an answer no page expects."""

    def do_GET(self) -> None:
        self.send_error(418, "not the server this test started")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def holding(port: int) -> Iterator[None]:
    """Listen on ``port`` if it is free; if not, something already holds it."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), WrongServer)
    except OSError:
        yield
        return
    with server:
        Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        yield
        server.shutdown()


def test_the_commands_work_while_other_servers_hold_the_default_ports(
    private_redis: str,
):
    page = next(
        page
        for page in PAGES
        if {API_PORT, PROVIDER_PORT}
        <= {block.server_port for block in fenced_blocks(page)}
    )
    with ExitStack() as held:
        for port in (API_PORT, PROVIDER_PORT):
            held.enter_context(holding(port))
        replay(page, private_redis)
