"""An outage is never cached: once the provider is back, tokens are accepted again.

A failed download raises before anything is stored, so the next request tries
the provider again.
"""

import pytest

from tutorial.kit.idp import Fault, IdentityProvider
from tutorial.kit.redis import keys_holding


def assert_nothing_cached(idp, plain_redis, test_key_prefix) -> None:
    kid = idp.current_key.kid.encode()
    assert keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*") == []


@pytest.mark.parametrize(
    "fault", [Fault.SERVER_ERROR, Fault.GARBAGE], ids=lambda fault: fault.value
)
def test_a_provider_that_heals_is_asked_again(
    idp, mint_token, get_me, plain_redis, test_key_prefix, fault
):
    token = mint_token()
    idp.fault = fault
    assert get_me(token).status_code == 503
    assert_nothing_cached(idp, plain_redis, test_key_prefix)

    idp.fault = Fault.NONE

    assert get_me(token).status_code == 200


def test_a_provider_that_comes_back_is_asked_again(
    idp, mint_token, get_me, plain_redis, test_key_prefix
):
    token = mint_token()
    idp.stop()
    assert get_me(token).status_code == 503
    assert_nothing_cached(idp, plain_redis, test_key_prefix)

    # The same provider (same keys, same port, same URL) started again.
    with IdentityProvider(idp.keys, port=idp.port):
        assert get_me(token).status_code == 200
