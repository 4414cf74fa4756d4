"""The article's unit test: the download replaced by a mock, our logic alone.

This is the only mock in the tutorial, and it is here to be looked at. It proves
that CachingJWKClient asks for the JWKS once and then serves it from the cache.
It cannot prove anything about HTTP, because it never makes a request, nor about
what other workers see: see step 03's tests, and those of later steps, for that.
"""

from core.jwks import CachingJWKClient
from tutorial.kit.idp import SigningKey

# A real public key, made up for this test: since step 07 the client refuses to
# keep a key set in which PyJWT finds no usable key.
MADE_UP_JWKS = {"keys": [SigningKey.generate(kid="made-up").public_jwk()]}
# .invalid is reserved (RFC 2606): if the mock ever stopped working, no request
# could reach anyone.
MADE_UP_URL = "https://idp.invalid/.well-known/jwks.json"


# --8<-- [start:mocked-superclass]
def test_four_calls_download_the_jwks_once(mocker):
    from core.jwks import Download  # new in step 11, so imported here

    # Since step 10 the client talks to Redis itself, not through Django's cache,
    # so no in-memory cache can stand in: the made-up key set goes to the tests'
    # Redis, under this run's key prefix, and is deleted after the test.
    # The mock stands in for the download step 02 found, our own since step 11:
    # it returns the JWKS and the provider's Cache-Control header, which PyJWT's
    # fetch_data does not.
    answer = Download(MADE_UP_JWKS, cache_control=None)
    download = mocker.patch("core.jwks.download_jwks", return_value=answer)
    client = CachingJWKClient(MADE_UP_URL)

    for _ in range(4):
        assert client.fetch_data() == MADE_UP_JWKS

    assert download.call_count == 1


# --8<-- [end:mocked-superclass]
