"""The article's unit test: PyJWT's download replaced by a mock, our logic alone.

This is the only mock in the tutorial, and it is here to be looked at. It proves
that CachingJWKClient asks for the JWKS once and then serves it from the cache.
It cannot prove anything about Redis or HTTP, because it never talks to either:
see this step's README, and step 03's tests, for what does.
"""

from jwt import PyJWKClient

from core.jwks import CachingJWKClient
from tutorial.kit.idp import SigningKey

# A key set no provider publishes. The key is real: PyJWT parses what it downloads.
MADE_UP_JWKS = {"keys": [SigningKey.generate(kid="made-up").public_jwk()]}
# .invalid is reserved (RFC 2606): if the mock ever stopped working, no request
# could reach anyone.
MADE_UP_URL = "https://idp.invalid/.well-known/jwks.json"


# --8<-- [start:mocked-superclass]
def test_four_calls_download_the_jwks_once(mocker, settings):
    # Process memory instead of Redis: the test is about our class's logic, and a
    # made-up key set has no business in a server that anything else reads.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "articles-unit-test",
        }
    }
    # The mock stands in for PyJWT's fetch_data, the download step 02 found.
    download = mocker.patch.object(PyJWKClient, "fetch_data", return_value=MADE_UP_JWKS)
    client = CachingJWKClient(MADE_UP_URL)

    for _ in range(4):
        assert client.fetch_data() == MADE_UP_JWKS

    assert download.call_count == 1


# --8<-- [end:mocked-superclass]
