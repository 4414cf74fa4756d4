"""Checks of this API's settings, run at start-up by ``manage.py`` and by wsgi.py."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


def jwks_url_is_usable(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """JWKS_URL must be an http or https URL with a host: PyJWT refuses the rest.

    Caught here, a typo stops the server at start-up, in one line, instead of
    turning every request into a 500.
    """
    url = urlsplit(settings.JWKS_URL)
    if url.scheme in {"http", "https"} and url.hostname:
        return []
    message = (
        f"JWKS_URL={settings.JWKS_URL!r} is not an http or https URL with a host: "
        "set JWKS_URL to the identity provider's JWKS URL."
    )
    return [checks.Error(message, id="core.E001")]
