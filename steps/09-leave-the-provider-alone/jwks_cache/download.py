"""The innermost layer: the provider's JWKS, downloaded by PyJWT."""

import logging
import time

from jwt import PyJWKClient

from jwks_cache.key_set import KeySet, Need

logger = logging.getLogger("jwks")


class Download:
    """The JWKS at the client's URL, with the client's headers, TLS context, timeout."""

    def __init__(self, client: PyJWKClient, fresh_for: float) -> None:
        self.client = client
        self.fresh_for = fresh_for

    def key_set(self, need: Need) -> KeySet:
        started = time.perf_counter()
        # PyJWT's own download: PyJWKClient's fetch_data, not the client's override.
        jwks = PyJWKClient.fetch_data(self.client)
        took_ms = (time.perf_counter() - started) * 1000
        logger.info("Downloaded the JWKS from %s in %.1f ms", self.client.uri, took_ms)
        return KeySet.parse(jwks, time.time(), self.fresh_for)
