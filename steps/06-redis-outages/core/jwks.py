"""The JWKS client: PyJWT's, with every download logged and the set kept in Redis.

``CachingJWKClient`` shares one key set between every request and worker
through Redis, and refreshes it past the cache for a new kid, at most once per
cooldown for the whole fleet. It carries on while Redis is down (each process
keeps a copy of the set it last read; core/shared_cache.py notices the outage).
"""

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from jwt import PyJWK, PyJWKClient, PyJWKSet

from core.shared_cache import shared_cache

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


# --8<-- [start:copies-here]
# This process's copy of each JWKS URL's set, kept on every read from Redis:
# what tokens are checked with while Redis is down. One entry per URL.
copies_here: dict[str, Any] = {}

# When this process last refreshed each JWKS URL on its own, by its monotonic
# clock: the cooldown while Redis, which keeps the fleet's, is down.
refreshed_here_at: dict[str, float] = {}


def claim_refresh_in_this_process(uri: str) -> bool:
    """True once per JWKS_MIN_REFRESH_SECONDS for this process."""
    now = time.monotonic()
    last = refreshed_here_at.get(uri)
    if last is not None and now - last < settings.JWKS_MIN_REFRESH_SECONDS:
        return False
    refreshed_here_at[uri] = now
    return True


# --8<-- [end:copies-here]


# --8<-- [start:caching-client]
class CachingJWKClient(LoggingJWKClient):
    """Keeps the JWKS in Redis, shared by every request and worker, outages aside."""

    # --8<-- [start:cache-key]
    @property
    def cache_key(self) -> str:
        # Named after what it holds, this URL's JWKS: a test's provider, or a
        # staging one that shares the Redis, can never overwrite this entry.
        return f"jwks:{self.uri}"

    # --8<-- [end:cache-key]

    # --8<-- [start:fetch-data]
    def fetch_data(self) -> Any:
        # step 05's get_or_set, in three moves, so that a Redis outage is a
        # miss: Redis first; while it is down, this process's copy; else a
        # download, shared with the fleet (a write Redis refuses is skipped).
        jwks = shared_cache.get(self.cache_key)
        if jwks is None and shared_cache.is_down:
            jwks = copies_here.get(self.uri)
        if jwks is None:
            jwks = super().fetch_data()
            shared_cache.set(self.cache_key, jwks, timeout=settings.JWKS_CACHE_SECONDS)
        copies_here[self.uri] = jwks
        return jwks

    # --8<-- [end:fetch-data]

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
        shared_cache.set(self.cache_key, jwks, timeout=settings.JWKS_CACHE_SECONDS)
        copies_here[self.uri] = jwks
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
        # only once the cooldown is over. While Redis is down (None) nobody can
        # count refreshes for the fleet, so each process counts its own: a key
        # rotated during the outage still gets through, and a flood of made-up
        # kids costs each worker one download per cooldown, not one per request.
        claimed = shared_cache.add(
            self.refresh_cooldown_key,
            "a refresh happened",
            timeout=settings.JWKS_MIN_REFRESH_SECONDS,
        )
        if claimed is None:
            claimed = claim_refresh_in_this_process(self.uri)
        return claimed is True

    # --8<-- [end:cooldown]

    # --8<-- [start:unknown-kids]
    def unknown_kid_key(self, kid: str) -> str:
        # Anyone can put any text in a token's kid: hashed, every key is short.
        digest = hashlib.sha256(kid.encode()).hexdigest()
        return f"jwks-unknown-kid:{self.uri}:{digest}"

    def was_unknown_after_a_refresh(self, kid: str) -> bool:
        return shared_cache.get(self.unknown_kid_key(kid)) is not None

    def remember_unknown(self, kid: str) -> None:
        # Only the caller that won a refresh gets here, so a flood of random
        # kids adds one entry per cooldown at most: Redis's memory stays small.
        # Remembered as long as the set that lacks it: by then the cached set
        # is downloaded again anyway, and any key published since is found.
        shared_cache.set(
            self.unknown_kid_key(kid), True, timeout=settings.JWKS_CACHE_SECONDS
        )

    # --8<-- [end:unknown-kids]


# --8<-- [end:caching-client]


def signing_keys_in(jwk_set: PyJWKSet) -> list[PyJWK]:
    """The keys that PyJWT's get_signing_keys picks: for signatures, with a kid."""
    return [
        key
        for key in jwk_set.keys
        if key.public_key_use in {"sig", None} and key.key_id
    ]
