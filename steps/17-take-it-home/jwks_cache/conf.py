"""The app's settings: what a project must set (no guess is safe in production; the
check jwks_cache.E001 names what is missing), and the defaults of the rest."""

from django.conf import settings

REQUIRED = {
    "JWKS_URL": "the identity provider's JWKS URL",
    "JWT_ISSUER": "the iss its tokens carry",
    "JWT_AUDIENCE": "the aud its tokens carry for this API",
    "JWKS_REDIS_URL": "the Redis the fleet shares: redis://[:password@]host:port/db",
}

DEFAULTS = {
    "JWT_ALGORITHMS": ["RS256"],  # only what the provider signs with
    "JWKS_REDIS_KEY_PREFIX": "jwks-cache",
    "JWKS_REDIS_TIMEOUT": 0.5,
    "JWKS_FETCH_TIMEOUT": 5,
    "JWKS_CACHE_SECONDS": 5 * 60,
    "JWKS_MIN_CACHE_SECONDS": 60,
    "JWKS_MAX_CACHE_SECONDS": 60 * 60,
    "JWKS_MIN_REFRESH_SECONDS": 30,
    "JWKS_STALE_SECONDS": 24 * 60 * 60,
    "JWKS_IN_PROCESS_SECONDS": 30,
    "JWKS_REFRESH_AHEAD_SECONDS": 30,
    "JWT_VERIFIED_TOKENS": 10_000,
    "JWKS_INTEGRITY_KEY": "",  # empty: a key derived from SECRET_KEY
}


def set_defaults() -> None:
    """Each default the project does not set, set on Django's settings."""
    for name, value in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, value)
