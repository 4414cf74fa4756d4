"""The cache's layers, assembled: each wraps the one before it, from the provider up."""

from django.conf import settings
from django.core.signing import Signer
from jwt import PyJWKClient

from jwks_cache.cache_control import Freshness
from jwks_cache.cooldown import Cooldown
from jwks_cache.counters import ReportCounters
from jwks_cache.download import Download
from jwks_cache.download_lock import DownloadLock
from jwks_cache.key_set import KeySource
from jwks_cache.keys_in_memory import KeysInMemory
from jwks_cache.redis_store import RedisStore
from jwks_cache.refresh_ahead import RefreshAhead
from jwks_cache.shared_tier import SharedTier
from jwks_cache.signed_json import SignedJSON
from jwks_cache.single_flight import SingleFlight
from jwks_cache.stale_if_error import StaleIfError


def assemble(client: PyJWKClient) -> KeySource:
    """The key set's way from the provider to a request, for this client."""
    store = RedisStore(
        settings.JWKS_REDIS_URL,
        key_prefix=settings.JWKS_REDIS_KEY_PREFIX,
        timeout=settings.JWKS_REDIS_TIMEOUT,
    )
    codec = SignedJSON(integrity_signer())
    freshness = Freshness(
        default=settings.JWKS_CACHE_SECONDS,
        floor=settings.JWKS_MIN_CACHE_SECONDS,
        ceiling=settings.JWKS_MAX_CACHE_SECONDS,
    )
    # The provider, over HTTP; Cache-Control says how long its answer is fresh.
    source: KeySource = Download(client, freshness)
    # After a refresh, or a failure, the provider is left alone for a while.
    source = Cooldown(source, store, client.uri, settings.JWKS_MIN_REFRESH_SECONDS)
    # While it fails, the set in hand serves, stale, up to a cap.
    source = StaleIfError(source)
    # The set in Redis, for every worker; what is downloaded goes there.
    shared = SharedTier(source, store, codec, client.uri, settings.JWKS_STALE_SECONDS)
    # One worker of the fleet downloads at a time: a lock that expires by itself.
    lock = DownloadLock(store, client.uri, seconds=2 * client.timeout)
    source = SingleFlight(shared, lock, peek=shared.read)
    # Past this process's memory anyway: its counts join the fleet's in Redis.
    source = ReportCounters(source, store)
    # The set this process holds answers alone for a while: no Redis call.
    stale_seconds = settings.JWKS_STALE_SECONDS
    source = KeysInMemory(source, settings.JWKS_IN_PROCESS_SECONDS, stale_seconds)
    # Near the end of its freshness, the next set, in the background.
    ahead, retry = (
        settings.JWKS_REFRESH_AHEAD_SECONDS,
        settings.JWKS_MIN_REFRESH_SECONDS,
    )
    source = RefreshAhead(source, ahead, retry, stale_seconds)
    return source


def integrity_signer() -> Signer:
    # HMAC-SHA256, with a key derived (the salt) from JWKS_INTEGRITY_KEY, else
    # from SECRET_KEY: every worker has it; whoever can only write to Redis not.
    key = settings.JWKS_INTEGRITY_KEY or settings.SECRET_KEY
    return Signer(key=key, salt="jwks_cache.signed_json")
