"""The cache's layers, assembled: each wraps the one before it, from the provider up."""

from django.conf import settings
from jwt import PyJWKClient

from jwks_cache.cooldown import Cooldown
from jwks_cache.download import Download
from jwks_cache.key_set import KeySource
from jwks_cache.redis_store import RedisStore
from jwks_cache.shared_tier import SharedTier
from jwks_cache.stale_if_error import StaleIfError


def assemble(client: PyJWKClient) -> KeySource:
    """The key set's way from the provider to a request, for this client."""
    store = RedisStore()
    # The provider, over HTTP.
    source: KeySource = Download(client, settings.JWKS_CACHE_SECONDS)
    # After a refresh, the provider is left alone for a while.
    source = Cooldown(source, store, client.uri, settings.JWKS_MIN_REFRESH_SECONDS)
    # While it fails, the set in hand serves, stale, up to a cap.
    source = StaleIfError(source)
    # The set in Redis, for every worker; what is downloaded goes there.
    source = SharedTier(source, store, client.uri, settings.JWKS_STALE_SECONDS)
    return source
