"""The JWKS client: PyJWT's, with every download logged and the set kept in Redis.

``CachingJWKClient`` shares one key set between every request and worker
through Redis, and refreshes it past the cache for a new kid, at most once per
cooldown for the whole fleet. It carries on while Redis is down (each process
keeps a copy of the set it last read) and while the provider fails (a stale set
serves, up to a cap).
"""

import hashlib
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from jwt import PyJWK, PyJWKClient, PyJWKClientError, PyJWKSet, PyJWKSetError

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


# --8<-- [start:cached-entry]
@dataclass(frozen=True)
class CachedJWKS:
    """A key set the provider served, and when: what Redis and each process keep."""

    jwks: dict[str, Any]
    # Wall-clock time, not a monotonic clock: every worker compares it with its own.
    downloaded_at: float

    @property
    def age(self) -> float:
        return time.time() - self.downloaded_at

    def is_fresh(self) -> bool:
        return self.age < settings.JWKS_CACHE_SECONDS

    def is_usable(self) -> bool:
        """Fresh, or stale for no longer than the provider may fail for."""
        return self.usable_for() > 0

    def usable_for(self) -> float:
        """Seconds until it is too stale to use: how long Redis keeps it."""
        return settings.JWKS_CACHE_SECONDS + settings.JWKS_STALE_SECONDS - self.age


def entry_from(value: Any) -> CachedJWKS | None:
    """The entry Redis held; None for nothing, or for a value of another shape."""
    if isinstance(value, dict) and value.keys() == {"jwks", "downloaded_at"}:
        return CachedJWKS(**value)
    return None


# --8<-- [end:cached-entry]


# --8<-- [start:copies-here]
# This process's copy of each JWKS URL's entry, kept on every read from Redis:
# what tokens are checked with while Redis is down. One entry per URL.
copies_here: dict[str, CachedJWKS] = {}

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
        # "v2": since step 07 the entry holds the download time too. Under a
        # new name, step 06's workers, still running during a deploy, never
        # read a shape they do not know, and their old entry expires by itself.
        return f"jwks-v2:{self.uri}"

    # --8<-- [end:cache-key]

    # --8<-- [start:fetch-data]
    def fetch_data(self) -> Any:
        # The hot path is still one Redis GET. Anything else, a stale or missing
        # entry, goes through renew().
        entry = self.cached_entry() or self.copy_given_back()
        if entry is not None and entry.is_fresh():
            return entry.jwks
        return self.renew(stale=entry)

    def cached_entry(self) -> CachedJWKS | None:
        """The entry in Redis; while Redis is down, this process's copy of it."""
        entry = entry_from(shared_cache.get(self.cache_key))
        if shared_cache.is_down:
            return copies_here.get(self.uri)
        if entry is not None:
            copies_here[self.uri] = entry
        return entry

    def copy_given_back(self) -> CachedJWKS | None:
        """This process's copy, shared again: Redis answered, but had no entry.

        Restarted empty, or it held what was refused. The copy serves this
        request and, back in Redis, the fleet's: a cold worker would otherwise
        have nothing, and find nothing while the provider fails.
        """
        copy = copies_here.get(self.uri)
        if copy is None or not copy.is_usable():
            return None
        # SET NX: a set that another worker shared meanwhile is newer, and wins.
        shared_cache.add(self.cache_key, asdict(copy), timeout=copy.usable_for())
        return copy

    # --8<-- [end:fetch-data]

    # --8<-- [start:renew]
    def renew(self, stale: CachedJWKS | None) -> Any:
        """A fresh key set; while the provider fails, the stale one, up to its cap."""
        usable = stale if stale is not None and stale.is_usable() else None
        if usable is not None and self.provider_failed_a_moment_ago():
            # The fleet asks a failing provider once per cooldown, not once per
            # request: until then the stale set serves, and nobody waits.
            return usable.jwks
        try:
            return self.download_and_share().jwks
        # ValueError: an answer that is not JSON, which PyJWT lets through.
        except (PyJWKClientError, PyJWKSetError, ValueError) as error:
            if usable is None:
                raise  # nothing to serve meanwhile: 503; the next request tries again
            self.remember_provider_failed()
            logger.warning(
                "The identity provider failed (%s): serving the JWKS downloaded "
                "%.0f s ago, stale",
                error,
                usable.age,
            )
            return usable.jwks

    @property
    def provider_failed_key(self) -> str:
        return f"jwks-provider-failed:{self.uri}"

    def provider_failed_a_moment_ago(self) -> bool:
        return shared_cache.get(self.provider_failed_key) is not None

    def remember_provider_failed(self) -> None:
        shared_cache.set(
            self.provider_failed_key,
            "failed",
            timeout=settings.JWKS_MIN_REFRESH_SECONDS,
        )

    # --8<-- [end:renew]

    # --8<-- [start:download-and-share]
    def download_and_share(self) -> CachedJWKS:
        """Download (the parent's fetch_data), check, then share with the fleet."""
        jwks = super().fetch_data()
        usable_jwk_set(jwks)  # raises before a bad answer replaces a good set
        entry = CachedJWKS(jwks, downloaded_at=time.time())
        # Redis keeps the entry as long as it may be used, fresh or stale.
        shared_cache.set(self.cache_key, asdict(entry), timeout=entry.usable_for())
        copies_here[self.uri] = entry
        return entry

    # --8<-- [end:download-and-share]

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
        # cache: the very set that lacked the key. So download, check the
        # answer, and only then overwrite the shared entry, so that every
        # worker sees the new keys at once.
        return PyJWKSet.from_dict(self.download_and_share().jwks)

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


# --8<-- [start:usable-jwk-set]
def usable_jwk_set(jwks: Any) -> PyJWKSet:
    """The set PyJWT makes of ``jwks``; an error unless a key in it has a kid."""
    if not isinstance(jwks, dict):
        raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
    jwk_set = PyJWKSet.from_dict(jwks)  # PyJWKSetError for {}, or no usable key
    if not any(key.key_id for key in jwk_set.keys):
        raise PyJWKSetError("No key in the JWKS has a kid: no token could name one")
    return jwk_set


# --8<-- [end:usable-jwk-set]
