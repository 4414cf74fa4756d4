"""The JWKS client: PyJWT's, with every download logged and the set kept in Redis.

``CachingJWKClient`` shares one key set between every request and worker
through Redis, and refreshes it past the cache for a new kid, at most once per
cooldown for the whole fleet. It carries on while Redis is down (each process
keeps a copy of the set it last read) and while the provider fails (a stale set
serves, up to a cap). One worker of the fleet downloads at a time: the others
serve the stale set, or wait for that download. ``download_jwks`` is the
download itself, since step 11.

One client per process (``jwks_client``) keeps the signing keys it parsed in
memory for a while, so that a warm request makes no Redis call at all. What
Redis holds is JSON with an integrity tag, never a pickle; the provider's
Cache-Control max-age, within bounds, says how long a set is fresh; and each
process counts what it did, for ``manage.py jwks_status``.

Only the worker holding the download lock ends it, and it keeps the lock alive
while its download runs, for up to four renewals.

Once a worker's set nears the end of its freshness, one worker of the fleet
downloads the next in a thread of its own, while every request is answered with
the set in hand: no request waits for the provider.
"""

import hashlib
import http.client
import json
import logging
import math
import os
import random
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.core.signing import BadSignature, Signer
from django.dispatch import receiver
from jwt import (
    PyJWK,
    PyJWKClient,
    PyJWKClientConnectionError,
    PyJWKClientError,
    PyJWKSet,
    PyJWKSetError,
)

from core.shared_cache import shared_cache

logger = logging.getLogger("jwks")
# A logger of their own, for a deployment to route wherever its metrics go.
counters_logger = logging.getLogger("jwks.counters")
# What the download lock holds: a download under way, or one that just failed.
DOWNLOADING, FAILED = "downloading", "failed"
# How often a worker waiting for another's download looks at Redis.
WAIT_STEP_SECONDS = 0.05
# The thread that keeps a download's lock alive, by name, for a debugger.
LOCK_KEEPER_THREAD = "jwks-lock-keeper"
# How many times a download may renew its lock: up to three lock lives in all.
KEEPS_OF_THE_LOCK = 4
# The name of the thread that refreshes ahead.
REFRESH_THREAD = "jwks-refresh-ahead"


# --8<-- [start:logging-client]
class LoggingJWKClient(PyJWKClient):
    """A ``PyJWKClient`` whose ``download`` logs a line for every JWKS it downloads."""

    def download(self) -> "Download":
        """The JWKS, and the Cache-Control header the provider sent with it."""
        started = time.perf_counter()
        download = download_jwks(self.uri, self.headers, self.timeout, self.ssl_context)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("Downloaded the JWKS from %s in %.1f ms", self.uri, elapsed_ms)
        return download


# --8<-- [end:logging-client]


# --8<-- [start:cached-entry]
@dataclass(frozen=True)
class CachedJWKS:
    """A key set the provider served, and when: what Redis and each process keep."""

    jwks: dict[str, Any]
    # Wall-clock time, not a monotonic clock: every worker compares it with its own.
    downloaded_at: float
    # Seconds the set is fresh for, from the provider's Cache-Control max-age
    # (within JWKS_MIN_CACHE_SECONDS and JWKS_MAX_CACHE_SECONDS), else
    # JWKS_CACHE_SECONDS; and the header itself, for whoever reads the entry.
    fresh_for: float
    cache_control: str | None

    @property
    def age(self) -> float:
        return time.time() - self.downloaded_at

    def is_fresh(self) -> bool:
        return self.age < self.fresh_for

    def is_usable(self) -> bool:
        """Fresh, or stale for no longer than the provider may fail for."""
        return self.usable_for() > 0

    def usable_for(self) -> float:
        """Seconds until it is too stale to use: how long Redis keeps it."""
        return self.fresh_for + settings.JWKS_STALE_SECONDS - self.age

    def signed_json(self) -> str:
        """The entry as JSON, followed by its integrity tag: what Redis holds."""
        return integrity_signer().sign(json.dumps(asdict(self)))


