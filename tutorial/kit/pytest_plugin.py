"""Fixtures every step shares: a real identity provider, its tokens, an API client.

Each step loads this plugin explicitly in ``tests/conftest.py``::

    pytest_plugins = ["tutorial.kit.pytest_plugin"]

so a learner reading a test can follow a fixture's name to this file. Redis is
not here: each step's ``tests/conftest.py`` says, in plain sight, which Redis its
tests use and how they leave it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from rest_framework.response import Response
from rest_framework.test import APIClient

from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import ME_PATH

# The threads a step starts beside its requests, by the start of their names:
# core/jwks.py's LOCK_KEEPER_THREAD (from step 13 on) and REFRESH_THREAD (from
# step 14 on).
BACKGROUND_THREADS = "jwks-"
BACKGROUND_SECONDS = 60


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After each test, and before its fixtures are torn down: let a refresh end.

    A refresh still running would write to Redis after the test's keys are
    cleaned up, or reach the next test's provider settings.
    """
    try:
        return (yield)
    finally:
        for thread in threading.enumerate():
            if thread.name.startswith(BACKGROUND_THREADS):
                thread.join(BACKGROUND_SECONDS)


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
def plain_redis(redis_url: str) -> Iterator[redis.Redis]:
    """A redis-py client of the test's Redis (``redis_url``, from the step's
    conftest.py), to look at what the step keeps there."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


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
