"""An unusable JWKS_URL stops the API at start-up, in one line, not with 500s later."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutorial.kit.net import free_port

STEP_DIR = Path(__file__).resolve().parents[1]
UNUSABLE_JWKS_URLS = ["not-a-url", "ftp://idp.example/jwks.json", "https:///jwks.json"]


def run_in_this_step(*command: str, jwks_url: str) -> subprocess.CompletedProcess[str]:
    """Run a command in this step's folder, as a learner does, with JWKS_URL set."""
    return subprocess.run(
        command,
        cwd=STEP_DIR,
        env={**os.environ, "JWKS_URL": jwks_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("jwks_url", UNUSABLE_JWKS_URLS)
def test_manage_py_check_refuses_an_unusable_jwks_url(jwks_url):
    result = run_in_this_step(sys.executable, "manage.py", "check", jwks_url=jwks_url)

    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if "JWKS_URL" in line]
    assert f"JWKS_URL={jwks_url!r}" in line
    assert "Traceback" not in result.stderr


def test_manage_py_check_accepts_the_default_jwks_url():
    default = "http://127.0.0.1:8001/.well-known/jwks.json"

    result = run_in_this_step(sys.executable, "manage.py", "check", jwks_url=default)

    assert result.returncode == 0, result.stderr


def test_gunicorn_refuses_to_start_with_an_unusable_jwks_url():
    bind = f"127.0.0.1:{free_port()}"
    gunicorn = [sys.executable, "-m", "gunicorn", "--bind", bind, "jwks_demo.wsgi"]

    result = run_in_this_step(*gunicorn, jwks_url="not-a-url")

    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if "JWKS_URL" in line]
    assert "JWKS_URL='not-a-url'" in line
    assert "Traceback" not in result.stderr
