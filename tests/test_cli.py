"""The `tutorial` command: steps, tests, and a provider a person can curl against."""

import socket
import subprocess
import sys

import jwt
import pytest

from tutorial.cli import main
from tutorial.net import free_port


def tutorial(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutorial.cli", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def test_steps_lists_every_step(capsys):
    assert main(["steps"]) == 0

    assert "00-starting-point" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", ["99", "nope"])
def test_a_wrong_step_says_which_steps_exist(capsys, wrong):
    assert main(["test", wrong]) == 2

    error = capsys.readouterr().err
    assert f"There is no step '{wrong}'" in error and "00-starting-point" in error


def test_test_runs_a_step_suite():
    result = tutorial("test", "0", "-q", "-k", "valid_token")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "== 00-starting-point" in result.stdout and "1 passed" in result.stdout


def test_token_is_accepted_by_the_provider_that_idp_serves(tmp_path):
    port = free_port()
    keys = str(tmp_path / "keys")
    server = subprocess.Popen(
        [sys.executable, "-m", "tutorial.cli", "idp", "--port", str(port), "--keys", keys],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Identity provider on" in server.stdout.readline()
        token = tutorial("token", "--port", str(port), "--keys", keys, "--sub", "carol").stdout.strip()

        jwks_url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
        key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], audience="https://api.jwks-tutorial.test", issuer=f"http://127.0.0.1:{port}"
        )
        assert claims["sub"] == "carol"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_idp_says_when_its_port_is_taken(tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = tutorial("idp", "--port", str(port), "--keys", str(tmp_path))

    assert result.returncode == 1
    assert "--port" in result.stderr
