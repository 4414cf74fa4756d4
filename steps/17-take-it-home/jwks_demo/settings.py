"""Settings for the JWKS demo API.

Everything that differs between a laptop and production comes from the
environment; the defaults are the tutorial's local servers (``tutorial idp``).
"""

import os

# --8<-- [start:identity-provider]
JWKS_URL = os.environ.get("JWKS_URL", "http://127.0.0.1:8001/.well-known/jwks.json")
JWT_ISSUER = os.environ.get("JWT_ISSUER", "http://127.0.0.1:8001")
JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "https://api.jwks-tutorial.test")
# --8<-- [end:identity-provider]

# --8<-- [start:redis-cache]
# The docker compose service, password included; set REDIS_URL for any other server.
REDIS_URL = os.environ.get(
    "REDIS_URL", "redis://:this-is-your-admin-password@127.0.0.1:6379/0"
)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}
# --8<-- [end:redis-cache]

# --8<-- [start:jwks-redis]
# The JWKS cache's own Redis, and the prefix of its keys there.
JWKS_REDIS_URL = REDIS_URL
JWKS_REDIS_KEY_PREFIX = "jwks-cache"
# Redis answers in a millisecond or not at all: after half a second, it is down.
JWKS_REDIS_TIMEOUT = 0.5
# The key of the integrity tag on the key set in Redis; empty: one from SECRET_KEY.
JWKS_INTEGRITY_KEY = os.environ.get("JWKS_INTEGRITY_KEY", "")
# --8<-- [end:jwks-redis]

# --8<-- [start:jwks-cache]
# How long Redis keeps the JWKS. A new key no longer waits for it (a token with
# an unknown kid makes a refresh), but a key the provider withdraws stays
# trusted until the cached set expires: minutes, not the article's day.
JWKS_CACHE_SECONDS = int(os.environ.get("JWKS_CACHE_SECONDS", 5 * 60))
# --8<-- [end:jwks-cache]

# --8<-- [start:refresh-cooldown]
# At most one refresh past the cache per this many seconds, for the whole fleet:
# a flood of tokens with made-up kids cannot turn into a flood of downloads.
JWKS_MIN_REFRESH_SECONDS = int(os.environ.get("JWKS_MIN_REFRESH_SECONDS", 30))
# --8<-- [end:refresh-cooldown]

# --8<-- [start:outages]
# While the provider fails, a key set past its JWKS_CACHE_SECONDS is still used
# for this long (logged as stale); then the API answers 503 with Retry-After.
JWKS_STALE_SECONDS = int(os.environ.get("JWKS_STALE_SECONDS", 24 * 60 * 60))
# Seconds to wait for the provider. PyJWT's default, 30, would hold a worker,
# and the requests queued behind it, for as long.
JWKS_FETCH_TIMEOUT = int(os.environ.get("JWKS_FETCH_TIMEOUT", 5))
# --8<-- [end:outages]

# --8<-- [start:in-process]
# How long a process checks tokens with the keys it holds, without asking Redis;
# never longer than the set stays fresh. A rotation does not wait for it: a kid
# the process lacks sends it to Redis, where another worker's refresh is.
JWKS_IN_PROCESS_SECONDS = int(os.environ.get("JWKS_IN_PROCESS_SECONDS", 30))
# --8<-- [end:in-process]

# --8<-- [start:refresh-ahead]
# Once a set has less freshness left than this (at most half its life), one worker
# of the fleet downloads the next in the background, while requests get the set in
# hand. Each process starts in the last 50 to 100 % of it: not all try at once.
JWKS_REFRESH_AHEAD_SECONDS = int(os.environ.get("JWKS_REFRESH_AHEAD_SECONDS", 30))
# --8<-- [end:refresh-ahead]

# --8<-- [start:verified-tokens]
# How many verified tokens each process remembers, so that a token it has seen
# is not verified again (jwks_cache/verified_tokens.py); 0 remembers none.
JWT_VERIFIED_TOKENS = int(os.environ.get("JWT_VERIFIED_TOKENS", 10_000))
# --8<-- [end:verified-tokens]

# --8<-- [start:cache-control]
# A provider's Cache-Control max-age says how long its key set may be kept; it is
# honoured within these bounds. Without the header, JWKS_CACHE_SECONDS.
JWKS_MIN_CACHE_SECONDS = int(os.environ.get("JWKS_MIN_CACHE_SECONDS", 60))
JWKS_MAX_CACHE_SECONDS = int(os.environ.get("JWKS_MAX_CACHE_SECONDS", 60 * 60))
# --8<-- [end:cache-control]

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-development-key-do-not-deploy"
)
DEBUG = os.environ.get("DJANGO_DEBUG", "false").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

# The API keeps no users of its own: the identity provider vouches for them,
# so there is no database and no django.contrib.auth.
INSTALLED_APPS = ["rest_framework", "jwks_cache", "core"]
DATABASES: dict = {}
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "jwks_demo.urls"
WSGI_APPLICATION = "jwks_demo.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"  # gunicorn logs in UTC: every log line agrees

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwks_cache.authentication.JWKSAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Without django.contrib.auth there is no AnonymousUser to fall back on.
    "UNAUTHENTICATED_USER": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
