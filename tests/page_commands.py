"""Replaying a page's shell commands on free ports, the way a reader runs them.

The pages show the default ports, one per server, so that a reader can run them all
at once beside the local site:

==========================  =======  ====================================
server                      default  decided by
==========================  =======  ====================================
the API (gunicorn)          8000     gunicorn's own default ``--bind``
the provider (tutorial idp) 8001     ``tutorial.kit.idp.DEFAULT_PORT``
Redis (tutorial redis)      6379     ``tutorial.kit.redis.DEFAULT_REDIS_URL``
this site (mkdocs serve)    8008     ``dev_addr`` in mkdocs.yml
==========================  =======  ====================================

The tests never use them: a learner may have ``tutorial idp`` running, or another
checkout may be running its tests. Each replay maps every default port, and every
port a ``# Keeps running (port N)`` block names, to a free port, and rewrites the
commands and the expected output to match (``127.0.0.1:8000``, ``--port 8001``;
``tutorial idp``, ``token``, ``redis`` and ``idp-admin`` get ``--port``, ``mkdocs
serve`` gets ``--dev-addr``, gunicorn gets ``--bind``), and points ``JWKS_URL``,
``JWT_ISSUER`` and ``REDIS_URL`` at the mapped servers.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gunicorn.config import Config as GunicornConfig

from tests.docs_site import REPOSITORY, Block, expectation_problems, fenced_blocks
from tutorial.kit import idp as provider
from tutorial.kit import redis as redis_kit
from tutorial.kit.net import free_port, wait_until_answering
from tutorial.kit.processes import (
    NotReady,
    ServerDidNotStart,
    stop_process,
    wait_until_ready,
)

COMMAND_TIMEOUT = 300
# Generous: `mkdocs serve` builds the whole site before it answers.
SERVER_START_SECONDS = 300
STOP_SECONDS = 10
OUTPUT_LINES_ON_FAILURE = 40
# The end of a simple shell command: an operator, a substitution's end, a comment.
REST_OF_COMMAND = r"[^|;&()<>\n`#]*"
ADDRESS = re.compile(r"\b(127\.0\.0\.1|localhost|0\.0\.0\.0):(\d+)\b")
PORT_OPTION = re.compile(r"(--port[= ])(\d+)\b")
TUTORIAL_SERVER = re.compile(
    rf"\btutorial\s+(idp-admin|idp|token|redis)(?![\w-]){REST_OF_COMMAND}"
)
MKDOCS_SERVE = re.compile(rf"\bmkdocs\s+serve\b{REST_OF_COMMAND}")
GUNICORN = re.compile(
    rf"(?:^|[;&|(]|\buv run|\s-m)\s*gunicorn\b{REST_OF_COMMAND}", re.M
)


def api_port() -> int:
    """gunicorn's default port, where the pages' APIs listen."""
    [bind] = GunicornConfig().bind
    return int(bind.rsplit(":", 1)[1])


def docs_port(mkdocs_yml: Path = REPOSITORY / "mkdocs.yml") -> int:
    """The port of ``mkdocs serve``: mkdocs.yml's ``dev_addr``, else mkdocs' 8000."""
    found = re.search(r"^dev_addr:\s*['\"]?[\w.]+:(\d+)", mkdocs_yml.read_text(), re.M)
    return int(found.group(1)) if found else 8000


def default_ports() -> dict[str, int]:
    return {
        "the API": api_port(),
        "the identity provider": provider.DEFAULT_PORT,
        "Redis": urlsplit(redis_kit.DEFAULT_REDIS_URL).port,
        "the docs site": docs_port(),
    }


API_PORT = api_port()
PROVIDER_PORT = provider.DEFAULT_PORT
REDIS_PORT = urlsplit(redis_kit.DEFAULT_REDIS_URL).port
DOCS_PORT = docs_port()


@dataclass
class PagePorts:
    """One replay's ports: each port a page shows, and the free port used instead."""

    ports: dict[int, int]
    redis_url: str
    # The provider's keys for this replay: a page that rotates them must not grow
    # the key set of the learner's own `tutorial idp` (.idp-keys/).
    keys: Path | None = None

    @classmethod
    def for_blocks(
        cls, blocks: list[Block], tests_redis_url: str, keys: Path | None = None
    ) -> PagePorts:
        """Free ports for the page's servers; Redis is the tests' own unless the page
        starts one (``tutorial redis``, with the compose service's password)."""
        shown = {API_PORT, PROVIDER_PORT, REDIS_PORT, DOCS_PORT}
        shown |= {block.server_port for block in blocks if block.server_port}
        ports: dict[int, int] = {}
        for port in sorted(shown):
            ports[port] = free_port_except(set(ports.values()))
        if any(block.server_port == REDIS_PORT for block in blocks):
            password = redis_kit.COMPOSE_PASSWORD
            url = redis_kit.redis_url(ports[REDIS_PORT], password)
            return cls(ports, url, keys)
        ports[REDIS_PORT] = urlsplit(tests_redis_url).port or REDIS_PORT
        return cls(ports, tests_redis_url, keys)

    def __getitem__(self, shown_port: int) -> int:
        return self.ports.get(shown_port, shown_port)

    def env(self) -> dict[str, str]:
        """What points a step, and every ``tutorial`` command, at the mapped servers."""
        issuer = f"http://127.0.0.1:{self[PROVIDER_PORT]}"
        return {
            "JWKS_URL": issuer + provider.JWKS_PATH,
            "JWT_ISSUER": issuer,
            "JWT_AUDIENCE": provider.DEFAULT_AUDIENCE,
            "REDIS_URL": self.redis_url,
        }

    def expected(self, text: str) -> str:
        """Expected output, with the ports the servers print rewritten."""
        text = ADDRESS.sub(lambda match: f"{match[1]}:{self[int(match[2])]}", text)
        return PORT_OPTION.sub(lambda match: f"{match[1]}{self[int(match[2])]}", text)

    def command(self, text: str) -> str:
        """A block's commands, on the mapped ports."""
        text = self.expected(text)
        text = TUTORIAL_SERVER.sub(self._tutorial_port, text)
        text = MKDOCS_SERVE.sub(
            lambda match: with_option(
                match[0], "--dev-addr", f"127.0.0.1:{self[DOCS_PORT]}", aliases=("-a",)
            ),
            text,
        )
        return GUNICORN.sub(
            lambda match: with_option(
                match[0], "--bind", f"127.0.0.1:{self[API_PORT]}", aliases=("-b",)
            ),
            text,
        )

    def _tutorial_port(self, match: re.Match[str]) -> str:
        shown_port = REDIS_PORT if match[1] == "redis" else PROVIDER_PORT
        command = with_option(match[0], "--port", str(self[shown_port]))
        if match[1] in {"idp", "token"} and self.keys is not None:
            command = with_option(command, "--keys", str(self.keys))
        return command


