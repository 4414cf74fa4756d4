"""No usable key set means 503 with Retry-After: never a 500, never a 401."""

import logging

import pytest

from tutorial.kit.idp import Fault

# What the warning line says of each fault, besides the JWKS URL.
CAUSES = {
    Fault.SERVER_ERROR: "HTTP Error 500",
    Fault.GARBAGE: "not JSON",
    Fault.DEEP: "not JSON",
    Fault.EMPTY_KEY_SET: "did not contain any keys",
}


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert "identity provider" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def assert_one_warning(caplog, jwks_url: str, cause: str) -> None:
    """One warning line names the JWKS URL and the cause, with no traceback."""
    [record] = [r for r in caplog.records if r.name == "core.authentication"]
    assert record.levelno == logging.WARNING
    assert jwks_url in record.getMessage()
    assert cause in record.getMessage()
    assert record.exc_info is None


@pytest.mark.parametrize("fault", list(CAUSES), ids=lambda fault: fault.value)
def test_a_broken_provider_means_503(idp, mint_token, get_me, caplog, fault):
    token = mint_token()
    idp.fault = fault

    assert_unavailable(get_me(token))
    assert_one_warning(caplog, idp.jwks_url, CAUSES[fault])


def test_a_provider_that_refuses_connections_means_503(idp, mint_token, get_me, caplog):
    token = mint_token()
    idp.stop()

    assert_unavailable(get_me(token))
    assert_one_warning(caplog, idp.jwks_url, "Connection refused")
