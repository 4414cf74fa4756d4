"""The JWKS client: PyJWT's, with every download logged and the set kept in Redis.

``LoggingJWKClient`` is step 02's: every path in PyJWT ends in ``fetch_data``,
the one method that makes the HTTP request. ``CachingJWKClient`` overrides it
to keep the JWKS in Django's cache, Redis, shared by every request and worker.
"""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from jwt import PyJWKClient

logger = logging.getLogger("jwks")


# --8<-- [start:logging-client]
class LoggingJWKClient(PyJWKClient):
    """A ``PyJWKClient`` that logs a line for every JWKS it downloads."""

    def fetch_data(self) -> Any:
        started = time.perf_counter()
        jwk_set = super().fetch_data()
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("Downloaded the JWKS from %s in %.1f ms", self.uri, elapsed_ms)
        return jwk_set


# --8<-- [end:logging-client]


# --8<-- [start:caching-client]
class CachingJWKClient(LoggingJWKClient):
    """Keeps the JWKS in Django's cache, Redis, shared by every request and worker."""

    # --8<-- [start:cache-key]
    @property
    def cache_key(self) -> str:
        # Named after what it holds, this URL's JWKS: a test's provider, or a
        # staging one that shares the Redis, can never overwrite this entry.
        return f"jwks:{self.uri}"

    # --8<-- [end:cache-key]

    def fetch_data(self) -> Any:
        # On a miss, get_or_set calls the real download (the parent's fetch_data)
        # and stores its result; on a hit, no request leaves the process.
        return cache.get_or_set(
            self.cache_key, super().fetch_data, timeout=settings.JWKS_CACHE_SECONDS
        )


# --8<-- [end:caching-client]
