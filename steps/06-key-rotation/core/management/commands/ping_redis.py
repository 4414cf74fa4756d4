"""``python manage.py ping_redis``: the Django-side twin of ``redis-cli -a ... PING``.

It pings the server in ``settings.REDIS_URL``, the URL and password that
Django's cache uses (``CACHES`` in settings.py). So PONG means the cache can
reach Redis.
"""

from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Send PING to the Redis server in REDIS_URL and print its answer."

    def handle(self, *args: Any, **options: Any) -> None:
        # A server that never answers is an error too, after a few seconds.
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
        try:
            client.ping()
        except Exception as error:  # what answers may be no Redis, as redis-py sees
            # CommandError: manage.py prints one line and exits with 1, no traceback.
            raise CommandError(
                f"Redis at {redacted(settings.REDIS_URL)} did not answer PING "
                f"({error}). Check REDIS_URL."
            ) from error
        finally:
            client.close()
        self.stdout.write("PONG")


# --8<-- [end:command]


def redacted(url: str) -> str:
    """``url`` with its password hidden: error messages end up in logs."""
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@") if password else url