# --8<-- [start:signed-json]
class RefusedEntry(Exception):
    """What Redis holds under the JWKS key is not an entry this fleet wrote."""


def entry_from(value: str | None) -> CachedJWKS | None:
    """The entry Redis held, or None when it held nothing.

    Nothing in it is trusted before its tag is: Signer checks the HMAC first,
    and only then is the JSON parsed. Never pickle, which runs code as it loads.
    """
    if value is None:
        return None
    try:
        text = integrity_signer().unsign(value)
    except BadSignature as error:
        raise RefusedEntry("its integrity tag does not match") from error
    try:
        entry = CachedJWKS(**json.loads(text))
        usable_jwk_set(entry.jwks)
    except (ValueError, TypeError, PyJWKClientError, PyJWKSetError) as error:
        # Tagged with our key, yet not a usable entry: refused all the same.
        raise RefusedEntry(f"it holds no usable key set ({error})") from error
    return entry


def integrity_signer() -> Signer:
    # HMAC-SHA256 with a key of its own, derived (the salt) from
    # JWKS_INTEGRITY_KEY, else from SECRET_KEY: every worker has it, and
    # nobody who can only write to Redis does.
    key = settings.JWKS_INTEGRITY_KEY or settings.SECRET_KEY
    return Signer(key=key, salt="core.jwks.CachedJWKS")


# --8<-- [end:signed-json]


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


# --8<-- [end:cached-entry]


# --8<-- [start:keys-in-memory]
@dataclass(frozen=True)
class KeysInMemory:
    """The signing keys this process parsed, by kid, and how long they answer alone."""

    by_kid: dict[str, PyJWK]
    # time.monotonic(): this process's own clock, which no one can set back.
    fresh_until: float
    # From then on, the set they came from is due to be refreshed ahead.
    refresh_from: float

    @classmethod
    def keep(
        cls, signing_keys: list[PyJWK], entry: CachedJWKS, ahead_seconds: float
    ) -> "KeysInMemory":
        # Never longer than the entry they came from stays fresh: memory must
        # not keep a set alive that Redis would have the fleet download again.
        fresh_left = entry.fresh_for - entry.age
        seconds = min(settings.JWKS_IN_PROCESS_SECONDS, fresh_left)
        now = time.monotonic()
        return cls(
            {key.key_id: key for key in signing_keys},
            fresh_until=now + seconds,
            refresh_from=now + fresh_left - ahead_seconds,
        )

    def find(self, kid: str) -> PyJWK | None:
        if time.monotonic() >= self.fresh_until:
            return None
        return self.by_kid.get(kid)


NOTHING_IN_MEMORY = KeysInMemory(by_kid={}, fresh_until=0.0, refresh_from=math.inf)
# --8<-- [end:keys-in-memory]


# --8<-- [start:counters]
COUNTERS = (
    "downloads",
    "shared_tier_hits",
    "in_process_hits",
    "stale_serves",
    "refused_refreshes",
    "integrity_failures",
    "waited_for_download",
    "refreshed_ahead",
    "signature_checks",
    "tokens_recalled",
)


class Counters:
    """What this process's client did, since it started; reported to Redis."""

    def __init__(self) -> None:
        # Threads of one worker count at once: += on a dict is not atomic.
        self._lock = threading.Lock()
        self._counted = dict.fromkeys(COUNTERS, 0)
        self._reported = dict.fromkeys(COUNTERS, 0)

    def count(self, name: str) -> None:
        with self._lock:
            self._counted[name] += 1

    def unreported(self) -> dict[str, int]:
        with self._lock:
            return {
                name: self._counted[name] - self._reported[name]
                for name in COUNTERS
                if self._counted[name] != self._reported[name]
            }

    def mark_reported(self, counts: dict[str, int]) -> None:
        with self._lock:
            for name, count in counts.items():
                self._reported[name] += count

    def __str__(self) -> str:
        with self._lock:
            return " ".join(f"{name}={self._counted[name]}" for name in COUNTERS)


