"""tutorial/kit/stack.py: a step under gunicorn is started warm, and always stopped."""

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tutorial.course.steps import discover_steps
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import get_me_over_http, port_is_open
from tutorial.kit.processes import ServerDidNotStart, stop_process
from tutorial.kit.stack import provider_env, run_gunicorn, run_stack

FIRST_STEP = discover_steps()[0]
CACHING_STEP = next(step for step in discover_steps() if step.number == 3)


def test_every_worker_has_answered_before_the_server_is_handed_over():
    with IdentityProvider() as idp:
        with run_gunicorn(FIRST_STEP.path, env=provider_env(idp), workers=3) as server:
            assert len(server.answering_workers()) == 3
            # Readiness knocks without a token: it never costs a JWKS download.
            assert idp.downloads == 0
            assert server.answering_workers(status=200) == set()  # only 401s so far
            assert get_me_over_http(server.port, idp.mint_token(sub="carol")) == 200

    assert server.process.returncode is not None
    assert not port_is_open(server.port)
    assert not server.log_path.exists()
    assert "Booting worker" in server.log_text()  # still readable once stopped


def test_a_server_that_cannot_start_fails_at_once_with_its_log(tmp_path: Path):
    # No jwks_demo package there: every worker fails to import the application.
    with pytest.raises(ServerDidNotStart) as failure:
        with run_gunicorn(tmp_path, env={}):
            pytest.fail("the server should not have started")

    message = str(failure.value)
    assert "exited with code" in message
    assert "No module named 'jwks_demo'" in message


def test_an_error_in_the_block_stops_the_server_and_carries_its_log():
    with IdentityProvider() as idp:
        with pytest.raises(LookupError) as failure:
            with run_gunicorn(FIRST_STEP.path, env=provider_env(idp)) as server:
                raise LookupError("a test failed while the server ran")

    assert server.process.returncode is not None
    [note] = failure.value.__notes__
    assert note.startswith("gunicorn's output, last lines:\n")
    assert '"GET /api/v1/me HTTP/1.1" 401' in note


def test_the_options_readiness_relies_on_cannot_be_overridden():
    with pytest.raises(ValueError, match="sets --workers itself"):
        with run_gunicorn(FIRST_STEP.path, env={}, extra_args=["--workers=8"]):
            pass


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_process_that_ignores_sigterm_is_killed_with_its_children():
    # A parent that ignores SIGTERM, and a child in its group, like a gunicorn worker.
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "sleep = [sys.executable, '-c', 'import time; time.sleep(600)']\n"
        "child = subprocess.Popen(sleep)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
    )
    with process.stdout:
        child_pid = int(process.stdout.readline())

    stop_process(process, seconds=1)

    assert process.returncode == -signal.SIGKILL
    assert eventually_gone(child_pid)


def eventually_gone(pid: int, seconds: float = 30) -> bool:
    """Whether ``pid`` stops running; a killed zombie waiting to be reaped counts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_a_stack_of_redis_provider_and_a_caching_step(private_redis: str):
    with run_stack(CACHING_STEP.path, redis_url=private_redis, workers=2) as stack:
        token = stack.idp.mint_token(sub="dave")
        request = urllib.request.Request(
            stack.server.me_url, headers={"Authorization": f"Bearer {token}"}
        )
        for _ in range(5):
            with urllib.request.urlopen(request, timeout=60) as response:
                assert json.load(response)["sub"] == "dave"

        assert stack.idp.downloads == 1
        assert stack.redis_url == private_redis
