"""Fixtures every step shares: a real identity provider, a real Redis, an API client.

Each step loads this plugin explicitly in ``tests/conftest.py``::

    pytest_plugins = ["tutorial.pytest_plugin"]

so a learner reading a test can follow a fixture's name to this file.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.response import Response
from rest_framework.test import APIClient

from tutorial.idp import IdentityProvider
from tutorial.net import ME_PATH
from tutorial.redis import delete_keys, redis_server

REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def idp(settings: Any) -> Iterator[IdentityProvider]:
    """A fresh identity provider on a free port, wired into Django's settings."""
    with IdentityProvider() as provider:
        settings.JWKS_URL = provider.jwks_url
        settings.JWT_ISSUER = provider.issuer
        settings.JWT_AUDIENCE = provider.audience
        yield provider


@pytest.fixture
def mint_token(idp: IdentityProvider) -> Callable[..., str]:
    """``mint_token(sub="alice", **options)``: a token from this test's provider."""
    return idp.mint_token


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def get_me(api_client: APIClient) -> Callable[..., Response]:
    """``get_me(token)``: ``GET /api/v1/me`` with ``Authorization: Bearer <token>``."""

    def get(token: str | None = None, **headers: str) -> Response:
        if token is not None:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
        return api_client.get(ME_PATH, **headers)

    return get


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis server: ``REDIS_URL`` if set, else a throwaway ``redis-server``."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def test_key_prefix() -> str:
    """A key prefix of this test run's own: our keys never collide in a shared Redis."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _isolated_redis_cache(
    request: pytest.FixtureRequest, settings: Any
) -> Iterator[None]:
    """Point a Redis-backed cache at the test server, under this run's prefix.

    Steps without Redis are left alone. After each test the run's keys are
    deleted (and only those), so one test's cached JWKS never leaks into the next.
    """
    if settings.CACHES["default"]["BACKEND"] != REDIS_CACHE_BACKEND:
        yield
        return
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("test_key_prefix")
    caches = copy.deepcopy(settings.CACHES)
    caches["default"].update(LOCATION=url, KEY_PREFIX=prefix)
    settings.CACHES = caches
    try:
        yield
    finally:
        delete_keys(url, f"{prefix}:*")
