"""Where the download happens, in the log: a line for every JWKS download."""

import logging

import pytest

REQUESTS = 3


# --8<-- [start:lesson-log]
@pytest.mark.lesson(step=2)
def test_every_download_is_logged(idp, mint_token, get_me, caplog):
    caplog.set_level(logging.INFO, logger="jwks")
    token = mint_token()

    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    downloads_logged = [
        record.getMessage()
        for record in caplog.records
        if record.name == "jwks" and "Downloaded" in record.getMessage()
    ]
    assert len(downloads_logged) == idp.downloads
    assert all(idp.jwks_url in line and " ms" in line for line in downloads_logged)


# --8<-- [end:lesson-log]
