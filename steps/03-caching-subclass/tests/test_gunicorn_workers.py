"""Several gunicorn workers, one Redis: fifty requests, one download.

This is the claim of the step made on a real server: separate worker processes
share nothing in memory, so only Redis can spare them the download.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutorial.net import free_port, get_me_over_http, wait_until_serving

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 3
REQUESTS = 50


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen[str]

    def stop(self) -> set[str]:
        """Stop the server; return the process ids of the workers that answered."""
        self.process.terminate()
        access_log, _ = self.process.communicate(timeout=10)
        return set(access_log.split())


@pytest.fixture
def gunicorn(idp, private_redis_url) -> Iterator[Gunicorn]:
    port = free_port()
    environment = {
        **os.environ,
        "JWKS_URL": idp.jwks_url,
        "JWT_ISSUER": idp.issuer,
        "JWT_AUDIENCE": idp.audience,
        "REDIS_URL": private_redis_url,
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    # An access log of worker process ids (%(p)s) shows which workers answered.
    command += [
        "--access-logfile",
        "-",
        "--access-logformat",
        "%(p)s",
        "jwks_demo.wsgi",
    ]
    process = subprocess.Popen(
        command, cwd=STEP_DIR, env=environment, stdout=subprocess.PIPE, text=True
    )
    server = Gunicorn(port, process)
    try:
        wait_until_serving(port, process)
        yield server
    finally:
        if process.poll() is None:
            server.stop()


def test_fifty_requests_to_three_workers_download_the_jwks_once(
    idp, mint_token, gunicorn
):
    token = mint_token()

    # The first request fills the cache (many cold workers at once: step 06).
    assert get_me_over_http(gunicorn.port, token) == 200
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(
                lambda _: get_me_over_http(gunicorn.port, token), range(REQUESTS - 1)
            )
        )

    assert statuses == [200] * (REQUESTS - 1)
    assert idp.downloads == 1
    assert len(gunicorn.stop()) > 1, "only one worker answered"
