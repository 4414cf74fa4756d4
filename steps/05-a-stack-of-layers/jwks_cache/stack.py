"""The cache's layers, assembled: each wraps the one before it, from the provider up."""

from django.conf import settings
from jwt import PyJWKClient

from jwks_cache.download import Download
from jwks_cache.key_set import KeySource
from jwks_cache.shared_tier import SharedTier


def assemble(client: PyJWKClient) -> KeySource:
    """The key set's way from the provider to a request, for this client."""
    # The provider, over HTTP.
    source: KeySource = Download(client)
    # The set in Redis, for every worker; what is downloaded goes there.
    source = SharedTier(source, client.uri, settings.JWKS_CACHE_SECONDS)
    return source
