"""What each process's cache did, counted by its layers; the fleet's sum in Redis."""

import enum
import logging
import threading

from jwks_cache.key_set import KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore

# A logger of its own, for a deployment to route wherever its metrics go.
counters_logger = logging.getLogger("jwks.counters")

FLEET_COUNTERS = "jwks-counters"


class Counter(enum.Enum):
    DOWNLOADS = "downloads"
    SHARED_TIER_HITS = "shared_tier_hits"
    IN_PROCESS_HITS = "in_process_hits"
    STALE_SERVES = "stale_serves"
    REFUSED_REFRESHES = "refused_refreshes"
    INTEGRITY_FAILURES = "integrity_failures"
    WAITED_FOR_DOWNLOAD = "waited_for_download"
    REFRESHED_AHEAD = "refreshed_ahead"
    SIGNATURE_CHECKS = "signature_checks"
    TOKENS_RECALLED = "tokens_recalled"


class Counts:
    """This process's counts since it started, and how many of them Redis has."""

    def __init__(self) -> None:
        # A worker's threads count at once: += on a dict is not atomic.
        self._lock = threading.Lock()
        self._counted = dict.fromkeys(Counter, 0)
        self._reported = dict.fromkeys(Counter, 0)

    def add(self, counter: Counter) -> None:
        with self._lock:
            self._counted[counter] += 1

    def unreported(self) -> dict[Counter, int]:
        with self._lock:
            return {c: n - self._reported[c] for c, n in self._counted.items()}

    def mark_reported(self, counts: dict[Counter, int]) -> None:
        with self._lock:
            for counter, number in counts.items():
                self._reported[counter] += number

    def __str__(self) -> str:
        with self._lock:
            return " ".join(f"{c.value}={n}" for c, n in self._counted.items())


# One per process, as the logging module's loggers are.
counts = Counts()


class ReportCounters:
    """Past this process's memory anyway: its new counts join the fleet's in Redis."""

    def __init__(self, source: KeySource, store: RedisStore) -> None:
        self.source = source
        self.store = store

    def key_set(self, need: Need) -> KeySet:
        try:
            return self.source.key_set(need)
        finally:
            new = {c: n for c, n in counts.unreported().items() if n}
            by_name = {counter.value: number for counter, number in new.items()}
            if new and self.store.add_to_hash(FLEET_COUNTERS, by_name):
                counts.mark_reported(new)
                counters_logger.info("JWKS counters of this process: %s", counts)
