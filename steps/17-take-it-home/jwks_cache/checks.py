"""Checks of the app's settings, run at start-up by ``manage.py`` (and a wsgi.py)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from jwt.algorithms import HMACAlgorithm, NoneAlgorithm, get_default_algorithms

from jwks_cache.conf import REQUIRED


def settings_are_set(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(f"{name} is not set: set it to {meaning}.", id="jwks_cache.E001")
        for name, meaning in REQUIRED.items()
        if not getattr(settings, name, None)
    ]


def jwks_url_is_usable(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """JWKS_URL must be an http or https URL with a host: PyJWT refuses the rest.

    Caught here, a typo stops the server at start-up, in one line, instead of
    turning every request into a 500.
    """
    if not getattr(settings, "JWKS_URL", None):
        return []  # unset: settings_are_set says so
    url = urlsplit(settings.JWKS_URL)
    if url.scheme in {"http", "https"} and url.hostname:
        return []
    message = (
        f"JWKS_URL={settings.JWKS_URL!r} is not an http or https URL with a host: "
        "set JWKS_URL to the identity provider's JWKS URL."
    )
    return [checks.Error(message, id="jwks_cache.E002")]


def algorithms_are_usable(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """JWT_ALGORITHMS must name public-key algorithms that PyJWT checks: a JWKS
    holds public keys, and HS256 would verify with one anyone can download."""
    algorithms = settings.JWT_ALGORITHMS
    secret, known = (HMACAlgorithm, NoneAlgorithm), get_default_algorithms()
    usable = {name for name, a in known.items() if not isinstance(a, secret)}
    if algorithms and not isinstance(algorithms, str) and usable.issuperset(algorithms):
        return []
    message = (
        f"JWT_ALGORITHMS={algorithms!r} is not a list of public-key algorithms "
        f"that PyJWT checks: set it to some of {sorted(usable)}."
    )
    return [checks.Error(message, id="jwks_cache.E003")]


SETTINGS_CHECKS = (settings_are_set, jwks_url_is_usable, algorithms_are_usable)
