"""``python manage.py ping_redis``: the Django-side twin of ``redis-cli -a ... PING``.

It talks to Redis the way the application will: through Django's cache, with
the URL and password from settings. So PONG means the cache is ready for keys.
"""

from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Send PING to the Redis server behind Django's cache and print its answer."

    def handle(self, *args: Any, **options: Any) -> None:
        # Django's RedisCache keeps its redis-py client behind `_cache`; there is
        # no public way to reach it, and going through it pings the very server
        # and password the cache uses.
        client = cache._cache.get_client(write=True)
        try:
            client.ping()
        except redis.RedisError as error:
            # CommandError makes manage.py print one line and exit with 1, no traceback.
            raise CommandError(
                f"Redis at {cache_location()} did not answer PING ({error}). "
                "Check REDIS_URL."
            ) from error
        self.stdout.write("PONG")


# --8<-- [end:command]


def cache_location() -> str:
    """The cache's Redis URL with the password hidden: error messages end up in logs."""
    url = settings.CACHES["default"]["LOCATION"]
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@") if password else url
