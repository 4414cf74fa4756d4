"""The page "Use it in your project", replayed word for word in a fresh project.

Its blocks marked ``# In your project ... (replayed by this file)`` run in order in
an empty folder, as an engineer would run them: a project from ``django-admin
startproject``, the app brought in one way or the other, its settings, the checks,
the status command, then one real token from the local provider, through Redis.
Each way in, on Django 5.2 (Python 3.11) and on Django 6.1 (the newest Python here,
3.12 or newer).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.docs_site import DOCS, Block, fenced_blocks
from tests.page_commands import REPOSITORY, PagePorts, replay_blocks
from tests.test_python_versions import candidates, newest_python, runs_as

PAGE = DOCS / "use-it-in-your-project.md"
MARKER = re.compile(
    r"^# In your project(?:, (?P<way>[^(]+?))? \(replayed by (?P<by>\S+)\)$"
)
WAYS = ("copying the folder", "with pip")
# The settings the page has the reader set: not in the environment of a fresh shell.
PROJECT_SETTINGS = {"JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "JWKS_REDIS_URL"}


def blocks_for(way: str) -> list[Block]:
    """The page's blocks for a project brought in ``way``, their marker line gone,
    each with the "What you should see" blocks that follow it."""
    chosen: list[Block] = []
    keep_outputs = False
    for block in fenced_blocks(PAGE):
        marker = MARKER.match(block.first_line) if block.language == "sh" else None
        if block.language == "sh":
            keep_outputs = bool(marker) and marker["way"] in (None, way)
            if keep_outputs:
                text = block.text.split("\n", 1)[1]
                chosen.append(replace(block, text=text))
        elif block.expects_output and keep_outputs:
            chosen.append(block)
    return chosen


def test_every_block_for_your_project_names_this_file_and_a_way_it_knows():
    marked = [MARKER.match(b.first_line) for b in fenced_blocks(PAGE)]
    marked = [match for match in marked if match]

    assert marked, f"{PAGE.name} has no block for the reader's project"
    assert {match["by"] for match in marked} == {f"tests/{Path(__file__).name}"}
    assert {match["way"] for match in marked} == {None, *WAYS}


def python(version: str) -> str | None:
    return next((path for path in candidates(version) if runs_as(path, version)), None)


def pythons() -> list:
    """Python 3.11, where the page installs Django 5.2, and the newest, Django 6.1."""
    newest = newest_python()
    no_newer = pytest.mark.skip(reason="no Python 3.12 or newer here, for Django 6.1")
    return [
        pytest.param(python("3.11"), "5.2", id="django-5.2"),
        pytest.param(newest, "6.1", id="django-6.1", marks=[] if newest else no_newer),
    ]


def path_with_python(python: str, folder: Path) -> str:
    """A PATH where ``python3`` is ``python``, for ``uv venv`` to find first, and
    uv is the binary itself: a pyenv shim would put its own Python first."""
    folder.mkdir()
    for name in ("python3", "python"):
        (folder / name).symlink_to(python)
    uv = os.environ.get("UV") or shutil.which("uv")
    return os.pathsep.join([str(folder), str(Path(uv).parent), os.environ["PATH"]])


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(("python", "django"), pythons())
def test_the_page_brings_the_app_into_a_fresh_project(
    way: str, python: str, django: str, private_redis: str, tmp_path: Path
):
    project = tmp_path / "project"
    project.mkdir()
    blocks = blocks_for(way)
    ports = PagePorts.for_blocks(blocks, private_redis, keys=tmp_path / "keys")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in PROJECT_SETTINGS | {"VIRTUAL_ENV", "REDIS_URL"}
    }
    env.update(
        TUTORIAL=str(REPOSITORY), PATH=path_with_python(python, tmp_path / "bin")
    )

    try:
        replay_blocks(blocks, ports, cwd=project, env=env)
    except AssertionError as error:
        pytest.fail(str(error), pytrace=False)

    version = (project / ".venv").glob("lib/python*/site-packages/django/__init__.py")
    assert f"VERSION = ({django.replace('.', ', ')}," in next(version).read_text()


APP = REPOSITORY / "steps" / "17-take-it-home" / "jwks_cache"


def app_files() -> set[Path]:
    return {path for path in APP.rglob("*") if "__pycache__" not in path.parts}


@pytest.fixture(autouse=True)
def the_app_folder_is_left_as_it_was():
    """A ``pip install`` of the folder builds elsewhere: nothing lands in the step."""
    before = app_files()
    yield
    assert app_files() == before, "installing the app wrote into its folder"


def test_the_apps_packaging_leaves_uv_run_in_the_step_alone():
    step = APP.parent
    result = subprocess.run(
        [
            os.environ.get("UV") or "uv",
            "run",
            "python",
            "-c",
            "import sys; print(sys.prefix)",
        ],
        cwd=step,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == REPOSITORY / ".venv"
