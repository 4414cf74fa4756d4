"""``manage.py ping_redis`` answers PONG, or says in one line what is wrong."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tutorial.kit.net import free_port
from tutorial.kit.not_redis import garbled_redis_server, hanging_redis_server

STEP_DIR = Path(__file__).resolve().parents[1]


def run_manage_py(*args: str, redis_url: str) -> subprocess.CompletedProcess[str]:
    """Run this step's manage.py the way a learner does, with REDIS_URL set."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=STEP_DIR,
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


# --8<-- [start:lesson-pong]
@pytest.mark.lesson(step=1)
def test_ping_redis_prints_pong():
    # settings.REDIS_URL names the tests' own Redis: see tests/conftest.py.
    out = io.StringIO()

    call_command("ping_redis", stdout=out)

    assert out.getvalue().strip() == "PONG"


# --8<-- [end:lesson-pong]


# --8<-- [start:lesson-bad-password]
@pytest.mark.lesson(step=1)
def test_a_wrong_password_is_one_clear_line(redis_url):
    wrong_url = with_password(redis_url, "not-the-password")

    result = run_manage_py("ping_redis", redis_url=wrong_url)

    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line
    assert "not-the-password" not in line  # passwords stay out of logs


# --8<-- [end:lesson-bad-password]


def test_an_unreachable_server_is_one_clear_line():
    nothing_listens_here = f"redis://:any-password@127.0.0.1:{free_port()}/0"

    result = run_manage_py("ping_redis", redis_url=nothing_listens_here)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line
    assert "Traceback" not in result.stderr


# --8<-- [start:lesson-hanging]
@pytest.mark.lesson(step=1)
def test_a_redis_that_never_answers_is_one_clear_line_not_a_hang():
    with hanging_redis_server() as hanging:
        # A minute is far above any sensible timeout: without one, it never ends.
        result = run_manage_py("ping_redis", redis_url=hanging)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line


# --8<-- [end:lesson-hanging]


def test_what_is_not_redis_on_its_port_is_one_clear_line():
    with garbled_redis_server() as url:
        result = run_manage_py("ping_redis", redis_url=url)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line


def with_password(url: str, password: str) -> str:
    """``redis://:<old>@host:port/db`` with another password."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://:{password}@{rest.split('@', 1)[1]}"