def free_port_except(taken: set[int]) -> int:
    while (port := free_port()) in taken:
        pass
    return port


def with_option(
    command: str, option: str, value: str, aliases: tuple[str, ...] = ()
) -> str:
    """``command`` with ``option value`` at its end, unless it has the option."""
    words = {word.split("=")[0] for word in command.split()}
    if words & {option, *aliases}:
        return command
    body = command.rstrip()
    trailing = command[len(body) :]
    continuation = ""
    if body.endswith("\\"):  # a continued line: the option goes before the backslash
        body, continuation = body[:-1].rstrip(), " \\"
    return f"{body} {option} {value}{continuation}{trailing}"


class Server:
    """A command that keeps running, started as a reader would in another terminal."""

    def __init__(
        self, block: Block, ports: PagePorts, env: dict[str, str], cwd: Path
    ) -> None:
        self.block, self.shown_port = block, block.server_port
        self.port = ports[self.shown_port]
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            ["bash", "-c", ports.command(block.text)],
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.redis_url = ports.redis_url

    def wait_until_ready(self) -> None:
        """Ready when it answers: PING with the password for Redis, HTTP otherwise."""
        try:
            if self.shown_port == REDIS_PORT:
                wait_until_ready(
                    self._answers_ping,
                    what=f"Redis on port {self.port}",
                    seconds=SERVER_START_SECONDS,
                    process=self.process,
                    log=self.output,
                )
            else:
                url = f"http://127.0.0.1:{self.port}/"
                wait_until_answering(
                    url,
                    process=self.process,
                    seconds=SERVER_START_SECONDS,
                    log=self.output,
                )
        except ServerDidNotStart as error:
            self.stop()
            raise AssertionError(f"{self.block.where}: {error}") from None

    def _answers_ping(self) -> None:
        if not redis_kit.answers_ping(self.redis_url):
            raise NotReady("no answer to PING with the password")

    def stop(self) -> None:
        stop_process(self.process, STOP_SECONDS, ctrl_c=True)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def describe(self) -> str:
        tail = self.output().rstrip().splitlines()[-OUTPUT_LINES_ON_FAILURE:]
        header = f"--- {self.block.where}, the server on port {self.port}, printed:"
        return "\n".join([header, *tail])


