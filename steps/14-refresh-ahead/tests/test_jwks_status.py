"""``manage.py jwks_status``: the cached set and the fleet's counters."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tutorial.kit.net import free_port
from tutorial.kit.stack import provider_env

STEP_DIR = Path(__file__).resolve().parents[1]


def jwks_status() -> str:
    out = io.StringIO()
    call_command("jwks_status", stdout=out)
    return out.getvalue()


# --8<-- [start:lesson-status]
@pytest.mark.lesson(step=12)
def test_jwks_status_prints_what_is_cached(idp, mint_token, get_me, settings):
    settings.JWKS_IN_PROCESS_SECONDS = 0  # every request goes to Redis, and counts
    idp.cache_control = "max-age=600"
    token = mint_token()
    for _ in range(3):
        assert get_me(token).status_code == 200

    report = jwks_status()

    assert idp.jwks_url in report
    assert idp.current_key.kid in report
    assert "Cache-Control: max-age=600" in report
    assert "downloads 1," in report
    assert "shared_tier_hits 2," in report


# --8<-- [end:lesson-status]


def test_nothing_cached_yet(idp):
    assert "nothing yet" in jwks_status()


def run_jwks_status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "jwks_status"],
        cwd=STEP_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unreachable_redis_is_one_clear_line(idp):
    nothing_listens_here = f"redis://:a-password@127.0.0.1:{free_port()}/0"

    result = run_jwks_status({**provider_env(idp), "REDIS_URL": nothing_listens_here})

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line
    assert "a-password" not in line


def test_counters_are_logged(idp, mint_token, get_me, caplog):
    assert get_me(mint_token()).status_code == 200

    assert "JWKS counters of this process: downloads=1" in caplog.text
