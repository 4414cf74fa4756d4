"""A local identity provider: real RSA keys, a JWKS over real HTTP, tokens on demand.

Every step's tests talk to one of these instead of a mock. It serves
``/.well-known/jwks.json`` and ``/.well-known/openid-configuration`` on loopback,
counts how often the JWKS is downloaded (the number the whole tutorial is about),
and can rotate keys or misbehave on purpose::

    with IdentityProvider() as idp:
        token = idp.mint_token(sub="alice")
        idp.rotate()                 # a new signing key; the old one is still published
        idp.fault = Fault.SERVER_ERROR
        idp.hold()                   # downloads wait, until idp.release()
        idp.downloads                # JWKS downloads so far

A provider running in another process (``tutorial idp``) is changed the same way
over HTTP, by ``POST /_tutorial/rotate``, ``/_tutorial/fail/<fault>``,
``/_tutorial/slow/<seconds>``, ``/_tutorial/hold``, ``/_tutorial/release`` and
``/_tutorial/heal`` from loopback:
``send_admin_command(port, "rotate")`` is the client, ``tutorial idp-admin`` its
command line.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt

from tutorial.kit.faults import (
    MAX_DELAY_SECONDS,
    Fault,
    deep_document,
    huge_document,
)
from tutorial.kit.idp_admin import ADMIN_PATH, carry_out
from tutorial.kit.keys import (
    SigningKey,
    hs256_token,
    unsigned_token,
    withdraw_key_file,
)

DEFAULT_PORT = 8001


DEFAULT_AUDIENCE = "https://api.jwks-tutorial.test"


JWKS_PATH = "/.well-known/jwks.json"


DISCOVERY_PATH = "/.well-known/openid-configuration"


# How many JWKS requests keep their headers in IdentityProvider.request_headers.
KEPT_HEADERS = 1000


class IdentityProvider:
    """An OpenID-style provider on ``127.0.0.1`` that publishes its keys as a JWKS.

    ``port=0`` (the default) takes a free port, so tests can run side by side.
    The newest key signs tokens; older keys stay published until retired, the way
    real providers rotate. With ``keys_folder``, a rotated key is saved there, so
    the next ``load_or_create_keys(keys_folder)`` signs with it.

    ``on_download(n)`` is called on each JWKS request, with the running count, and
    ``on_change(message)`` when an admin command changed the provider: the
    ``tutorial idp`` command prints them. With ``tls`` (a server context, such
    as ``tutorial.kit.tls.CertificateAuthority().server_context()``) it serves
    HTTPS. ``request_headers`` holds the headers of the latest JWKS requests.
    """

    def __init__(
        self,
        keys: list[SigningKey] | None = None,
        *,
        port: int = 0,
        audience: str = DEFAULT_AUDIENCE,
        keys_folder: Path | None = None,
        on_download: Callable[[int], None] | None = None,
        on_change: Callable[[str], None] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.keys: list[SigningKey] = list(keys) if keys else [SigningKey.generate()]
        self.audience = audience
        self.keys_folder = keys_folder
        self.on_download = on_download
        self.on_change = on_change
        self.fault = Fault.NONE
        self.delay_seconds = 0.0
        # Set: downloads are answered. Cleared by hold(): each waits until release().
        self._released = threading.Event()
        self._released.set()
        self.cache_control: str | None = None
        # The headers of the latest JWKS requests, oldest first: what clients sent.
        # Bounded, since `tutorial idp` may serve for hours.
        self.request_headers: deque[dict[str, str]] = deque(maxlen=KEPT_HEADERS)
        self._tls = tls
        self._requested_port = port
        self._downloads = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None

    # -- serving -------------------------------------------------------------

    def start(self) -> IdentityProvider:
        handler = type("Handler", (_Handler,), {"idp": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._requested_port), handler)
        self._server.daemon_threads = True
        if self._tls is not None:
            self._server.socket = self._tls.wrap_socket(
                self._server.socket, server_side=True
            )
        self._port = self._server.server_address[1]
        # A short poll interval keeps stop() quick: tests start and stop one per test.
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Close the port: from now on connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> IdentityProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it serves on; before start, the fixed port it was given."""
        port = self._port or self._requested_port
        if not port:
            raise RuntimeError(
                "start() the identity provider first: it was given no fixed port"
            )
        return port

    @property
    def issuer(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return self.issuer + JWKS_PATH

    @property
    def downloads(self) -> int:
        """How many times the JWKS has been requested since the provider was made."""
        with self._lock:
            return self._downloads

    def _count_download(self, headers: dict[str, str]) -> None:
        with self._lock:
            self.request_headers.append(headers)
            self._downloads += 1
            count = self._downloads
        if self.on_download is not None:
            self.on_download(count)

    def hold(self) -> None:
        """From now on, each JWKS download waits (counted) until ``release()``."""
        self._released.clear()

    def release(self) -> None:
        """Answer the downloads that wait, and every later one at once."""
        self._released.set()

    @property
    def holding(self) -> bool:
        return not self._released.is_set()

    def wait_until_released(self) -> None:
        # Bounded: a test that forgets release() still ends.
        self._released.wait(MAX_DELAY_SECONDS)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def jwks_without_kids(self) -> dict[str, Any]:
        keys = [key.public_jwk() for key in self.keys]
        return {"keys": [{k: v for k, v in jwk.items() if k != "kid"} for jwk in keys]}

    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    # -- keys ----------------------------------------------------------------

    @property
    def current_key(self) -> SigningKey:
        return self.keys[-1]

    def rotate(self) -> SigningKey:
        """Publish a new key and sign with it from now on; older keys stay published."""
        key = SigningKey.generate()
        if self.keys_folder is not None:
            key.save(self.keys_folder)
        self.keys.append(key)
        return key

    def retire(self, kid: str) -> None:
        """Stop publishing the key ``kid``."""
        self.keys = [key for key in self.keys if key.kid != kid]

    def withdraw(self, kid: str) -> None:
        """Stop publishing ``kid`` for good: ``ValueError`` for the signing key."""
        published = [key.kid for key in self.keys]
        if kid not in published:
            raise ValueError(
                f"No published key has kid {kid!r}: {', '.join(published)} are."
            )
        if kid == self.current_key.kid:
            raise ValueError(
                f"{kid} signs the new tokens: rotate first, then withdraw it."
            )
        self.retire(kid)
        if self.keys_folder is not None:
            withdraw_key_file(self.keys_folder, kid)

    # -- tokens --------------------------------------------------------------

    def claims(
        self, sub: str = "alice", expires_in: int = 300, **overrides: Any
    ) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def mint_token(
        self,
        sub: str = "alice",
        *,
        expires_in: int = 300,
        key: SigningKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        """A token signed by the current key, or shaped to be rejected.

        ``key`` signs with another key (a stranger's key makes a bad signature),
        ``kid`` overrides the header's key id, ``algorithm="none"`` leaves the token
        unsigned and ``algorithm="HS256"`` signs it with the provider's *public* key
        as an HMAC secret (the algorithm-confusion attack). Extra keyword arguments
        override claims; ``None`` removes one.
        """
        signer = key or self.current_key
        payload = self.claims(sub, expires_in, **claims)
        header_kid = kid or signer.kid
        if algorithm == "none":
            return unsigned_token(payload, header_kid)
        if algorithm == "HS256":
            return hs256_token(payload, header_kid, secret=signer.public_pem)
        return jwt.encode(
            payload,
            signer.private_key,
            algorithm=algorithm,
            headers={"kid": header_kid},
        )


class _Handler(BaseHTTPRequestHandler):
    idp: IdentityProvider

    def do_GET(self) -> None:
        if self.path == JWKS_PATH:
            self._serve_jwks()
        elif self.path == DISCOVERY_PATH:
            self._send(200, json.dumps(self.idp.discovery_document()).encode())
        else:
            self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:
        if not self.path.startswith(ADMIN_PATH):
            self._send(404, b'{"error": "not found"}')
        elif not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send_message(403, "Admin commands are taken from loopback only.")
        else:
            try:
                message = carry_out(self.idp, self.path.removeprefix(ADMIN_PATH))
            except ValueError as error:
                self._send_message(400, f"{error}.")
            except OSError as error:  # the keys folder refused the rotated key
                self._send_message(500, f"Cannot save the new key: {error}.")
            else:
                self._send_message(200, message)

    def _send_message(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"message": message}).encode())

    def _serve_jwks(self) -> None:
        self.idp._count_download(dict(self.headers.items()))
        self.idp.wait_until_released()
        if self.idp.delay_seconds:
            time.sleep(self.idp.delay_seconds)
        fault = self.idp.fault
        if fault is Fault.SERVER_ERROR:
            self._send(500, b'{"error": "internal server error"}')
        elif fault is Fault.GARBAGE:
            self._send(
                200, b"<html>this is not a key set</html>", content_type="text/html"
            )
        elif fault is Fault.EMPTY_KEY_SET:
            self._send(200, b'{"keys": []}')
        elif fault is Fault.EMPTY_OBJECT:
            self._send(200, b"{}")
        elif fault is Fault.KEYS_WITHOUT_KID:
            self._send(200, json.dumps(self.idp.jwks_without_kids()).encode())
        elif fault is Fault.HUGE:
            self._send(200, huge_document())
        elif fault is Fault.DEEP:
            self._send(200, deep_document())
        else:
            self._send(200, json.dumps(self.idp.jwks()).encode())

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.idp.cache_control and status == 200:
            self.send_header("Cache-Control", self.idp.cache_control)
        self.end_headers()
        # A client may hang up on a body it will not read to the end (10 MB of it,
        # say): that is its right, not a fault of the provider to print.
        with suppress(ConnectionError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the CLI report downloads through the counter."""
