"""The shared tier: the key set in Redis, as signed JSON, for every worker."""

import logging
from dataclasses import replace

from jwks_cache.counters import Counter, counts
from jwks_cache.key_set import KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore
from jwks_cache.signed_json import RefusedEntry, SignedJSON

logger = logging.getLogger("jwks")


class SharedTier:
    """A set in Redis that meets the need answers it; else the layer below, shared."""

    def __init__(
        self,
        source: KeySource,
        store: RedisStore,
        codec: SignedJSON,
        uri: str,
        stale_seconds: float,
    ) -> None:
        self.source = source
        self.store = store
        self.codec = codec
        # Named after what it holds, this URL's key set: a test's provider, or a
        # staging one that shares the Redis, never overwrites it.
        self.name = f"jwks-set:{uri}"
        self.stale_seconds = stale_seconds

    def key_set(self, need: Need) -> KeySet:
        stored = self.read()
        # Redis down, or restarted empty: the set this process holds stands in.
        in_hand = stored or need.in_hand
        if in_hand is not None and need.met_by(in_hand):
            key_set = in_hand
        else:
            key_set = self.source.key_set(replace(need, in_hand=in_hand))
        self.share(key_set, replacing=stored)
        return key_set

    def read(self) -> KeySet | None:
        stored = self.store.get(self.name)
        try:
            return None if stored is None else self.codec.loads(stored)
        except RefusedEntry as refusal:
            counts.add(Counter.INTEGRITY_FAILURES)
            # Planted, tampered with, or broken: deleted, so the fleet meets it once.
            logger.warning("Refused the JWKS entry in Redis: %s. Replacing it", refusal)
            self.store.delete(self.name)
            return None

    def share(self, key_set: KeySet, replacing: KeySet | None) -> None:
        """Put ``key_set`` in Redis, for as long as it may be used, fresh or stale."""
        entry = self.codec.dumps(key_set)
        usable_for = key_set.fresh_left + self.stale_seconds
        if replacing is None:
            # SET NX: a set another worker shared meanwhile is as new, and stays.
            self.store.add(self.name, entry, usable_for)
        elif key_set.downloaded_at > replacing.downloaded_at:
            self.store.set(self.name, entry, usable_for)
