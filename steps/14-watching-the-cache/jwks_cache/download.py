"""The innermost layer: the provider's JWKS, downloaded over HTTP."""

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from jwt import PyJWKClient, PyJWKClientConnectionError

from jwks_cache.cache_control import Freshness
from jwks_cache.counters import Counter, counts
from jwks_cache.key_set import KeySet, Need

logger = logging.getLogger("jwks")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """The key set comes from the configured URL or from nowhere, as in PyJWT."""

    def redirect_request(self, *args: Any) -> None:
        return None


class Download:
    """The JWKS at the client's URL, with the client's headers, TLS context, timeout.

    PyJWT's fetch_data returns the JSON alone: this keeps the answer's headers too.
    """

    def __init__(self, client: PyJWKClient, freshness: Freshness) -> None:
        self.client = client
        self.freshness = freshness

    def key_set(self, need: Need) -> KeySet:
        counts.add(Counter.DOWNLOADS)
        started = time.perf_counter()
        body, headers = self.get()
        took_ms = (time.perf_counter() - started) * 1000
        logger.info("Downloaded the JWKS from %s in %.1f ms", self.client.uri, took_ms)
        jwks = json.loads(body)  # a ValueError for what is not JSON, as in PyJWT
        cache_control = header(headers, "Cache-Control")
        fresh_for = self.freshness.of(cache_control, header(headers, "Age"))
        return KeySet.parse(jwks, time.time(), fresh_for, cache_control)

    def get(self) -> tuple[bytes, http.client.HTTPMessage]:
        """The answer's body and headers, fetched as PyJWT fetches them."""
        client = self.client
        handlers: list[urllib.request.BaseHandler] = [NoRedirects()]
        if client.ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=client.ssl_context))
        request = urllib.request.Request(client.uri, headers=client.headers)
        try:
            opener = urllib.request.build_opener(*handlers)
            with opener.open(request, timeout=client.timeout) as response:
                return response.read(), response.headers
        except (OSError, http.client.HTTPException) as error:
            # URLError, HTTPError (a 500, say) and timeouts are all OSErrors.
            if isinstance(error, urllib.error.HTTPError):
                error.close()  # it holds the response, and so a socket
            raise PyJWKClientConnectionError(  # PyJWT's error, word for word
                f'Fail to fetch data from the url, err: "{error}"'
            ) from error


def header(headers: Any, name: str) -> str | None:
    # A caller's tests may stand in for urllib as PyJWT's own tests do, with
    # headers that are not text: those count as none.
    value = headers.get(name)
    return value if isinstance(value, str) else None
