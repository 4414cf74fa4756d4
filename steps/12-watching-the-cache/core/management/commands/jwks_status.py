"""``python manage.py jwks_status``: what the fleet has cached, and how it fares.

For JWKS_URL: the key set in Redis (its kids, its age, how long it stays fresh
and why, when Redis drops it), whether the provider answers now and with the
same keys, and the counters every process reports. One line, and exit code 1,
when Redis or the provider cannot be reached.
"""

from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from jwt import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

from core.jwks import (
    COUNTERS,
    CachedJWKS,
    CachingJWKClient,
    RefusedEntry,
    entry_from,
    max_age_of,
    usable_jwk_set,
)
from core.management.commands.ping_redis import redacted
from core.shared_cache import connect, shared_cache


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Show the JWKS cached in Redis, the fleet's counters, and the provider."

    def handle(self, *args: Any, **options: Any) -> None:
        client = CachingJWKClient(
            settings.JWKS_URL, timeout=settings.JWKS_FETCH_TIMEOUT
        )
        stored, seconds_left, counters = read_redis(client)
        self.line("JWKS_URL", client.uri)
        cached = self.describe_entry(stored, seconds_left)
        self.line("Counters", ", ".join(f"{n} {counters.get(n, 0)}" for n in COUNTERS))
        self.line("", "(each process adds its own when it next reads Redis)")
        self.describe_provider(client, cached)

    def describe_entry(
        self, stored: str | None, seconds_left: float | None
    ) -> CachedJWKS | None:
        try:
            entry = entry_from(stored)
        except RefusedEntry as refusal:
            self.line("In Redis", f"an entry that is refused: {refusal}")
            self.line("", "the next request that reads it downloads a new one")
            return None
        if entry is None:
            self.line("In Redis", "nothing yet: the next request downloads the set")
            return None
        self.line("In Redis", kids_of(entry.jwks))
        self.line("", f"downloaded {entry.age:.0f} s ago, {freshness(entry)}")
        self.line("", f"fresh for {entry.fresh_for:.0f} s in all: {why_fresh(entry)}")
        self.line("", f"Redis drops it in {seconds_left or 0:.0f} s (stale cap)")
        return entry

    def describe_provider(
        self, client: CachingJWKClient, cached: CachedJWKS | None
    ) -> None:
        url = client.uri
        try:
            jwks = client.download().jwks  # as the API downloads: same path
            usable_jwk_set(jwks)
        except PyJWKClientConnectionError as error:
            raise CommandError(
                f"The identity provider at {url} cannot be reached ({error}). "
                "The API serves the set in Redis while it is usable."
            ) from error
        except (PyJWKClientError, PyJWKSetError) as error:
            raise CommandError(
                f"The identity provider at {url} answers no usable key set "
                f"({error}). The API serves the set in Redis while it is usable."
            ) from error
        self.line("Provider", f"answers now: {kids_of(jwks)}")
        if cached is not None and kids(cached.jwks) != kids(jwks):
            self.line("", "other kids than in Redis: a token with a new one refreshes")

    def line(self, label: str, text: str) -> None:
        self.stdout.write(f"{label:<10} {text}")


# --8<-- [end:command]


def read_redis(
    names: CachingJWKClient,
) -> tuple[str | None, float | None, dict[str, int]]:
    """The stored entry, its time to live, and the counters; one clear error."""
    client = connect()
    entry_key = shared_cache.key(names.cache_key)
    try:
        stored, milliseconds_left = client.get(entry_key), client.pttl(entry_key)
        counters = client.hgetall(shared_cache.key(names.counters_key))
    except redis.RedisError as error:
        raise CommandError(
            f"Redis at {redacted(settings.REDIS_URL)} cannot be reached ({error}). "
            "Check REDIS_URL."
        ) from error
    finally:
        client.close()
    return (
        stored.decode(errors="replace") if stored is not None else None,
        milliseconds_left / 1000 if milliseconds_left > 0 else None,
        {name.decode(): int(count) for name, count in counters.items()},
    )


def kids(jwks: dict[str, Any]) -> list[str]:
    return [str(key.get("kid")) for key in jwks.get("keys", [])]


def kids_of(jwks: dict[str, Any]) -> str:
    """``2 keys: key-a, key-b``."""
    named = kids(jwks)
    return f"{len(named)} key{'s' if len(named) != 1 else ''}: {', '.join(named)}"


def freshness(entry: CachedJWKS) -> str:
    left = entry.fresh_for - entry.age
    return f"fresh for {left:.0f} s more" if left > 0 else "stale"


def why_fresh(entry: CachedJWKS) -> str:
    """Where the entry's freshness came from: the provider's header, or the setting."""
    max_age = max_age_of(entry.cache_control)
    if max_age is None:
        return "the provider sent no max-age, so JWKS_CACHE_SECONDS"
    header = f"Cache-Control: {entry.cache_control}"
    if max_age < entry.fresh_for:
        return f"{header}, raised to JWKS_MIN_CACHE_SECONDS"
    if max_age > entry.fresh_for:
        return f"{header}, lowered to JWKS_MAX_CACHE_SECONDS"
    return header
