"""The JWKS client: PyJWT's, with every download logged and the set kept in Redis.

``CachingJWKClient`` shares one key set between every request and worker
through Redis, and refreshes it past the cache for a new kid, at most once per
cooldown for the whole fleet.
"""

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from jwt import PyJWK, PyJWKClient, PyJWKSet

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

    # --8<-- [start:find-signing-key]
    def find_signing_key(self, kid: str) -> PyJWK | None:
        """The published key named ``kid``, or None when the provider has none."""
        signing_key = self.match_kid(self.get_signing_keys(), kid)
        if signing_key is not None:
            return signing_key
        # A kid the cached set lacks may be a rotation, or junk. Look past the
        # cache, unless a refresh already missed this kid or the fleet
        # refreshed a moment ago: either way, a download would find nothing new.
        if self.was_unknown_after_a_refresh(kid) or not self.claim_refresh():
            return None
        logger.info("No cached key has kid %r: refreshing the JWKS", kid)
        signing_key = self.match_kid(signing_keys_in(self.refreshed_jwk_set()), kid)
        if signing_key is None:
            self.remember_unknown(kid)
        return signing_key

    # --8<-- [end:find-signing-key]

    # --8<-- [start:refresh]
    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        # PyJWT's own get_signing_key asks for refresh=True on any unknown kid,
        # and with cache_jwk_set=False or cooldown_duration=0 it asks every
        # time. The fleet's cooldown decides instead: within it, the cached set
        # answers, whichever public method asked.
        if refresh and self.claim_refresh():
            return self.refreshed_jwk_set()
        return super().get_jwk_set()

    def refreshed_jwk_set(self) -> PyJWKSet:
        # PyJWT's own refresh ends in fetch_data, and ours answers from the
        # cache: the very set that lacked the key. So download (the parent's
        # fetch_data), let PyJWT parse the answer, and only then overwrite the
        # shared entry, so that every worker sees the new keys at once.
        jwks = super().fetch_data()
        jwk_set = PyJWKSet.from_dict(jwks)
        cache.set(self.cache_key, jwks, timeout=settings.JWKS_CACHE_SECONDS)
        return jwk_set

    # --8<-- [end:refresh]

    # --8<-- [start:cooldown]
    @property
    def refresh_cooldown_key(self) -> str:
        return f"jwks-refresh-cooldown:{self.uri}"

    def claim_refresh(self) -> bool:
        """True for the one caller per cooldown, fleet-wide, that may refresh."""
        # cache.add is Redis's SET NX EX: it writes only when the key is
        # absent, and the key expires by itself. One atomic command, so of many
        # workers asking at once exactly one gets True, and the next caller
        # only once the cooldown is over.
        return cache.add(
            self.refresh_cooldown_key,
            "a refresh happened",
            timeout=settings.JWKS_MIN_REFRESH_SECONDS,
        )

    # --8<-- [end:cooldown]

    # --8<-- [start:unknown-kids]
    def unknown_kid_key(self, kid: str) -> str:
        # Anyone can put any text in a token's kid: hashed, every key is short.
        digest = hashlib.sha256(kid.encode()).hexdigest()
        return f"jwks-unknown-kid:{self.uri}:{digest}"

    def was_unknown_after_a_refresh(self, kid: str) -> bool:
        return cache.get(self.unknown_kid_key(kid)) is not None

    def remember_unknown(self, kid: str) -> None:
        # Only the caller that won a refresh gets here, so a flood of random
        # kids adds one entry per cooldown at most: Redis's memory stays small.
        # Remembered as long as the set that lacks it: by then the cached set
        # is downloaded again anyway, and any key published since is found.
        cache.set(self.unknown_kid_key(kid), True, timeout=settings.JWKS_CACHE_SECONDS)

    # --8<-- [end:unknown-kids]


# --8<-- [end:caching-client]


def signing_keys_in(jwk_set: PyJWKSet) -> list[PyJWK]:
    """The keys that PyJWT's get_signing_keys picks: for signatures, with a kid."""
    return [
        key
        for key in jwk_set.keys
        if key.public_key_use in {"sig", None} and key.key_id
    ]
