"""Every step runs under gunicorn, as DESIGN.md promises: `gunicorn --chdir steps/NN-slug jwks_demo.wsgi`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutorial.idp import IdentityProvider
from tutorial.net import free_port, get_me_over_http, wait_until_serving
from tutorial.steps import Step, discover_steps

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.mark.parametrize("step", discover_steps(), ids=lambda step: step.name)
def test_step_serves_under_gunicorn(step: Step, private_redis: str):
    port = free_port()
    with IdentityProvider() as idp:
        env = {**os.environ, "JWKS_URL": idp.jwks_url, "JWT_ISSUER": idp.issuer, "REDIS_URL": private_redis}
        server = subprocess.Popen(
            [str(GUNICORN), "--chdir", str(step.path), "--workers", "2", "--bind", f"127.0.0.1:{port}", "jwks_demo.wsgi"],
            env=env,
            stdout=subprocess.DEVNULL,  # its errors go to stderr, which pytest shows on failure
        )
        try:
            wait_until_serving(port, server)
            assert get_me_over_http(port, idp.mint_token()) == 200
            assert get_me_over_http(port, "not-a-token") == 401
        finally:
            server.terminate()
            server.wait(timeout=10)
