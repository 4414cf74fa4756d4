"""The shared tier: the key set in Redis, through Django's cache, for every worker."""

from django.core.cache import cache

from jwks_cache.key_set import KeySet, KeySource


class SharedTier:
    """The set in Redis answers; the layer below is asked only when there is none."""

    def __init__(self, source: KeySource, uri: str, seconds: float) -> None:
        self.source = source
        # Named after what it holds, this URL's key set: a test's provider, or a
        # staging one that shares the Redis, never overwrites it.
        self.name = f"jwks-set:{uri}"
        self.seconds = seconds

    def key_set(self) -> KeySet:
        stored = cache.get(self.name)  # (jwks, downloaded_at)
        if stored is not None:
            return KeySet.parse(*stored)
        key_set = self.source.key_set()
        entry = (key_set.jwks, key_set.downloaded_at)
        cache.set(self.name, entry, timeout=self.seconds)
        return key_set
