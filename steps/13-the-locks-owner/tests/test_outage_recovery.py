"""An outage is never cached: once the provider is back, tokens are accepted again.

A failed download raises before ``get_or_set`` stores anything, so the next
request tries the provider again.
"""

import pytest
from django.core.cache import cache

from tutorial.kit.idp import Fault, IdentityProvider


def assert_nothing_cached(idp) -> None:
    # CachingJWKClient is new in step 03, so imported here.
    from core.jwks import CachingJWKClient

    assert cache.get(CachingJWKClient(idp.jwks_url).cache_key) is None


@pytest.mark.parametrize(
    "fault", [Fault.SERVER_ERROR, Fault.GARBAGE], ids=lambda fault: fault.value
)
def test_a_provider_that_heals_is_asked_again(idp, mint_token, get_me, fault):
    token = mint_token()
    idp.fault = fault
    assert get_me(token).status_code == 503
    assert_nothing_cached(idp)

    idp.fault = Fault.NONE

    assert get_me(token).status_code == 200


def test_a_provider_that_comes_back_is_asked_again(idp, mint_token, get_me):
    token = mint_token()
    idp.stop()
    assert get_me(token).status_code == 503
    assert_nothing_cached(idp)

    # The same provider (same keys, same port, same URL) started again.
    with IdentityProvider(idp.keys, port=idp.port):
        assert get_me(token).status_code == 200
