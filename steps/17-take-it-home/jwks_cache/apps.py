from django.apps import AppConfig
from django.core import checks

from jwks_cache.checks import SETTINGS_CHECKS
from jwks_cache.conf import set_defaults


class JwksCacheConfig(AppConfig):
    name = "jwks_cache"

    def ready(self) -> None:
        set_defaults()
        # Registered, the checks run wherever Django's checks run: manage.py
        # (check, runserver, every command) and jwks_demo/wsgi.py.
        for check in SETTINGS_CHECKS:
            checks.register(check)
