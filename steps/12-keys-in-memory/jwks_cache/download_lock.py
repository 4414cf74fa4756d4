"""The fleet's download lock: one holder at a time, and only the holder ends it."""

import uuid

from jwks_cache.redis_store import RedisStore


class DownloadLock:
    """A key in Redis that holds its owner's token, set with SET NX PX.

    It expires by itself, so a worker that dies holding it holds up nobody for
    long; only the worker whose token it holds ends it, so a download that
    outlived its lock never ends another worker's.
    """

    def __init__(self, store: RedisStore, uri: str, seconds: float) -> None:
        self.store = store
        self.name = f"jwks-download:{uri}"
        # Longer than a download that is alive may take: its timeout, twice.
        self.seconds = seconds

    def claim(self) -> str | None:
        """A token of the lock's owner; None while another worker holds it."""
        token = uuid.uuid4().hex
        claimed = self.store.add(self.name, token, self.seconds)
        # While Redis is down (None), each process downloads for itself.
        return token if claimed is not False else None

    def release(self, token: str) -> None:
        self.store.delete_if_holds(self.name, token)
