from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jwks_cache.counters import FLEET_COUNTERS, Counter
from jwks_cache.redis_store import RedisStore
from jwks_cache.signed_json import RefusedEntry, SignedJSON
from jwks_cache.stack import integrity_signer


class Command(BaseCommand):
    help = "The JWKS in Redis, and the fleet's counters as its processes last told."

    def handle(self, *args: Any, **options: Any) -> None:
        store = RedisStore(settings.JWKS_REDIS_URL, settings.JWKS_REDIS_KEY_PREFIX, 5)
        entry = store.key(f"jwks-set:{settings.JWKS_URL}")
        try:
            stored, left = store.client.get(entry), store.client.pttl(entry) / 1000
            counters = store.client.hgetall(store.key(FLEET_COUNTERS))
        except Exception as error:  # as in RedisStore: any error is no Redis
            raise CommandError(
                f"Redis cannot be reached ({error}). Check JWKS_REDIS_URL."
            ) from error
        self.line("JWKS_URL", settings.JWKS_URL)
        self.describe(stored.decode(errors="replace") if stored else None, left)
        numbers = [
            f"{c.value} {int(counters.get(c.value.encode(), 0))}" for c in Counter
        ]
        self.line("Counters", ", ".join(numbers))

    def describe(self, stored: str | None, left: float) -> None:
        if stored is None:
            self.line("In Redis", "nothing yet: the next request downloads the set")
            return
        try:
            key_set = SignedJSON(integrity_signer()).loads(stored)
        except RefusedEntry as refusal:
            self.line("In Redis", f"an entry that is refused: {refusal}")
            return
        self.line("In Redis", f"kids {', '.join(key_set.signing_keys)}")
        fresh = f"fresh {max(key_set.fresh_left, 0):.0f} s more"
        self.line("", f"downloaded {key_set.age:.0f} s ago, {fresh}")
        self.line("", f"Cache-Control: {key_set.cache_control or 'none'}")
        self.line("", f"Redis drops it in {max(left, 0):.0f} s (the stale cap)")

    def line(self, label: str, text: str) -> None:
        self.stdout.write(f"{label:<10} {text}")