# --8<-- [end:counters]


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

    # --8<-- [start:in-memory-tier]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Every argument PyJWKClient takes, as it takes them. Then PyJWT's own
        # cache goes, whatever cache_jwk_set and lifespan said: once filled it
        # answers get_jwk_set() without asking Redis, so a key another worker
        # fetched would stay out of sight. This process's memory is
        # keys_in_memory, ours; refreshes follow the fleet's cooldown.
        super().__init__(*args, **kwargs)
        self.jwk_set_cache = None
        self.keys_in_memory = NOTHING_IN_MEMORY
        self.counters = Counters()
        # One refresh ahead at a time in this process, and one try per cooldown.
        self.refreshing = threading.Lock()
        self.next_refresh_try = 0.0
        # Jitter: this process starts in the last 50 to 100 % of the window.
        jitter = random.uniform(0.5, 1)
        self.ahead_seconds = settings.JWKS_REFRESH_AHEAD_SECONDS * jitter

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        # Whether the keys came from Redis or the provider, copies_here now
        # holds their entry. The process keeps them parsed, for the requests
        # to come, for as long as that entry allows.
        signing_keys = super().get_signing_keys(refresh)
        entry = copies_here.get(self.uri)
        if entry is not None:
            self.keys_in_memory = KeysInMemory.keep(
                signing_keys, entry, self.ahead_seconds
            )
        self.report_counters()
        return signing_keys

    # --8<-- [start:report-counters]
    @property
    def counters_key(self) -> str:
        return f"jwks-counters:{self.uri}"

    def report_counters(self) -> None:
        # Only when the process goes past its memory anyway: the hot path stays
        # free of Redis, and the fleet's counters lag by JWKS_IN_PROCESS_SECONDS.
        counts = self.counters.unreported()
        if counts and shared_cache.add_to_hash(self.counters_key, counts):
            self.counters.mark_reported(counts)
            counters_logger.info("JWKS counters of this process: %s", self.counters)

    # --8<-- [end:report-counters]

    # --8<-- [end:in-memory-tier]

    # --8<-- [start:fetch-data]
    def fetch_data(self) -> Any:
        # The shared tier: a fresh entry costs one Redis GET. Anything else, a
        # stale or missing entry, goes through renew(), which lets one worker
        # download at a time.
        entry = self.cached_entry() or self.copy_given_back()
        if entry is not None and entry.is_fresh():
            self.counters.count("shared_tier_hits")
            return entry.jwks
        return self.renew(stale=entry)

    def cached_entry(self) -> CachedJWKS | None:
        """The entry in Redis; while Redis is down, this process's copy of it."""
        try:
            entry = entry_from(shared_cache.get(self.cache_key))
        except RefusedEntry as refusal:
            # Planted, tampered with, or broken: never used, and deleted, so
            # that the fleet meets it once. No entry at all, then: the next
            # download replaces it.
            self.counters.count("integrity_failures")
            logger.warning(
                "Refused the JWKS entry in Redis: %s. Replacing it.", refusal
            )
            shared_cache.delete(self.cache_key)
            entry = None
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
        shared_cache.add(self.cache_key, copy.signed_json(), timeout=copy.usable_for())
        return copy

    # --8<-- [end:fetch-data]

    # --8<-- [start:renew]
    def renew(self, stale: CachedJWKS | None) -> Any:
        """A fresh key set, downloaded by one worker at a time for the whole fleet."""
        usable = stale if stale is not None and stale.is_usable() else None
        if token := self.claim_download():
            self.counters.count("waited_for_download")  # this request downloads
            return self.download_once(usable, token)
        if usable is not None:
            # Another worker is downloading, or failed a moment ago: the stale
            # set serves until then, and this request waits for nothing.
            self.counters.count("stale_serves")
            return usable.jwks
        self.counters.count("waited_for_download")
        return self.wait_for_other_download()

    def download_once(self, usable: CachedJWKS | None, token: str) -> Any:
        """Holding the lock: download, or serve the usable set if the provider fails."""
        entry = self.cached_entry() or self.copy_given_back()
        if entry is not None and entry.is_fresh():
            # Another worker's download ended between our look and our claim.
            self.release_download(token)
            return entry.jwks
        try:
            with self.keeping_lock(token):
                entry = self.download_and_share()
        # ValueError: an answer that is not JSON, which PyJWT lets through.
        except (PyJWKClientError, PyJWKSetError, ValueError) as error:
            if usable is None:
                # Nothing to serve meanwhile: the next request tries again.
                self.release_download(token)
                raise
            # The stale set covers for the provider, so the lock now says
            # "failed" until the cooldown ends: the fleet asks a failing
            # provider once per cooldown, not once per request.
            self.mark_download_failed(token)
            logger.warning(
                "The identity provider failed (%s): serving the JWKS downloaded "
                "%.0f s ago, stale",
                error,
                usable.age,
            )
            self.counters.count("stale_serves")
            return usable.jwks
        except BaseException:
            # Anything else (a bug, a worker told to stop): never leave the
            # fleet waiting for a lock that no download holds any more.
            self.release_download(token)
            raise
        self.release_download(token)
        return entry.jwks

    def wait_for_other_download(self) -> Any:
        """No usable set anywhere: wait for the worker that is downloading one."""
        # As long as the lock may be kept: its life, and half a life per renewal.
        lock_kept_for = self.download_lock_seconds * (1 + KEEPS_OF_THE_LOCK / 2)
        deadline = time.monotonic() + lock_kept_for
        while time.monotonic() < deadline:
            time.sleep(WAIT_STEP_SECONDS)
            entry = self.cached_entry()
            if entry is not None and entry.is_usable():
                return entry.jwks
            lock = shared_cache.get(self.download_lock_key)
            if lock is None and (token := self.claim_download()):
                # The worker that held the lock died, and the lock expired.
                return self.download_once(usable=None, token=token)
            if lock == FAILED:
                break  # it failed, and no retry before the cooldown ends
        raise PyJWKClientError("No usable JWKS: the provider failed or is too slow")

    # --8<-- [end:renew]

    # --8<-- [start:download-and-share]
    def download_and_share(self) -> CachedJWKS:
        """Download, check, then share with the fleet, as signed JSON."""
        self.counters.count("downloads")
        download = self.download()
        usable_jwk_set(download.jwks)  # raises before a bad answer replaces a good set
        entry = CachedJWKS(
            download.jwks,
            downloaded_at=time.time(),
            fresh_for=fresh_seconds(download.cache_control),
            cache_control=download.cache_control,
        )
        # Redis keeps the entry as long as it may be used, fresh or stale.
        shared_cache.set(
            self.cache_key, entry.signed_json(), timeout=entry.usable_for()
        )
        copies_here[self.uri] = entry
        return entry

    # --8<-- [end:download-and-share]

    # --8<-- [start:refresh-ahead]
    def refresh_ahead_if_due(self) -> None:
        """Near the end of the set's freshness: one refresh, in the background."""
        now = time.monotonic()
        if now < max(self.keys_in_memory.refresh_from, self.next_refresh_try):
            return
        if not self.refreshing.acquire(blocking=False):
            return  # this process is refreshing already
        self.next_refresh_try = now + settings.JWKS_MIN_REFRESH_SECONDS
        # A thread of this process, started on first use: a refresher started
        # at import would stay in gunicorn's master when it forks (--preload).
        refresher = threading.Thread(
            target=self.refresh_in_background, name=REFRESH_THREAD, daemon=True
        )
        try:
            refresher.start()
        except RuntimeError:  # no thread to be had: the next try, after the cooldown
            self.refreshing.release()

    def refresh_in_background(self) -> None:
        try:
            if self.claim_refresh_ahead() and (token := self.claim_download()):
                self.refresh_holding(token)
        finally:
            self.refreshing.release()

    def claim_refresh_ahead(self) -> bool:
        """True for one worker per cooldown, fleet-wide (per process, Redis down)."""
        claimed = shared_cache.add(
            f"jwks-refresh-ahead:{self.uri}",
            "claimed",
            timeout=settings.JWKS_MIN_REFRESH_SECONDS,
        )
        if claimed is None:
            claimed = claim_refresh_in_this_process(f"ahead:{self.uri}")
        return claimed is True

    def refresh_holding(self, token: str) -> None:
        """Holding the lock: download through the same path as every request."""
        entry = self.cached_entry()
        if entry is None or entry.fresh_for - entry.age <= self.ahead_seconds:
            try:
                with self.keeping_lock(token):
                    entry = self.download_and_share()
                self.counters.count("refreshed_ahead")
            except (PyJWKClientError, PyJWKSetError, ValueError) as error:
                # Nothing written: the set in use serves on (stale past its
                # freshness, up to the cap); the next try is after the cooldown.
                logger.warning("Refreshing the JWKS ahead failed (%s)", error)
                return
            finally:
                self.release_download(token)
        else:
            self.release_download(token)  # another worker refreshed it already
        signing_keys = signing_keys_in(PyJWKSet.from_dict(entry.jwks))
        self.keys_in_memory = KeysInMemory.keep(signing_keys, entry, self.ahead_seconds)

    # --8<-- [end:refresh-ahead]

    # --8<-- [start:find-signing-key]
    def find_signing_key(self, kid: str) -> PyJWK | None:
        """The published key named ``kid``, or None when the provider has none."""
        self.refresh_ahead_if_due()  # one comparison, unless the set is due
        # The hot path: a key this process parsed a moment ago. No Redis.
        signing_key = self.keys_in_memory.find(kid)
        if signing_key is not None:
            self.counters.count("in_process_hits")
            return signing_key
        # Not in memory, or kept there long enough: the set in Redis, where
        # another worker's refresh may have put the key, before the provider.
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
        self.counters.count("waited_for_download")  # a new kid: this request
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
        if claimed is not True:
            self.counters.count("refused_refreshes")
        return claimed is True

    # --8<-- [end:cooldown]

    # --8<-- [start:download-lock]
    @property
    def download_lock_key(self) -> str:
        return f"jwks-download:{self.uri}"

    @property
    def download_lock_seconds(self) -> float:
        # Longer than a download that is still alive may take; if the worker
        # holding the lock dies, the lock expires soon after, by itself.
        return 2 * self.timeout

    def claim_download(self) -> str | None:
        """A token of the one caller, fleet-wide, that downloads now (SET NX EX)."""
        token = f"{DOWNLOADING}:{uuid.uuid4().hex}"
        claimed = shared_cache.add(
            self.download_lock_key, token, timeout=self.download_lock_seconds
        )
        # While Redis is down (None), each process downloads for itself:
        # without a key set, no token could be checked.
        return token if claimed is not False else None

    def release_download(self, token: str) -> None:
        # Only while the lock is still ours: if it expired and another worker
        # claimed it, that worker's download goes on undisturbed.
        shared_cache.delete_if_holds(self.download_lock_key, token)

    @contextmanager
    def keeping_lock(self, token: str) -> Iterator[None]:
        """While the block downloads, the lock stays ours: renewed at half its life."""
        done = threading.Event()

        def renew_the_lock() -> None:
            # Not for ever: a download that trickles on for longer than this
            # loses the lock, and another worker may try.
            for _ in range(KEEPS_OF_THE_LOCK):
                if done.wait(self.download_lock_seconds / 2):
                    return
                shared_cache.expire_if_holds(
                    self.download_lock_key, token, self.download_lock_seconds
                )

        threading.Thread(
            target=renew_the_lock, name=LOCK_KEEPER_THREAD, daemon=True
        ).start()
        try:
            yield
        finally:
            done.set()

    def mark_download_failed(self, token: str) -> None:
        # Only while the lock is ours, as for ending it.
        shared_cache.set_if_holds(
            self.download_lock_key, token, FAILED, settings.JWKS_MIN_REFRESH_SECONDS
        )

    # --8<-- [end:download-lock]

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
            self.unknown_kid_key(kid), "unknown", timeout=settings.JWKS_CACHE_SECONDS
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


