"""No usable key set means 503 with Retry-After: never a 500, never a 401."""

import pytest

from tutorial.idp import Fault


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert "identity provider" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "fault", [Fault.SERVER_ERROR, Fault.GARBAGE, Fault.EMPTY_KEY_SET]
)
def test_a_broken_provider_means_503(idp, mint_token, get_me, fault):
    token = mint_token()
    idp.fault = fault

    assert_unavailable(get_me(token))


def test_a_provider_that_refuses_connections_means_503(idp, mint_token, get_me):
    token = mint_token()
    idp.stop()

    assert_unavailable(get_me(token))