def replay_page(page: Path, tests_redis_url: str) -> None:
    """Run the page's ``sh`` blocks in order, and check what they print.

    Raises ``AssertionError`` naming the failing block, with its output and what
    each server the page started printed.
    """
    blocks = fenced_blocks(page)
    with tempfile.TemporaryDirectory(prefix="idp-keys-") as keys:
        replay_blocks(blocks, PagePorts.for_blocks(blocks, tests_redis_url, Path(keys)))


def replay_blocks(
    blocks: list[Block],
    ports: PagePorts,
    cwd: Path = REPOSITORY,
    env: dict[str, str] | None = None,
) -> None:
    """Run ``blocks`` in order from ``cwd``; by default, with the mapped servers'
    addresses in the environment."""
    if env is None:
        env = {**os.environ, **ports.env(), "NO_MKDOCS_2_WARNING": "1"}
    servers: dict[int, Server] = {}  # by the port the page shows
    later_checks: list[tuple[Block, int]] = []
    try:
        run_blocks(blocks, ports, env, cwd, servers, later_checks)
    except AssertionError as error:
        stop_all(servers)
        outputs = [server.describe() for server in servers.values()]
        raise AssertionError("\n".join([str(error), *outputs])) from None
    finally:
        stop_all(servers)
    for block, shown_port in later_checks:
        output = servers[shown_port].output()
        missing = expectation_problems(ports.expected(block.text), output)
        assert not missing, f"{block.where}: the server printed no {missing}:\n{output}"


def stop_all(servers: dict[int, Server]) -> None:
    """Ctrl-C in each server's terminal, the last one started first."""
    for server in reversed(servers.values()):
        server.stop()


def run_blocks(
    blocks: list[Block],
    ports: PagePorts,
    env: dict[str, str],
    cwd: Path,
    servers: dict[int, Server],
    later_checks: list[tuple[Block, int]],
) -> None:
    last_output: str | None = None
    last_server: int | None = None
    for block in blocks:
        runs = not (block.not_run or block.replayed_elsewhere)
        if block.language == "sh" and runs:
            last_output, last_server = None, None
            if block.server_port:
                server = servers[block.server_port] = Server(block, ports, env, cwd)
                server.wait_until_ready()
                last_server = block.server_port
                continue
            last_output = run_command(block, ports, env, cwd)
        elif block.language == "sh":
            last_output, last_server = None, None
        elif block.expects_output:
            shown_port = block.expected_from_port or last_server
            if shown_port is not None:
                assert shown_port in servers, (
                    f"{block.where}: no server on port {shown_port} was started above"
                )
                later_checks.append((block, shown_port))  # once it has stopped
            elif last_output is not None:
                missing = expectation_problems(ports.expected(block.text), last_output)
                assert not missing, f"{block.where}: no {missing} in:\n{last_output}"


def run_command(
    block: Block, ports: PagePorts, env: dict[str, str], cwd: Path = REPOSITORY
) -> str:
    command = ports.command(block.text)
    result = run_in(
        cwd, ["bash", "-e", "-o", "pipefail", "-c", command], env, COMMAND_TIMEOUT
    )
    assert result.returncode == 0, (
        f"{block.where} failed (exit code {result.returncode}):\n"
        f"{command}\n---\n{result.stdout}"
    )
    return result.stdout


def run_in(
    cwd: Path, command: list[str], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``cwd``; its stdout and stderr, as one text."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
