"""Stale if error: while the provider fails, the set in hand serves on, stale."""

import logging

from jwks_cache.key_set import PROVIDER_ERRORS, KeySet, KeySource, Need

logger = logging.getLogger("jwks")


class StaleIfError:
    """The set in hand when the layer below fails; else its error, and a 503.

    The layers above hand down a set only while it may be used, to the cap of
    JWKS_STALE_SECONDS. A refresh gets the error: its token may be signed with a
    key just published, so the answer is "try again", never "bad token" (401).
    """

    def __init__(self, source: KeySource) -> None:
        self.source = source

    def key_set(self, need: Need) -> KeySet:
        try:
            return self.source.key_set(need)
        except PROVIDER_ERRORS as error:
            if need.in_hand is None or need.refresh:
                raise
            logger.warning(
                "The identity provider failed (%s): serving the JWKS downloaded "
                "%.0f s ago, stale",
                error,
                need.in_hand.age,
            )
            return need.in_hand
