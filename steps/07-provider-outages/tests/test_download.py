"""The download itself: a size limit, no redirects, and a key set PyJWT can use."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
from jwt import PyJWKClientError, PyJWKSetError

from tutorial.idp import SigningKey

# What these tests try is new in step 07, so each test imports it: on an
# earlier step, they fail one by one instead of stopping the whole run.


@dataclass
class Answer:
    """What the odd provider answers to any GET."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def odd_provider() -> Iterator[tuple[str, Answer]]:
    """A server on a free port that answers whatever the test sets; its URL."""
    answer = Answer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", answer
    finally:
        server.shutdown()
        server.server_close()


def a_public_key_without_a_kid() -> dict[str, Any]:
    jwk = SigningKey.generate().public_jwk()
    del jwk["kid"]
    return jwk


def test_a_huge_answer_is_refused(odd_provider):
    from core.jwks import MAX_JWKS_BYTES, download_jwks

    url, answer = odd_provider
    answer.body = b'{"keys": [' + b" " * MAX_JWKS_BYTES + b"]}"

    with pytest.raises(PyJWKClientError, match="larger than"):
        download_jwks(url, headers={}, timeout=5, ssl_context=None)


def test_a_redirect_is_not_followed(odd_provider, idp):
    from core.jwks import download_jwks

    url, answer = odd_provider
    answer.status, answer.headers = 302, {"Location": idp.jwks_url}

    with pytest.raises(PyJWKClientError):
        download_jwks(url, headers={}, timeout=5, ssl_context=None)
    assert idp.downloads == 0


@pytest.mark.parametrize(
    "jwks",
    [
        [],
        {},
        {"keys": "not a list"},
        {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]},
        {"keys": [a_public_key_without_a_kid()]},
    ],
    ids=["a list", "no keys", "keys not a list", "no usable key", "no kid"],
)
def test_a_key_set_no_token_could_use_is_refused(jwks):
    from core.jwks import usable_jwk_set

    with pytest.raises((PyJWKClientError, PyJWKSetError)):
        usable_jwk_set(jwks)


def test_a_real_key_set_is_usable(idp):
    from core.jwks import usable_jwk_set

    assert usable_jwk_set(idp.jwks()).keys[0].key_id == idp.current_key.kid
