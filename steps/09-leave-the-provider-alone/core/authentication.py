"""Authenticate API requests with a JWT that the identity provider signed.

To check a token's signature the API needs the provider's public keys, which
the provider publishes as a JWKS document; the authenticator's JWKS client
fetches it.
"""

import json
import logging
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from jwt import PyJWK
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from core.jwks import jwks_client

logger = logging.getLogger(__name__)

# Only the algorithm the provider signs with. Accepting whatever the token's
# header names is how "alg: none" and HS256-with-the-public-key attacks work.
ALGORITHMS = ["RS256"]
REALM = 'Bearer realm="api"'


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the token describes them: there is no user table."""

    sub: str
    is_authenticated: bool = True


class IdentityProviderUnavailable(exceptions.APIException):
    """No usable key set: the provider is down or broken, not the caller's token."""

    status_code = 503
    default_detail = (
        "The identity provider's signing keys are unavailable. Try again shortly."
    )
    default_code = "identity_provider_unavailable"
    wait = 30  # DRF sends this as the Retry-After header


class MalformedAuthorizationHeader(exceptions.AuthenticationFailed):
    """``Authorization: Bearer`` with no token, or with more than one word after it."""

    default_detail = "The Authorization header must be 'Bearer <token>'."


class JWKSAuthentication(BaseAuthentication):
    # --8<-- [start:client-per-process]
    def __init__(self) -> None:
        # A new authenticator for every request; the client, the process's own.
        self.jwks_client = jwks_client()

    # --8<-- [end:client-per-process]

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        token = bearer_token(request)
        if token is None:
            return None  # DRF answers 401 "credentials were not provided"
        claims = self.verify(token)
        return TokenUser(sub=claims["sub"]), claims

    def authenticate_header(self, request: Request) -> str:
        # Returning a challenge makes DRF answer 401 rather than 403 (RFC 6750).
        # DRF asks a new authenticator for it, after authenticate() failed on
        # another one, so nothing from that call is at hand: the header is read
        # again, by the same function, which gives the same answer.
        try:
            token = bearer_token(request)
        except MalformedAuthorizationHeader:
            return f'{REALM}, error="invalid_request"'
        if token is None:
            return REALM  # no credentials: the challenge alone
        return f'{REALM}, error="invalid_token"'  # a token, and it was refused

    # --8<-- [start:verify]
    def verify(self, token: str) -> dict[str, Any]:
        kid = trusted_header_kid(token)
        signing_key = self.signing_key(kid)
        try:
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=ALGORITHMS,
                audience=settings.JWT_AUDIENCE,
                issuer=settings.JWT_ISSUER,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise exceptions.AuthenticationFailed(f"Invalid token: {error}.") from error
        return plain_json(claims)

    # --8<-- [end:verify]

    # --8<-- [start:signing-key]
    def signing_key(self, kid: str) -> PyJWK:
        # A broken provider (503) must never be mistaken for a bad token (401):
        # find_signing_key raises for the first and answers None for the second.
        try:
            signing_key = self.jwks_client.find_signing_key(kid)
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
            # Unreachable, an HTTP error status, a timeout, or no usable keys.
            raise provider_unavailable(self.jwks_client.uri, str(error)) from error
        except (ValueError, RecursionError) as error:
            # A body that is not JSON: json.load raises a ValueError
            # (JSONDecodeError, UnicodeDecodeError), or a RecursionError for JSON
            # nested deeper than Python reads, and PyJWT lets it through.
            cause = f"the answer is not JSON ({error})"
            raise provider_unavailable(self.jwks_client.uri, cause) from error
        if signing_key is None:
            raise exceptions.AuthenticationFailed(
                f"No published signing key has the token's kid {kid!r}."
            )
        return signing_key

    # --8<-- [end:signing-key]


def provider_unavailable(jwks_url: str, cause: str) -> IdentityProviderUnavailable:
    """The 503 to raise, once a warning line has said which JWKS failed, and how."""
    logger.warning("No usable JWKS at %s: %s. Answering 503.", jwks_url, cause)
    return IdentityProviderUnavailable()


def plain_json(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims, if JSON can carry them back in the answer; a 401 otherwise.

    Python's JSON parser reads NaN, Infinity and lone UTF-16 surrogates, which
    JSON text cannot carry (RFC 8259): a signed token that holds one would make
    the answer fail to render, a 500. Such a token is broken, not ours to echo.
    """
    try:
        json.dumps(claims, allow_nan=False, ensure_ascii=False).encode()
    except ValueError as error:  # UnicodeEncodeError is a ValueError too
        raise exceptions.AuthenticationFailed(
            "Invalid token: its claims are not plain JSON."
        ) from error
    return claims


def bearer_token(request: Request) -> str | None:
    """The token in ``Authorization: Bearer <token>``; None for another scheme.

    The one place that reads the header. "Bearer" alone, or followed by more
    than one word, is malformed: RFC 6750's invalid_request.
    """
    words = get_authorization_header(request).split()
    if not words or words[0].lower() != b"bearer":
        return None
    if len(words) != 2:
        raise MalformedAuthorizationHeader()
    return words[1].decode("latin-1")


def trusted_header_kid(token: str) -> str:
    """The ``kid`` of a token whose header is well formed and names RS256.

    Checked before any download, so that junk tokens cost nothing.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise exceptions.AuthenticationFailed(f"Malformed token: {error}.") from error
    if header.get("alg") not in ALGORITHMS:
        raise exceptions.AuthenticationFailed(
            f"Tokens must be signed with RS256, not {header.get('alg')!r}."
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise exceptions.AuthenticationFailed(
            "The token's header has no kid, so no key can verify it."
        )
    return kid
