"""The GitHub Actions workflow cannot run here, so its structure is checked instead.

It must run what the README says runs the tests, install what .ci/run installs on a
fresh Debian machine, build the site strictly, and publish it only from the default
branch.
"""

from __future__ import annotations

import re
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


def test_the_test_step_is_the_readmes_command(workflow: dict[str, Any]):
    test = workflow["jobs"]["test"]

    assert readme_test_command() in [step.get("run") for step in test["steps"]]
    assert f"{readme_test_command()} ||" in (REPOSITORY / ".ci" / "run").read_text()


def test_it_installs_what_ci_run_installs_on_debian(workflow: dict[str, Any]):
    test = workflow["jobs"]["test"]
    install = next(line for line in commands(test) if "apt-get install" in line)

    assert "bookworm" in test["container"]  # Debian: chromium is /usr/bin/chromium
    assert ci_run_packages() == {"chromium", "nodejs", "npm"}
    assert ci_run_packages() <= set(install.split())
    assert "npm ci --no-audit --no-fund" in commands(test)
    assert "python3 -m pip install --quiet uv" in commands(test)


def test_it_has_a_newer_python_than_the_images(workflow: dict[str, Any]):
    test = workflow["jobs"]["test"]
    image_python = test["container"].split(":")[1].split("-")[0]

    assert image_python == "3.11"  # the oldest the README promises
    # tests/test_python_versions.py fails in CI without a newer one.
    installs = [f"uv python install {version}" for version in NEWER_VERSIONS]
    assert set(installs) & set(commands(test))


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

    assert publish["needs"] == "test"
    assert "github.event.repository.default_branch" in publish["if"]
    assert "github.event_name == 'push'" in publish["if"]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["environment"]["name"] == "github-pages"
    assert [step["uses"] for step in publish["steps"]] == ["actions/deploy-pages@v4"]
    assert workflow["permissions"] == {"contents": "read"}
