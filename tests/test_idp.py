"""tutorial/kit/idp.py: a real identity provider over HTTP, with rotation and faults."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request

import jwt
import pytest

from tutorial.kit.idp import Fault, IdentityProvider, SigningKey
from tutorial.kit.idp_admin import AdminCommandFailed, send_admin_command
from tutorial.kit.keys import load_or_create_keys
from tutorial.kit.tls import CertificateAuthority


@pytest.fixture
def idp():
    with IdentityProvider() as provider:
        yield provider


def get(url: str, timeout: float = 5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers, response.read()


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_serves_the_jwks_over_http_and_counts_downloads(idp):
    status, headers, body = get(idp.jwks_url)
    get(idp.jwks_url)

    assert status == 200 and headers["Content-Type"] == "application/json"
    (key,) = json.loads(body)["keys"]
    assert (
        key["kid"] == idp.current_key.kid
        and key["kty"] == "RSA"
        and key["alg"] == "RS256"
    )
    assert "d" not in key, "a private exponent must never be published"
    assert idp.downloads == 2


def test_discovery_document_points_at_the_jwks(idp):
    _, _, body = get(idp.issuer + "/.well-known/openid-configuration")

    document = json.loads(body)
    assert document["issuer"] == idp.issuer and document["jwks_uri"] == idp.jwks_url
    assert idp.downloads == 0


def test_tokens_verify_against_the_published_keys(idp):
    token = idp.mint_token(sub="bob")

    key = jwt.PyJWKClient(idp.jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=idp.audience, issuer=idp.issuer
    )
    assert claims["sub"] == "bob" and claims["exp"] > claims["iat"]


def test_rotation_publishes_the_new_key_beside_the_old(idp):
    old = idp.current_key
    new = idp.rotate()

    kids = [key["kid"] for key in json.loads(get(idp.jwks_url)[2])["keys"]]
    assert kids == [old.kid, new.kid]
    assert jwt.get_unverified_header(idp.mint_token())["kid"] == new.kid

    idp.retire(old.kid)
    assert [key["kid"] for key in idp.jwks()["keys"]] == [new.kid]


def test_claims_can_be_overridden_or_removed(idp):
    claims = jwt.decode(
        idp.mint_token(aud="other", sub=None), options={"verify_signature": False}
    )

    assert claims["aud"] == "other" and "sub" not in claims


def test_alg_none_token_is_unsigned(idp):
    header, payload, signature = idp.mint_token(algorithm="none").split(".")

    assert json.loads(b64decode(header))["alg"] == "none" and signature == ""
    assert json.loads(b64decode(payload))["iss"] == idp.issuer


def test_hs256_token_is_signed_with_the_public_key(idp):
    token = idp.mint_token(algorithm="HS256")
    signing_input, signature = token.rsplit(".", 1)

    expected = hmac.new(
        idp.current_key.public_pem, signing_input.encode(), hashlib.sha256
    ).digest()
    assert b64decode(signature) == expected


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        (Fault.GARBAGE, 200, b"<html>"),
        (Fault.EMPTY_KEY_SET, 200, b'{"keys": []}'),
        (Fault.EMPTY_OBJECT, 200, b"{}"),
        (Fault.DEEP, 200, b'{"keys": [[[['),
    ],
)
def test_faults_with_a_body(idp, fault, status, body):
    idp.fault = fault

    got_status, _, got_body = get(idp.jwks_url)
    assert got_status == status and got_body.startswith(body)


def test_keys_without_kid_are_the_published_keys_unnamed(idp):
    idp.rotate()
    idp.fault = Fault.KEYS_WITHOUT_KID

    _, _, body = get(idp.jwks_url)
    keys = json.loads(body)["keys"]
    assert [key["n"] for key in keys] == [key.public_jwk()["n"] for key in idp.keys]
    assert not any("kid" in key for key in keys)


def test_a_huge_answer_is_ten_megabytes_of_json_without_a_key(idp):
    idp.fault = Fault.HUGE

    _, _, body = get(idp.jwks_url)
    assert len(body) == 10 * 1024 * 1024
    assert json.loads(body)["keys"] == []


def test_server_error(idp):
    idp.fault = Fault.SERVER_ERROR

    with pytest.raises(urllib.error.HTTPError) as error:
        get(idp.jwks_url)
    assert error.value.code == 500
    assert idp.downloads == 1


def test_slow_responses(idp):
    idp.delay_seconds = 0.5

    with pytest.raises(TimeoutError):
        get(idp.jwks_url, timeout=0.1)


def test_a_held_download_is_counted_and_answered_on_release(idp):
    idp.hold()
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(get(idp.jwks_url)))
    waiting.start()

    deadline = time.monotonic() + 60
    while idp.downloads == 0 and time.monotonic() < deadline:
        waiting.join(0.01)  # until the request arrives, and waits
    assert answers == [] and idp.holding
    idp.release()
    waiting.join(60)

    assert answers[0][0] == 200 and not idp.holding
    assert get(idp.jwks_url)[0] == 200  # released: later ones at once too


def test_hold_and_release_by_admin_command(idp):
    assert "Holding" in send_admin_command(idp.port, "hold")
    assert idp.holding
    assert "Released" in send_admin_command(idp.port, "release")
    assert not idp.holding
    send_admin_command(idp.port, "hold")
    send_admin_command(idp.port, "heal")
    assert not idp.holding


def test_stopped_provider_refuses_connections(idp):
    url = idp.jwks_url
    idp.stop()

    with pytest.raises(urllib.error.URLError) as error:
        get(url)
    assert isinstance(error.value.reason, ConnectionRefusedError)


def test_cache_control_header_when_asked(idp):
    assert get(idp.jwks_url)[1]["Cache-Control"] is None

    idp.cache_control = "public, max-age=600"
    assert get(idp.jwks_url)[1]["Cache-Control"] == "public, max-age=600"


def test_keys_are_kept_in_a_folder_between_runs(tmp_path):
    first = load_or_create_keys(tmp_path)
    again = load_or_create_keys(tmp_path)

    assert [key.kid for key in first] == [key.kid for key in again]
    assert first[0].public_jwk() == again[0].public_jwk()


def test_a_fixed_port_gives_an_issuer_before_start():
    idp = IdentityProvider([SigningKey.generate("k1")], port=8001)

    assert idp.issuer == "http://127.0.0.1:8001"
    assert jwt.get_unverified_header(idp.mint_token())["kid"] == "k1"


def test_each_download_is_reported_with_the_running_count():
    counts = []
    with IdentityProvider(on_download=counts.append) as idp:
        get(idp.jwks_url)
        get(idp.jwks_url)
        get(idp.issuer + "/.well-known/openid-configuration")

    assert counts == [1, 2]


def test_a_rotated_key_is_saved_so_the_next_load_signs_with_it(tmp_path):
    idp = IdentityProvider(load_or_create_keys(tmp_path), keys_folder=tmp_path)
    new = idp.rotate()

    again = IdentityProvider(load_or_create_keys(tmp_path))
    assert [key.kid for key in again.keys] == [key.kid for key in idp.keys]
    assert again.current_key.kid == new.kid


def test_admin_commands_over_http_change_the_provider_and_are_not_downloads():
    changes = []
    with IdentityProvider(on_change=changes.append) as idp:
        old = idp.current_key

        rotated = send_admin_command(idp.port, "rotate")
        assert idp.current_key.kid != old.kid
        assert rotated == (
            f"Rotated: signing with {idp.current_key.kid}; "
            f"published: {old.kid}, {idp.current_key.kid}."
        )
        send_admin_command(idp.port, "fail/garbage")
        assert idp.fault is Fault.GARBAGE
        send_admin_command(idp.port, "slow/1.5")
        assert idp.delay_seconds == 1.5
        send_admin_command(idp.port, "heal")
        assert (idp.fault, idp.delay_seconds) == (Fault.NONE, 0)

        assert idp.downloads == 0
        assert changes[0] == rotated and len(changes) == 4


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("fail/none", "Unknown fault 'none'"),
        ("fail/", "Unknown fault ''"),
        ("slow/-1", "Not a delay: '-1'"),
        ("slow/nan", "Not a delay: 'nan'"),
        ("slow/inf", "Not a delay: 'inf'"),
        ("slow/601", "Not a delay: '601'"),
        ("rotate/now", "Unknown command 'rotate/now'"),
        ("", "Unknown command ''"),
    ],
)
def test_a_wrong_admin_command_is_refused_and_changes_nothing(command, problem):
    with IdentityProvider() as idp:
        with pytest.raises(AdminCommandFailed, match=re.escape(problem)):
            send_admin_command(idp.port, command)

        assert (idp.fault, idp.delay_seconds, len(idp.keys)) == (Fault.NONE, 0, 1)


def test_the_headers_of_every_download_are_recorded(idp):
    request = urllib.request.Request(idp.jwks_url, headers={"X-Api-Key": "k-1"})
    with urllib.request.urlopen(request, timeout=10):
        pass

    [headers] = idp.request_headers
    assert headers["X-Api-Key"] == "k-1"


def test_with_tls_it_serves_https_that_only_its_authority_vouches_for():
    authority = CertificateAuthority()
    try:
        with IdentityProvider(tls=authority.server_context()) as provider:
            assert provider.jwks_url.startswith("https://127.0.0.1:")
            trusting = authority.client_context()
            with urllib.request.urlopen(
                provider.jwks_url, timeout=10, context=trusting
            ) as response:
                assert json.load(response) == provider.jwks()
            with pytest.raises(
                urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"
            ):
                urllib.request.urlopen(provider.jwks_url, timeout=10)
    finally:
        authority.close()
