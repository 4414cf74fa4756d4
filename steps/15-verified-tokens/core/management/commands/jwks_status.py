"""``python manage.py jwks_status``: what the fleet has cached, and how it fares.

For JWKS_URL: the key set in Redis (its kids, its age, how long it stays fresh
and when Redis drops it) and the counters every process reports. One line, and
exit code 1, when Redis cannot be reached.
"""

from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.jwks import COUNTERS, CachingJWKClient, RefusedEntry, entry_from
from core.management.commands.ping_redis import redacted
from core.shared_cache import connect, shared_cache


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Show the JWKS cached in Redis, and the fleet's counters."

    def handle(self, *args: Any, **options: Any) -> None:
        names = CachingJWKClient(settings.JWKS_URL)  # for its Redis keys only
        stored, seconds_left, counters = read_redis(names)
        self.line("JWKS_URL", names.uri)
        self.describe_entry(stored, seconds_left)
        self.line("Counters", ", ".join(f"{n} {counters.get(n, 0)}" for n in COUNTERS))
        self.line("", "(each process adds its own when it next reads Redis)")

    def describe_entry(self, stored: str | None, seconds_left: float | None) -> None:
        try:
            entry = entry_from(stored)
        except RefusedEntry as refusal:
            self.line("In Redis", f"an entry that is refused: {refusal}")
            self.line("", "the next request that reads it downloads a new one")
            return
        if entry is None:
            self.line("In Redis", "nothing yet: the next request downloads the set")
            return
        kids = [str(key.get("kid")) for key in entry.jwks.get("keys", [])]
        fresh_left = entry.fresh_for - entry.age
        self.line("In Redis", f"kids {', '.join(kids)}")
        self.line(
            "", f"downloaded {entry.age:.0f} s ago, fresh for {fresh_left:.0f} s more"
        )
        self.line(
            "", f"Cache-Control: {entry.cache_control or 'none, so JWKS_CACHE_SECONDS'}"
        )
        self.line("", f"Redis drops it in {seconds_left or 0:.0f} s (stale cap)")

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