# --8<-- [start:one-client-per-process]
_client: CachingJWKClient | None = None
_client_lock = threading.Lock()


def jwks_client() -> CachingJWKClient:
    """This process's one client: made on first use, then shared by its threads."""
    global _client
    client = _client
    if client is None:
        with _client_lock:
            # Another thread may have made it while this one waited.
            if _client is None:
                _client = CachingJWKClient(
                    settings.JWKS_URL, timeout=settings.JWKS_FETCH_TIMEOUT
                )
            client = _client
    return client


@receiver(setting_changed)
def forget_the_client(**kwargs: Any) -> None:
    # Settings change only in tests (pytest-django's settings fixture): the
    # client, and the keys it keeps, belong to the settings it was made with.
    global _client
    _client = None


# A worker forked from a process that had a client (its refresh under way, its
# lock held) makes one of its own.
os.register_at_fork(after_in_child=forget_the_client)


# --8<-- [end:one-client-per-process]


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


# --8<-- [start:download]
class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects, as PyJWT does: the JWKS comes from the configured URL."""

    def redirect_request(self, *args: Any) -> None:
        return None


@dataclass(frozen=True)
class Download:
    """What the provider answered: the JWKS, and its Cache-Control header."""

    jwks: Any
    cache_control: str | None


def download_jwks(
    url: str,
    headers: dict[str, Any],
    timeout: float,
    ssl_context: ssl.SSLContext | None,
) -> Download:
    """The JSON at ``url``, with the response's Cache-Control header.

    PyJWT's fetch_data returns the JSON alone, so this fetches it as PyJWT does:
    the caller's headers, TLS context and timeout, no redirects, PyJWT's errors.
    """
    handlers: list[urllib.request.BaseHandler] = [NoRedirects()]
    if ssl_context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
    opener = urllib.request.build_opener(*handlers)
    try:
        request = urllib.request.Request(url, headers=headers)
        with opener.open(request, timeout=timeout) as response:
            body = response.read()
            cache_control = response.headers.get("Cache-Control")
    except (OSError, http.client.HTTPException) as error:
        # URLError, HTTPError (a 500, say) and timeouts are all OSErrors.
        if isinstance(error, urllib.error.HTTPError):
            error.close()  # it holds the response, and so a socket
        raise PyJWKClientConnectionError(
            f"Could not download the JWKS: {error}"
        ) from error
    # Not JSON: json's ValueError goes to the caller, as it does from PyJWT.
    return Download(json.loads(body), cache_control)


# --8<-- [end:download]


# --8<-- [start:cache-control]
def fresh_seconds(cache_control: str | None) -> float:
    """How long a set is fresh: the provider's max-age, within bounds, if it sent one.

    The floor keeps a provider that says "max-age=0" (or no-cache) from costing a
    download per request; the ceiling bounds how long a key the provider
    withdraws, say because it leaked, stays trusted, whatever the header says.
    """
    max_age = max_age_of(cache_control)
    if max_age is None:
        return settings.JWKS_CACHE_SECONDS
    return min(
        max(max_age, settings.JWKS_MIN_CACHE_SECONDS), settings.JWKS_MAX_CACHE_SECONDS
    )


MAX_AGE_DIGITS = re.compile(r"[0-9]{1,10}")


def max_age_of(cache_control: str | None) -> int | None:
    """The seconds ``Cache-Control`` lets a cache keep the answer, if it says."""
    directives = {}
    for directive in (cache_control or "").split(","):
        name, _, value = directive.partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0  # keep it no time at all: the floor decides
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses. A
    # number too long to be a freshness is no max-age at all.
    max_age = directives.get("max-age", "")
    return int(max_age) if MAX_AGE_DIGITS.fullmatch(max_age) else None


# --8<-- [end:cache-control]
