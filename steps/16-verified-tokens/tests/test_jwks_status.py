"""``manage.py jwks_status``: the cached set and the fleet's counters."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from tutorial.kit.idp import Fault
from tutorial.kit.net import free_port
from tutorial.kit.not_redis import garbled_redis_server
from tutorial.kit.redis import keys_holding
from tutorial.kit.stack import provider_env

STEP_DIR = Path(__file__).resolve().parents[1]


def jwks_status() -> str:
    out = io.StringIO()
    call_command("jwks_status", stdout=out)
    return out.getvalue()


# --8<-- [start:lesson-status]
@pytest.mark.lesson(step=14)
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


def test_what_is_not_redis_on_its_port_is_one_clear_line(idp):
    with garbled_redis_server() as url:
        result = run_jwks_status({**provider_env(idp), "REDIS_URL": url})

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line


def fleet_counters(plain_redis, test_key_prefix) -> dict[str, int]:
    [key] = plain_redis.scan_iter(match=f"{test_key_prefix}:*counters*")
    return {name.decode(): int(n) for name, n in plain_redis.hgetall(key).items()}


# --8<-- [start:lesson-counters]
@pytest.mark.lesson(step=14)
def test_each_trap_is_counted_for_the_fleet(
    idp, mint_token, get_me, settings, plain_redis, test_key_prefix, caplog
):
    settings.JWKS_IN_PROCESS_SECONDS = 0  # every request goes past memory
    settings.JWKS_CACHE_SECONDS = 1
    assert get_me(mint_token()).status_code == 200  # a download
    assert get_me(mint_token(kid="junk-1")).status_code == 401  # a refresh
    assert get_me(mint_token(kid="junk-2")).status_code == 401  # refused
    idp.fault = Fault.SERVER_ERROR
    time.sleep(1.2)  # the set is stale from now on
    assert get_me(mint_token()).status_code == 200  # served stale
    assert get_me(mint_token()).status_code == 200  # reported, on the way
    # The failed try may run behind the answer, and report when it is done.
    deadline = time.monotonic() + 30
    while fleet_counters(plain_redis, test_key_prefix)["downloads"] < 3:
        assert time.monotonic() < deadline, "the failed try was never counted"
        time.sleep(0.05)

    counters = fleet_counters(plain_redis, test_key_prefix)

    assert counters["downloads"] == 3  # the set, the refresh, the failed try
    assert counters["refused_refreshes"] == 1
    assert counters["stale_serves"] >= 1
    assert "JWKS counters of this process: downloads=" in caplog.text


@pytest.mark.lesson(step=14)
def test_answers_from_memory_and_refused_entries_are_counted(
    idp, mint_token, get_me, plain_redis, test_key_prefix
):
    token = mint_token()
    for _ in range(3):
        assert get_me(token).status_code == 200  # a download, then memory twice
    kid = idp.current_key.kid.encode()
    [key] = keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*")
    plain_redis.set(key, "not what this fleet writes", keepttl=True)

    # A kid the set lacks goes past memory: Redis is read (and refused), and
    # the counts are reported on the way.
    assert get_me(mint_token(kid="not-published")).status_code == 401
    counters = fleet_counters(plain_redis, test_key_prefix)

    # Two requests, then the kid's first look, which memory answered.
    assert counters["in_process_hits"] == 3
    assert counters["integrity_failures"] == 1


# --8<-- [end:lesson-counters]
