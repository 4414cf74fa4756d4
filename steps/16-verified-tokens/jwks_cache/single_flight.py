"""Single flight: one download at a time, for the whole fleet."""

import time
from collections.abc import Callable
from dataclasses import replace

from jwt import PyJWKClientConnectionError

from jwks_cache.counters import Counter, counts
from jwks_cache.download_lock import DownloadLock
from jwks_cache.key_set import KeySet, KeySource, Need

# How often a worker waiting for another's download looks at Redis.
WAIT_STEP_SECONDS = 0.05


class SingleFlight:
    """The worker that holds the download lock asks below; the others do not.

    While it downloads, the others serve the set in hand, if they have one, and
    wait for its download if they have none, or need a kid the set lacks. When
    the lock ends with no set in Redis (the download failed, or its worker
    died), a waiter claims it, and the layers below decide what it may do.
    """

    def __init__(
        self,
        source: KeySource,
        lock: DownloadLock,
        peek: Callable[[], KeySet | None],
    ) -> None:
        self.source = source
        self.lock = lock
        self.peek = peek  # the set in Redis, without asking the layers below

    def key_set(self, need: Need) -> KeySet:
        deadline = time.monotonic() + self.lock.seconds
        counted = need.due_within > 0  # a refresh ahead keeps no request waiting
        while True:
            stored = self.peek()
            if stored is not None and need.met_by(stored):
                counts.add(Counter.SHARED_TIER_HITS)
                return stored
            need = replace(need, in_hand=stored or need.in_hand)
            token = self.lock.claim()
            if token is None and need.in_hand is not None and not need.refresh:
                return need.in_hand  # the download under way is for the next ones
            if not counted:  # this request waits: for the provider, or a download
                counts.add(Counter.WAITED_FOR_DOWNLOAD)
                counted = True
            if token is not None:
                try:
                    return self.source.key_set(need)
                finally:
                    self.lock.release(token)
            if time.monotonic() >= deadline:
                raise PyJWKClientConnectionError(
                    "No key set: another worker's download is taking too long"
                )
            time.sleep(WAIT_STEP_SECONDS)
