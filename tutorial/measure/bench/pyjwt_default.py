"""PyJWT's default, for ``tutorial bench``: one ``PyJWKClient`` per process.

Step 00's authenticator with its client kept for the life of the process, run
on step 00's project (``tutorial.measure.bench.settings`` names the class), so that
it parses the header, answers 401 and decodes the token exactly as the steps do:
only the way to the key differs. The client keeps the parsed JWKS in memory for 5
minutes and looks a key up as PyJWT's documentation shows,
``get_signing_key(kid)``: an unknown ``kid`` refreshes the set, at most once per 30
seconds per process.
"""

from __future__ import annotations

import functools

import jwt
from django.conf import settings
from jwt import PyJWK, PyJWKClient
from rest_framework import exceptions

from core.authentication import IdentityProviderUnavailable, JWKSAuthentication


@functools.cache
def client_of_this_process() -> PyJWKClient:
    return PyJWKClient(settings.JWKS_URL)


class OneClientPerProcess(JWKSAuthentication):
    def __init__(self) -> None:
        self.jwks_client = client_of_this_process()

    def signing_key(self, kid: str) -> PyJWK:
        try:
            return self.jwks_client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise IdentityProviderUnavailable() from error
        except jwt.PyJWKClientError as error:  # no published key has this kid
            raise exceptions.AuthenticationFailed(str(error)) from error
