"""Where the download happens: PyJWT's ``fetch_data``, seen by a spy and in the log."""

import logging

import pytest

REQUESTS = 3


# --8<-- [start:lesson-spy]
@pytest.mark.lesson(step=2)
def test_fetch_data_runs_once_per_request(idp, mint_token, get_me, mocker):
    # New in step 02, so imported here: on step 01, only this test fails.
    from core.jwks import LoggingJWKClient

    # A spy records the calls and still runs the real method: the download happens.
    fetch_data = mocker.spy(LoggingJWKClient, "fetch_data")
    token = mint_token()

    for request_number in range(1, REQUESTS + 1):
        assert get_me(token).status_code == 200
        assert fetch_data.call_count == request_number

    assert idp.downloads == REQUESTS


# --8<-- [end:lesson-spy]


# --8<-- [start:lesson-log]
@pytest.mark.lesson(step=2)
def test_every_download_is_logged(idp, mint_token, get_me, caplog):
    caplog.set_level(logging.INFO, logger="jwks")
    token = mint_token()

    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    downloads_logged = [
        record.getMessage() for record in caplog.records if record.name == "jwks"
    ]
    assert len(downloads_logged) == idp.downloads
    assert all(idp.jwks_url in line and " ms" in line for line in downloads_logged)


# --8<-- [end:lesson-log]
