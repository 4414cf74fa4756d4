"""Every shell command the docs show is run here, the way a reader would run it.

Like the listings of a book that are replayed against the code, the commands on the pages
cannot rot unseen. The convention (``sh`` blocks, servers, "What you should see") is
described in tests/docs_site.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.docs_site import DOCS, REPOSITORY, Block, doc_pages, expectation_problems, fenced_blocks
from tutorial.net import port_is_open, wait_until_serving

COMMAND_TIMEOUT = 180
SERVER_START_TIMEOUT = 60
PAGES = [page for page in doc_pages() if any(block.language == "sh" for block in fenced_blocks(page))]


def test_every_shell_block_is_run_or_says_why_not():
    for page in doc_pages():
        for block in fenced_blocks(page):
            if block.language in {"bash", "shell", "console", "shell-session", "zsh"}:
                pytest.fail(f"{block.where}: write shell commands in ```sh blocks, so that the tests run them")
            if block.language == "sh" and block.first_line.startswith("#") and not (block.not_run or block.server_port):
                assert not block.first_line.lower().startswith("# not run"), (
                    f"{block.where}: say why, as '# Not run by the tests: <why>'"
                )


class Server:
    """A command that keeps running, started as a reader would in another terminal."""

    def __init__(self, block: Block, env: dict[str, str]) -> None:
        self.block, self.port = block, block.server_port
        if port_is_open(self.port):
            pytest.fail(f"{block.where}: port {self.port} is already in use, so this page's server cannot start")
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            ["bash", "-c", block.text], cwd=REPOSITORY, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(self.port, self.process, SERVER_START_TIMEOUT)
        except AssertionError as error:
            self.stop()
            pytest.fail(f"{block.where}: {error}:\n{self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl-C, to the whole process group
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(DOCS)) for page in PAGES])
def test_the_commands_on_the_page_work(page: Path, private_redis: str):
    # Redis: the tests' own throwaway server stands in for the docker compose service.
    env = {**os.environ, "REDIS_URL": private_redis, "NO_MKDOCS_2_WARNING": "1"}
    servers: dict[int, Server] = {}
    later_checks: list[tuple[Block, int]] = []
    last_output = None
    try:
        for block in fenced_blocks(page):
            if block.language == "sh" and not block.not_run:
                if block.server_port:
                    servers[block.server_port] = Server(block, env)
                    last_output = None
                    continue
                result = subprocess.run(
                    ["bash", "-e", "-o", "pipefail", "-c", block.text], cwd=REPOSITORY, env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT,
                )
                last_output = result.stdout
                assert result.returncode == 0, f"{block.where} failed (exit code {result.returncode}):\n{last_output}"
            elif block.language == "sh":
                last_output = None
            elif block.expects_output:
                port = block.expected_from_port
                if port is not None:
                    assert port in servers, f"{block.where}: no server on port {port} was started above"
                    later_checks.append((block, port))
                    continue
                if last_output is None:
                    continue  # the output of a server, or of a command not run here
                missing = expectation_problems(block.text, last_output)
                assert not missing, f"{block.where}: the output lacks {missing}:\n{last_output}"
    finally:
        for server in reversed(servers.values()):
            server.stop()
    for block, port in later_checks:
        output = servers[port].output
        missing = expectation_problems(block.text, output)
        assert not missing, f"{block.where}: the server's output lacks {missing}:\n{output}"
