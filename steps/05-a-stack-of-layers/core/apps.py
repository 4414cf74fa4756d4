from django.apps import AppConfig
from django.core import checks

from core.checks import jwks_url_is_usable


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        # Registered, the check runs wherever Django's checks run: manage.py
        # (check, runserver, every command) and jwks_demo/wsgi.py.
        checks.register(jwks_url_is_usable)
