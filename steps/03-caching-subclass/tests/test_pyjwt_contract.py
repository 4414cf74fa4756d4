"""The client is still a PyJWKClient: what its caller passes reaches every download.

Code that built a ``PyJWKClient`` before may build a ``CachingJWKClient``
instead, with the same arguments: its headers, its TLS context and its timeout
must reach the provider, PyJWT's methods must still work, and the errors keep
PyJWT's types and words. How long the set is kept, and when it may be refreshed, follow
the step's settings, whatever ``lifespan``, ``cache_jwk_set`` or
``cooldown_duration`` say: made-up kids never cost a download each, through any
public method. Real providers, over real HTTP and HTTPS.
"""

from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any
from urllib.error import HTTPError

import jwt
import pytest
from jwt import PyJWKClient, PyJWKClientConnectionError, PyJWKSetError

from core.jwks import CachingJWKClient
from tutorial.kit.idp import Fault, IdentityProvider
from tutorial.kit.tls import CertificateAuthority

MADE_UP_KIDS = 10


def test_the_client_is_a_pyjwkclient():
    assert issubclass(CachingJWKClient, PyJWKClient)


def test_headers_reach_the_provider(idp):
    headers = {"X-Api-Key": "the-key-a-provider-asks-for", "User-Agent": "jwks-demo"}
    client = CachingJWKClient(idp.jwks_url, headers=headers)

    assert client.get_signing_key(idp.current_key.kid).key_id == idp.current_key.kid
    [sent] = idp.request_headers
    assert sent["X-Api-Key"] == "the-key-a-provider-asks-for"
    assert sent["User-Agent"] == "jwks-demo"


@pytest.fixture
def authority() -> Iterator[CertificateAuthority]:
    """A CA of this test's own: no system store trusts what it signs."""
    authority = CertificateAuthority()
    yield authority
    authority.close()


@pytest.fixture
def https_idp(authority: CertificateAuthority) -> Iterator[IdentityProvider]:
    with IdentityProvider(tls=authority.server_context()) as provider:
        yield provider


def test_ssl_context_verifies_the_provider(https_idp, authority):
    client = CachingJWKClient(
        https_idp.jwks_url, ssl_context=authority.client_context()
    )

    kid = https_idp.current_key.kid
    assert client.get_signing_key(kid).key_id == kid


def test_a_provider_the_context_does_not_trust_is_refused(https_idp):
    client = CachingJWKClient(https_idp.jwks_url)  # the system's CAs only

    with pytest.raises(PyJWKClientConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        client.get_signing_key(https_idp.current_key.kid)


def test_the_timeout_bounds_a_download(idp):
    idp.delay_seconds = 5
    client = CachingJWKClient(idp.jwks_url, timeout=0.2)

    with pytest.raises(PyJWKClientConnectionError):
        client.get_signing_key(idp.current_key.kid)


def test_an_unreachable_provider_is_a_connection_error(idp):
    client = CachingJWKClient(idp.jwks_url)
    idp.stop()

    with pytest.raises(PyJWKClientConnectionError) as raised:
        client.get_signing_key("any-kid")
    with pytest.raises(PyJWKClientConnectionError) as pyjwts:
        PyJWKClient(idp.jwks_url).get_signing_key("any-kid")
    assert str(raised.value) == str(pyjwts.value)  # a caller may match its words


def test_an_error_status_is_a_connection_error_and_its_response_is_closed(idp):
    idp.fault = Fault.SERVER_ERROR
    client = CachingJWKClient(idp.jwks_url)

    with pytest.raises(PyJWKClientConnectionError) as raised:
        client.get_signing_key("any-kid")
    cause = raised.value.__cause__
    assert isinstance(cause, HTTPError)
    assert cause.fp is None or cause.fp.closed  # else its socket leaks


@pytest.fixture
def redirect_to_idp(idp: IdentityProvider) -> Iterator[str]:
    """The URL of a server that answers every GET with a redirect to ``idp``."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", idp.jwks_url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed(redirect_to_idp, idp):
    client = CachingJWKClient(redirect_to_idp)

    with pytest.raises(PyJWKClientConnectionError):
        client.get_signing_key(idp.current_key.kid)
    assert idp.downloads == 0  # the key set comes from the configured URL only


def test_a_key_set_without_keys_is_pyjwts_error(idp):
    idp.fault = Fault.EMPTY_KEY_SET
    client = CachingJWKClient(idp.jwks_url)

    with pytest.raises(PyJWKSetError):
        client.get_signing_key("any-kid")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        ((True, 4), {}),
        ((False, 16, False, 60), {}),
        ((), {"cache_keys": True, "max_cached_keys": 4}),
        ((), {"cache_jwk_set": True, "lifespan": 60, "cooldown_duration": 10}),
        ((), {"cache_jwk_set": False}),
        ((), {"headers": {}, "timeout": 5, "ssl_context": None}),
    ],
    ids=str,
)
def test_pyjwts_arguments_are_accepted(idp, args, kwargs):
    client = CachingJWKClient(idp.jwks_url, *args, **kwargs)

    assert client.get_signing_key(idp.current_key.kid).key_id == idp.current_key.kid


def made_up_token(kid: str) -> str:
    return jwt.encode(
        {"sub": "nobody"},
        "a made-up secret, as long as HS256 wants",
        algorithm="HS256",
        headers={"kid": kid},
    )


# Every public way to ask for a kid, or for a refresh. Each may raise, as PyJWT does.
ASKING: dict[str, Callable[[PyJWKClient, str], Any]] = {
    "get_signing_key": lambda client, kid: client.get_signing_key(kid),
    "get_signing_key_from_jwt": lambda client, kid: client.get_signing_key_from_jwt(
        made_up_token(kid)
    ),
    "get_signing_keys(refresh=True)": lambda client, kid: client.get_signing_keys(
        refresh=True
    ),
    "get_jwk_set(refresh=True)": lambda client, kid: client.get_jwk_set(refresh=True),
}
# The arguments that lift PyJWT's own bound on refreshes.
LIFTING = [{}, {"cache_jwk_set": False}, {"cooldown_duration": 0}, {"lifespan": 0.01}]


@pytest.mark.parametrize("options", LIFTING, ids=str)
@pytest.mark.parametrize("asking", ASKING.values(), ids=ASKING.keys())
def test_made_up_kids_cost_one_refresh_at_most(idp, options, asking):
    client = CachingJWKClient(idp.jwks_url, **options)
    client.get_signing_keys()  # the first download

    for number in range(MADE_UP_KIDS):
        try:
            asking(client, f"made-up-{number}")
        except jwt.PyJWKClientError:
            pass  # "Unable to find a signing key", as PyJWT says it

    assert idp.downloads <= 2  # the first, and one refresh per cooldown
