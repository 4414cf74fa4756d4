"""`tutorial idp`, `token` and `idp-admin`: the provider a learner runs by hand."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jwt
import pytest

from tests.cli_helpers import (
    DOWNLOAD_LINE,
    START_SECONDS,
    STOP_SECONDS,
    Foreground,
    get,
    one_line,
    run,
    tutorial,
)
from tutorial.cli import parser
from tutorial.course.provider_commands import provider_options
from tutorial.kit.idp import DEFAULT_AUDIENCE, JWKS_PATH
from tutorial.kit.net import free_port, port_is_open


@pytest.fixture
def keys(tmp_path: Path) -> str:
    return str(tmp_path / "keys")


@pytest.fixture
def provider(keys: str):
    """`tutorial idp` on a free port, started as a learner would in a terminal."""
    port = free_port()
    process = Foreground("idp", "--port", str(port), "--keys", keys)
    process.wait_for("Ctrl-C stops the provider")
    process.port = port
    yield process
    process.stop(signal.SIGKILL)


def jwks_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{JWKS_PATH}"


def verify(token: str, port: int) -> dict:
    key = jwt.PyJWKClient(jwks_url(port)).get_signing_key_from_jwt(token)
    issuer = f"http://127.0.0.1:{port}"
    return jwt.decode(
        token, key.key, algorithms=["RS256"], audience=DEFAULT_AUDIENCE, issuer=issuer
    )


def test_idp_prints_a_line_per_download_and_the_total_on_sigterm(provider):
    for number in (1, 2, 3):
        assert get(jwks_url(provider.port))[0] == 200
        provider.wait_for(rf"\(download {number}\)$")

    assert provider.stop(signal.SIGTERM) == 0
    downloads = [line for line in provider.lines if DOWNLOAD_LINE.match(line)]
    assert [DOWNLOAD_LINE.match(line)[1] for line in downloads] == ["1", "2", "3"]
    assert provider.lines[-1] == "Stopped after 3 JWKS downloads."
    assert provider.stderr == ""


@pytest.mark.parametrize(
    ("how", "downloads", "total"),
    [
        (signal.SIGINT, 1, "Stopped after 1 JWKS download."),
        (signal.SIGINT, 0, "Stopped after 0 JWKS downloads."),
        (signal.SIGTERM, 1, "Stopped after 1 JWKS download."),
    ],
    ids=["Ctrl-C after 1", "Ctrl-C after 0", "kill after 1"],
)
def test_idp_says_the_total_with_the_right_plural(provider, how, downloads, total):
    for number in range(1, downloads + 1):
        get(jwks_url(provider.port))
        provider.wait_for(rf"\(download {number}\)$")

    assert provider.stop(how) == 0
    assert provider.lines[-1] == total
    assert "Traceback" not in provider.stderr


def test_idp_hints_carry_its_options_and_the_hinted_token_is_accepted(provider, keys):
    hint = provider.wait_for("A token:")
    command = hint.split(":", 1)[1].split()

    assert command == ["uv", "run", "tutorial", "token"] + [
        "--port",
        str(provider.port),
        "--keys",
        keys,
    ]
    assert f"idp-admin rotate --port {provider.port}" in provider.wait_for("Rotate")
    token = tutorial(*command[3:], "--sub", "carol").stdout.strip()
    assert verify(token, provider.port)["sub"] == "carol"


def test_idp_hints_carry_no_options_when_started_with_the_defaults():
    assert provider_options(parser().parse_args(["idp"])) == ""


def test_idp_says_when_its_port_is_taken(tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = tutorial("idp", "--port", str(port), "--keys", str(tmp_path))

    assert result.returncode == 1
    assert "--port" in one_line(result.stderr)


def admin(capsys: pytest.CaptureFixture, provider: Foreground, *args: str) -> str:
    code, out, err = run(capsys, "idp-admin", *args, "--port", str(provider.port))
    assert code == 0, err
    return one_line(out)


def published_kids(port: int) -> list[str]:
    status, body = get(jwks_url(port))
    assert status == 200
    return [key["kid"] for key in json.loads(body)["keys"]]


def test_rotate_publishes_a_new_key_that_token_signs_with(provider, keys, capsys):
    (old_kid,) = published_kids(provider.port)

    line = admin(capsys, provider, "rotate")

    new_kid = re.search(r"signing with (\S+);", line)[1]
    assert published_kids(provider.port) == [old_kid, new_kid]
    token = run(capsys, "token", "--port", str(provider.port), "--keys", keys)[1]
    assert jwt.get_unverified_header(token.strip())["kid"] == new_kid
    assert verify(token.strip(), provider.port)["sub"] == "alice"
    provider.wait_for(f"Rotated: signing with {new_kid}")


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        ("server-error", 500, b'{"error"'),
        ("garbage", 200, b"<html>"),
        ("empty-key-set", 200, b'{"keys": []}'),
    ],
)
def test_fail_then_heal(provider, capsys, fault, status, body):
    assert "Failing" in admin(capsys, provider, "fail", fault)
    got_status, got_body = get(jwks_url(provider.port))
    assert (got_status, got_body[: len(body)]) == (status, body)
    provider.wait_for(rf"\(download 1, {fault}\)$")

    assert "Healed" in admin(capsys, provider, "heal")
    assert len(published_kids(provider.port)) == 1


def test_slow_then_heal(provider, capsys):
    assert "waits 0.3 s" in admin(capsys, provider, "slow", "0.3")
    assert get(jwks_url(provider.port))[0] == 200
    provider.wait_for(r"\(download 1, after 0\.3 s\)$")

    admin(capsys, provider, "heal")
    get(jwks_url(provider.port))
    provider.wait_for(r"\(download 2\)$")


def test_max_age_then_heal(provider, capsys):
    said = admin(capsys, provider, "max-age", "120")
    assert "Cache-Control: max-age=120" in said
    with urllib.request.urlopen(jwks_url(provider.port), timeout=10) as response:
        assert response.headers["Cache-Control"] == "max-age=120"

    admin(capsys, provider, "heal")
    with urllib.request.urlopen(jwks_url(provider.port), timeout=10) as response:
        assert response.headers["Cache-Control"] is None


def test_admin_commands_are_not_downloads(provider, capsys):
    admin(capsys, provider, "fail", "garbage")
    admin(capsys, provider, "heal")

    assert provider.stop() == 0
    assert provider.lines[-1] == "Stopped after 0 JWKS downloads."


def test_idp_admin_without_a_provider_is_one_line(capsys):
    port = free_port()

    code, _, err = run(capsys, "idp-admin", "rotate", "--port", str(port))

    assert code == 1
    line = one_line(err)
    assert f"No identity provider answers on 127.0.0.1:{port}" in line
    assert f"tutorial idp --port {port}" in line


def test_idp_admin_against_something_else_is_one_line(tmp_path, capsys):
    port = free_port()
    other = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not port_is_open(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        code, _, err = run(capsys, "idp-admin", "heal", "--port", str(port))
    finally:
        other.terminate()
        other.wait(timeout=STOP_SECONDS)

    assert code == 1
    assert "not the tutorial's identity provider" in one_line(err)


def test_withdraw_stops_publishing_a_key_that_token_still_signs_with(
    provider, keys, capsys
):
    (old_kid,) = published_kids(provider.port)
    admin(capsys, provider, "rotate")
    (_, new_kid) = published_kids(provider.port)

    line = admin(capsys, provider, "withdraw", old_kid)

    assert line == f"Withdrew {old_kid}: published: {new_kid}."
    assert published_kids(provider.port) == [new_kid]
    token = run(
        capsys,
        "token",
        "--port",
        str(provider.port),
        "--keys",
        keys,
        "--kid",
        old_kid,
        "--expires-in",
        "60",
    )[1].strip()
    assert jwt.get_unverified_header(token)["kid"] == old_kid
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


def test_withdrawing_the_signing_key_is_refused_in_one_line(provider, capsys):
    (kid,) = published_kids(provider.port)

    code, _, err = run(
        capsys, "idp-admin", "withdraw", kid, "--port", str(provider.port)
    )

    assert code == 1
    assert "rotate first" in one_line(err)
    assert published_kids(provider.port) == [kid]


def test_token_with_a_kid_the_folder_lacks_names_the_kids(provider, keys, capsys):
    (kid,) = published_kids(provider.port)

    code, _, err = run(capsys, "token", "--keys", keys, "--kid", "nobody")

    assert code == 1
    assert kid in one_line(err)
