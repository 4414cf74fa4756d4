import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import setting_changed

from core import jwks
from tutorial.kit.redis import delete_keys, redis_server, throwaway_redis_server

# The fixtures these tests use (idp, mint_token, get_me, ...) live in
# tutorial/kit/pytest_plugin.py, shared by every step of the tutorial.
pytest_plugins = ["tutorial.kit.pytest_plugin"]

# Set by test_the_suite_leaves_a_shared_redis_as_it_found_it, for the run it
# nests: only the tests that use the shared Redis have anything to prove there.
ONLY_TESTS_THAT_SHARE_REDIS = "ONLY_TESTS_THAT_SHARE_REDIS"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis in REDIS_URL when it is set, else one started for this test run.

    REDIS_URL may name a Redis that others use, the compose service say, with
    an application's cached JWKS in it: the tests share it, so they keep to
    keys of their own (below).
    """
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def test_key_prefix() -> str:
    """A key prefix of this test run's own: no other run, no application uses it."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def cache_under_our_own_prefix(
    redis_url: str, test_key_prefix: str, settings: Any
) -> Iterator[None]:
    """Every test's cache writes under this run's prefix; afterwards, those keys go.

    Only those keys, found with SCAN: never FLUSHDB, which would empty a shared
    Redis of everyone's keys, the application's cached JWKS included.
    """
    settings.REDIS_URL = settings.JWKS_REDIS_URL = redis_url
    settings.JWKS_REDIS_KEY_PREFIX = test_key_prefix
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": redis_url,
            "KEY_PREFIX": test_key_prefix,
        }
    }
    yield
    delete_keys(redis_url, f"{test_key_prefix}:*")


@pytest.fixture
def private_redis_url() -> Iterator[str]:
    """A Redis server of this test's own, for tests that write the application's keys.

    A server that a test starts (gunicorn, another pytest) reads the
    application's settings, with no test prefix: it gets a Redis nobody else reads.
    """
    if os.environ.get(ONLY_TESTS_THAT_SHARE_REDIS):
        pytest.skip("it brings a Redis of its own, so it cannot touch the shared one")
    with throwaway_redis_server() as url:
        yield url


def forget_the_client(**kwargs: Any) -> None:
    jwks._client = None


@pytest.fixture(autouse=True)
def a_client_for_the_tests_settings() -> Iterator[None]:
    """The process's JWKS client is made from the settings of the moment: a test
    that changes a setting gets a client of the new settings on its next request."""
    setting_changed.connect(forget_the_client)
    forget_the_client()
    yield
    setting_changed.disconnect(forget_the_client)
    forget_the_client()
