"""Where the download happens: PyJWT's ``fetch_data``, seen by a spy and in the log."""

import logging

import pytest

REQUESTS = 3


# --8<-- [start:lesson-spy]
@pytest.mark.lesson(step=9)
def test_fetch_data_runs_once_while_the_process_keeps_the_keys(
    idp, mint_token, get_me, mocker
):
    from core.jwks import CachingJWKClient

    # One client for the process: the first request reads the set through
    # fetch_data (Redis, else a download) and keeps its keys in memory...
    fetch_data = mocker.spy(CachingJWKClient, "fetch_data")
    token = mint_token()

    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    # ...so the next requests ask neither Redis nor the provider.
    assert fetch_data.call_count == 1
    assert idp.downloads == 1


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
