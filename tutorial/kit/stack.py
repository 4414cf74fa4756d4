"""Starting and stopping real servers: a step under gunicorn, the provider, Redis.

The repository's tests, ``tutorial demo``, the benchmarks and the scenario matrix all
start their servers here, so that there is one way to do it::

    with run_stack(step.path, redis_url=url) as stack:
        token = stack.idp.mint_token()
        assert get_me_over_http(stack.server.port, token) == 200

A gunicorn server counts as started once every worker has answered ``GET /api/v1/me``.
Workers import Django after the master opens the port, and a worker's first request
imports the rest (URLs, views, PyJWT): on a busy laptop that takes seconds, and it must
never be the first request a test or a benchmark measures. Workers run as a learner runs
them (no ``--preload``); waiting for each one is what makes them warm.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import (
    ME_PATH,
    STARTUP_SECONDS,
    free_port,
    http_status,
    try_timeout,
    wait_until_answering,
)
from tutorial.kit.processes import NotReady, stop_process, wait_until_ready
from tutorial.kit.redis import throwaway_redis_server

STOP_SECONDS = 30  # gunicorn's own graceful timeout: time to finish requests in flight
LOG_LINES_ON_FAILURE = 60
# One access log line per request, naming the worker that answered:
#     <4242> "GET /api/v1/me HTTP/1.1" 401 58
ACCESS_LOG_FORMAT = '%(p)s "%(r)s" %(s)s %(b)s'
ANSWERING_WORKER = re.compile(r'^<(\d+)> "', re.MULTILINE)
ANSWER_STATUS = re.compile(r'^<(\d+)> "[^"]*" (\d{3}) ', re.MULTILINE)  # and its status
# What run_gunicorn decides itself: in extra_args they would blind its readiness.
OWN_OPTIONS = set(
    "-b --bind -w --workers --threads --chdir -D --daemon --log-file --error-logfile"
    " --access-logfile --access-logformat".split()
)


@dataclass
class RunningServer:
    """A step under gunicorn, started by ``run_gunicorn``."""

    url: str  # http://127.0.0.1:PORT, or another loopback address
    port: int
    process: subprocess.Popen[bytes]
    workers: int
    log_path: Path
    _final_log: str | None = field(default=None, repr=False)

    @property
    def me_url(self) -> str:
        return self.url + ME_PATH

    def log_text(self) -> str:
        """What gunicorn and its workers printed: start-up, errors, a line per request.

        Still readable after the server has stopped.
        """
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def answering_workers(self, status: int | None = None) -> set[int]:
        """The process ids of the workers that have answered a request so far, or,
        given ``status``, an answer with that status.

        Readiness already made every worker answer once (a 401: it sends no token).
        """
        if status is None:
            return {int(pid) for pid in ANSWERING_WORKER.findall(self.log_text())}
        answers = ANSWER_STATUS.findall(self.log_text())
        return {int(pid) for pid, answered in answers if int(answered) == status}

    def log_tail(self, lines: int = LOG_LINES_ON_FAILURE) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _keep_log(self) -> None:
        self._final_log = self.log_text()
        self.log_path.unlink(missing_ok=True)


@contextmanager
def run_gunicorn(
    step_path: Path,
    *,
    env: dict[str, str],
    workers: int = 2,
    threads: int = 1,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    seconds: float = STARTUP_SECONDS,
    host: str = "127.0.0.1",
) -> Iterator[RunningServer]:
    """Run ``gunicorn --chdir <step_path> jwks_demo.wsgi`` until the block ends.

    ``host``: a loopback address of its own (127.0.0.11, 127.0.0.12...) makes one
    host of a fleet on one machine. ``env`` is added to this process's
    environment. Yields once every worker has
    answered; stops the server (SIGTERM, then SIGKILL after ``STOP_SECONDS``) when
    the block ends, also on an exception, which then carries the end of the log.
    """
    refuse_own_options(extra_args)
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(step_path)]
    command += ["--bind", f"{host}:{port}", "--workers", str(workers)]
    command += ["--threads", str(threads), *extra_args]
    command += ["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT]
    command += ["jwks_demo.wsgi"]
    descriptor, log_name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
    with os.fdopen(descriptor, "wb") as log_file:
        process = subprocess.Popen(
            command,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group, so that a SIGKILL reaches the workers too.
            start_new_session=True,
        )
    url = f"http://{host}:{port}"
    server = RunningServer(url, port, process, workers, Path(log_name))
    try:
        wait_until_every_worker_answers(server, seconds)
        try:
            yield server
        except Exception as error:
            error.add_note(f"gunicorn's output, last lines:\n{server.log_tail()}")
            raise
    finally:
        stop_process(process, STOP_SECONDS)
        server._keep_log()


def refuse_own_options(extra_args: Sequence[str]) -> None:
    for argument in extra_args:
        option = argument.split("=")[0]
        if option in OWN_OPTIONS:
            raise ValueError(f"run_gunicorn sets {option} itself; use its parameters")


def wait_until_every_worker_answers(server: RunningServer, seconds: float) -> None:
    """Knock until each worker has answered once; fail with the log at the deadline.

    The kernel hands each connection to whichever idle worker takes it first, so the
    knocks come a few at a time, until the access log names every worker.
    """
    deadline = time.monotonic() + seconds
    wait_until_answering(
        server.me_url, process=server.process, seconds=seconds, log=server.log_text
    )
    knocks = 2 * server.workers

    def every_worker_answered(pool: ThreadPoolExecutor) -> None:
        timeout = try_timeout(deadline)
        list(pool.map(knock, [server.me_url] * knocks, [timeout] * knocks))
        answered = len(server.answering_workers())
        if answered < server.workers:
            raise NotReady(f"{answered} of {server.workers} gunicorn workers answered")

    with ThreadPoolExecutor(max_workers=knocks) as pool:
        wait_until_ready(
            lambda: every_worker_answered(pool),
            what=server.me_url,
            seconds=max(deadline - time.monotonic(), 0),
            process=server.process,
            log=server.log_text,
        )


def knock(url: str, timeout: float) -> None:
    # A slow or broken answer: the next round knocks again, until the deadline.
    with suppress(OSError, http.client.HTTPException):
        http_status(url, timeout=timeout)


def provider_env(idp: IdentityProvider) -> dict[str, str]:
    """The variables that point a step at ``idp`` (a started provider)."""
    return {
        "JWKS_URL": idp.jwks_url,
        "JWT_ISSUER": idp.issuer,
        "JWT_AUDIENCE": idp.audience,
    }


@dataclass
class Stack:
    """Redis, the identity provider and a step under gunicorn, running together."""

    redis_url: str
    idp: IdentityProvider
    server: RunningServer


def stack_env(
    idp: IdentityProvider, redis_url: str, env: dict[str, str] | None = None
) -> dict[str, str]:
    """What a step under gunicorn is told: its provider, its Redis, and ``env``."""
    return {**provider_env(idp), "REDIS_URL": redis_url, **(env or {})}


@contextmanager
def run_stack(
    step_path: Path,
    *,
    redis_url: str | None = None,
    idp: IdentityProvider | None = None,
    env: dict[str, str] | None = None,
    workers: int = 2,
    threads: int = 1,
    port: int | None = None,
    extra_args: Sequence[str] = (),
) -> Iterator[Stack]:
    """Start what a step needs, yield them, and stop them all in reverse order.

    ``redis_url``: a Redis the step may write its real cache keys to; without one, a
    throwaway server of the stack's own (never a learner's development Redis, whose
    cached JWKS the step would otherwise overwrite). ``idp``: a provider not started
    yet, configured as the caller wishes (``delay_seconds``, ``cache_control``...);
    without one, a fresh provider on a free port. ``env`` overrides any variable.
    """
    with ExitStack() as running:
        if redis_url is None:
            redis_url = running.enter_context(throwaway_redis_server())
        idp = running.enter_context(idp or IdentityProvider())
        server_env = stack_env(idp, redis_url, env)
        server = running.enter_context(
            run_gunicorn(
                step_path,
                env=server_env,
                workers=workers,
                threads=threads,
                port=port,
                extra_args=extra_args,
            )
        )
        yield Stack(redis_url, idp, server)
