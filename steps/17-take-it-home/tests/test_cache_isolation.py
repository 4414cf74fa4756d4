"""Tests never touch the application's cached JWKS, even in a Redis they share with it.

The trap this step removes: the original project's test wrote a fake JWKS under
the application's own cache key, in a shared Redis, for a day. Every server
reading that Redis then refused every real token until the key expired.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from jwks_cache.redis_store import RedisStore

# The settings module, not django.conf.settings: the idp fixture points
# settings.JWKS_URL at the test's own provider, and we want the application's.
from jwks_demo import settings as application
from tests.conftest import ONLY_TESTS_THAT_SHARE_REDIS
from tutorial.kit.idp import SigningKey

STEP_DIR = Path(__file__).resolve().parents[1]
# Set by a run that starts this suite against a shared Redis and checks, after
# it, that no key was left: the nested run below would prove it a second time.
KEYS_CHECKED_BY_THE_CALLER = "TUTORIAL_SUITE_KEYS_CHECKED"


def applications_jwks() -> dict[str, Any]:
    """A key set standing in for the production provider's, whose keys no test holds."""
    return {"keys": [SigningKey.generate(kid="production-key").public_jwk()]}


# --8<-- [start:lesson]
@pytest.mark.lesson(step=4)
def test_a_test_provider_never_touches_the_applications_cached_jwks(
    idp, mint_token, get_me, settings, test_key_prefix
):
    # Where the application keeps its key set: what the entry says does not
    # matter here, only that it stays.
    store = RedisStore(settings.JWKS_REDIS_URL, test_key_prefix, timeout=5)
    application_name = entry_name(store, application.JWKS_URL)
    application_entry = json.dumps(applications_jwks())
    store.set(application_name, application_entry, seconds=3600)

    # The test's provider (its own port, so its own URL) gets an entry of its own...
    assert get_me(mint_token()).status_code == 200
    # ...and the application's entry is exactly as it was.
    assert store.get(application_name) == application_entry


# --8<-- [end:lesson]


# --8<-- [start:shared-redis]
def test_the_suite_leaves_a_shared_redis_as_it_found_it(private_redis_url, request):
    if os.environ.get(KEYS_CHECKED_BY_THE_CALLER):
        pytest.skip("the run that started this suite checks the keys it leaves")
    # What the application keeps in a Redis it shares with the test suite: its
    # JWKS, under its own prefix and name.
    store = RedisStore(
        private_redis_url, key_prefix=application.JWKS_REDIS_KEY_PREFIX, timeout=5
    )
    application_name = entry_name(store, application.JWKS_URL)
    application_entry = json.dumps(applications_jwks())
    store.set(application_name, application_entry, seconds=3600)
    keys_before = all_keys(private_redis_url)

    run = run_this_steps_suite(
        redis_url=private_redis_url, leaving_out=request.node.nodeid
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert all_keys(private_redis_url) == keys_before, "the suite left keys behind"
    assert store.get(application_name) == application_entry


# --8<-- [end:shared-redis]


def entry_name(store: RedisStore, jwks_url: str) -> str:
    """Where the cache keeps a URL's key set (jwks_cache/shared_tier.py)."""
    return f"jwks-set:{jwks_url}"


def run_this_steps_suite(
    redis_url: str, leaving_out: str
) -> subprocess.CompletedProcess[str]:
    """Run this step's tests in another process against ``redis_url``, but one."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", f"--deselect={leaving_out}"],
        cwd=STEP_DIR,
        env={**os.environ, "REDIS_URL": redis_url, ONLY_TESTS_THAT_SHARE_REDIS: "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def all_keys(redis_url: str) -> set[bytes]:
    return set(redis.Redis.from_url(redis_url).scan_iter())
