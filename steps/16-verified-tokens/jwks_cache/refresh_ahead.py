"""Refresh ahead: near the end of its freshness, the next set, in the background."""

import logging
import random
import threading
import time
from dataclasses import replace

from jwks_cache.counters import Counter, counts
from jwks_cache.key_set import PROVIDER_ERRORS, KeySet, KeySource, Need

logger = logging.getLogger("jwks")

REFRESH_THREAD = "jwks-refresh-ahead"  # its thread's name, for a debugger


class RefreshAhead:
    """Every request gets the set in hand; a thread of this process renews it.

    Once the set's freshness left is under the window, a thread asks the layers
    below for the next: one worker of the fleet downloads it, the others find it
    in Redis. A set gone stale first answers, to the stale cap, meanwhile.
    """

    def __init__(
        self,
        source: KeySource,
        seconds: float,
        retry_seconds: float,
        stale_seconds: float,
    ) -> None:
        self.source = source
        self.stale_seconds = stale_seconds
        self.latest: KeySet | None = None  # the set requests got last
        # Jitter: each process starts in the last 50 to 100 % of the window.
        self.seconds = seconds * random.uniform(0.5, 1)
        # After a try that brought nothing new: the cooldown, as for a request.
        self.retry_seconds = retry_seconds
        self.refreshing = threading.Lock()  # one refresh at a time, per process
        self.next_try = 0.0  # by the monotonic clock

    def key_set(self, need: Need) -> KeySet:
        if self.latest is None and not need.refresh:
            # A process's first set: the one in Redis, even stale (to the cap).
            need = replace(need, due_within=-self.stale_seconds)
        latest = self.latest
        if latest is not None and not need.refresh:
            fresh_left = latest.fresh_left
            # Past the stale cap, not even a refresh gets it: the request asks below.
            usable = fresh_left + self.stale_seconds > 0
            if usable and fresh_left <= self.window(latest):  # due
                self.start_refresh(latest)
                if self.refreshing.locked() and fresh_left <= 0:
                    return latest  # stale, while this process's thread renews it
        self.latest = key_set = self.source.key_set(need)
        return key_set

    def window(self, key_set: KeySet) -> float:
        # At most half the set's life: a set just downloaded is never due.
        return min(self.seconds, key_set.fresh_for / 2)

    def start_refresh(self, key_set: KeySet) -> None:
        if time.monotonic() < self.next_try or not self.refreshing.acquire(False):
            return
        # Started on first use, in the process that serves: a thread started at
        # import would stay in gunicorn's master when it forks (--preload).
        thread = threading.Thread(
            target=self.refresh, args=(key_set,), name=REFRESH_THREAD, daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: the next request tries again
            self.refreshing.release()

    def refresh(self, key_set: KeySet) -> None:
        renewed = False
        try:
            due = Need(in_hand=key_set, due_within=self.window(key_set))
            new = self.source.key_set(due)
            renewed = new.downloaded_at > key_set.downloaded_at
            if renewed:
                self.latest = new
        except PROVIDER_ERRORS as error:
            logger.warning("Refreshing the JWKS ahead failed (%s)", error)
        finally:
            if renewed:
                counts.add(Counter.REFRESHED_AHEAD)
            else:  # the provider failed, or another worker is downloading
                self.next_try = time.monotonic() + self.retry_seconds
            self.refreshing.release()
