"""The Actions workflow cannot run here, so it is linted and its structure checked.

Two linters from PyPI read it: check-jsonschema, against GitHub's schema of a
workflow, and zizmor, for what makes a workflow unsafe. It must run what the README
says runs the tests, on every platform and Python the README promises and the
newest release; install what .ci/run installs on a fresh Debian machine; build the
site strictly; and publish it only from the default branch.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_python_versions import NEWER_VERSIONS
from tutorial.course.steps import REPOSITORY

WORKFLOW = REPOSITORY / ".github" / "workflows" / "tests-and-site.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def commands(job: dict[str, Any]) -> list[str]:
    """Every command the job's steps run, one per line, continuations joined."""
    script = "\n".join(step.get("run", "") for step in job["steps"])
    return [line.strip() for line in script.replace("\\\n", " ").splitlines() if line]


def readme_test_command() -> str:
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^\$ (uv run pytest)\s+#", readme, re.MULTILINE)
    assert match, "the README shows no `$ uv run pytest  # ...` command"
    return match[1]


def ci_run_packages() -> set[str]:
    script = (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8")
    return {
        package
        for group in re.findall(r"missing\+=\(([^)]*)\)", script)
        for package in group.split()
    }


def test_it_runs_on_pushes_and_pull_requests(workflow: dict[str, Any]):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true

    assert {"push", "pull_request"} <= set(triggers)


# Every Python the README promises, and the newest release.
PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
ZIZMOR_CONFIG = REPOSITORY / ".github" / "zizmor.yml"


def linter(*command: str) -> subprocess.CompletedProcess[str]:
    scripts = Path(sys.executable).parent  # the linters' commands, beside python
    return subprocess.run(
        [str(scripts / command[0]), *command[1:]],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_workflow_matches_githubs_schema():
    result = linter(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_unsafe():
    result = linter(
        "zizmor", "--offline", "--config", str(ZIZMOR_CONFIG), str(WORKFLOW)
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job", ["test", "test-macos"])
def test_each_platform_runs_the_readmes_command_on_every_python(
    workflow: dict[str, Any], job: str
):
    test = workflow["jobs"][job]

    assert readme_test_command() in [step.get("run") for step in test["steps"]]
    assert test["strategy"]["matrix"]["python"] == PYTHONS
    assert test["env"]["UV_PYTHON"] == "${{ matrix.python }}"


def test_ci_run_runs_the_readmes_command():
    assert f"{readme_test_command()} ||" in (REPOSITORY / ".ci" / "run").read_text()


def test_the_readme_promises_what_the_workflow_runs():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")

    assert "checked on 3.11, 3.12, 3.13 and 3.14" in readme
    assert "**macOS**" in readme and "**Linux" in readme
    assert "actions/workflows/tests-and-site.yml/badge.svg" in readme


def test_linux_installs_what_ci_run_installs_on_debian(workflow: dict[str, Any]):
    test = workflow["jobs"]["test"]
    install = next(line for line in commands(test) if "apt-get install" in line)

    assert test["container"] == "python:${{ matrix.python }}-bookworm"  # Debian
    assert ci_run_packages() == {"chromium"}
    assert ci_run_packages() <= set(install.split())
    assert "python3 -m pip install --quiet uv" in commands(test)
    # tests/test_python_versions.py fails in CI without a Python newer than 3.11.
    assert f"uv python install {NEWER_VERSIONS[0]}" in commands(test)


def test_macos_uses_the_runners_own_browser_and_the_bundled_redis(
    workflow: dict[str, Any],
):
    macos = workflow["jobs"]["test-macos"]

    assert macos["runs-on"].startswith("macos")
    assert "Google Chrome" in macos["env"]["TUTORIAL_CHROMIUM"]
    assert not [line for line in commands(macos) if "brew install" in line]


def test_it_builds_the_site_strictly_and_uploads_that(workflow: dict[str, Any]):
    test = workflow["jobs"]["test"]
    build = next(line for line in commands(test) if "mkdocs build" in line)
    upload = next(
        step
        for step in test["steps"]
        if "upload-pages-artifact" in step.get("uses", "")
    )

    assert build.startswith("uv run mkdocs build --strict")
    assert build.endswith(f"--site-dir {upload['with']['path']}")
    history = next(step for step in test["steps"] if "checkout" in step.get("uses", ""))
    assert history["with"]["fetch-depth"] == 0  # the step branches' test clones it


def test_it_publishes_only_from_the_default_branch_after_the_tests(
    workflow: dict[str, Any],
):
    publish = workflow["jobs"]["publish"]

    assert publish["needs"] == ["test", "test-macos"]
    assert "github.event.repository.default_branch" in publish["if"]
    assert "github.event_name == 'push'" in publish["if"]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["environment"]["name"] == "github-pages"
    assert [step["uses"] for step in publish["steps"]] == ["actions/deploy-pages@v4"]
    assert workflow["permissions"] == {"contents": "read"}


def test_what_the_readmes_command_leaves_out_runs_in_jobs_of_its_own(
    workflow: dict[str, Any],
):
    jobs = workflow["jobs"]

    assert "tutorial mutants" in commands(jobs["mutants"])[-1]
    assert "tutorial scenarios" in commands(jobs["matrix"])[-1]
    django = commands(jobs["django-61"])[-1]
    assert "--group django61" in django and "--no-group django52" in django
    assert django.endswith("pytest steps/17-take-it-home")
    assert "tests/test_docs_zensical.py" in commands(jobs["site-zensical"])[-1]
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    for job in ("mutants", "matrix", "django-61", "site-zensical"):
        assert f"`{job}`" in readme, f"the README does not say what the job {job} runs"
