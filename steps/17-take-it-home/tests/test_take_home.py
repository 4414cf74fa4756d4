"""The cache is an app of its own: a project adds it, sets what it names, and uses it.

Nothing in ``jwks_cache/`` imports this project: a fresh project, with the app
folder copied in and nothing else of this step, authenticates a real token.
What the app cannot guess (where the provider and Redis are, what its tokens
name) it asks for, by name, when the project starts.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STEP_DIR = Path(__file__).resolve().parents[1]

PROJECT_SETTINGS = """
SECRET_KEY = "a-project-of-its-own"
INSTALLED_APPS = ["rest_framework", "jwks_cache"]
ROOT_URLCONF = "project_urls"
DATABASES = {}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwks_cache.authentication.JWKSAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
"""

PROJECT_URLS = """
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def me(request):
    return Response({"sub": request.user.sub})


urlpatterns = [path("me", me)]
"""

ASK_WITH_A_TOKEN = """
import sys

import django
from django.test import Client

django.setup()
answer = Client().get("/me", HTTP_AUTHORIZATION="Bearer " + sys.argv[1])
print(answer.status_code, answer.content.decode())
"""


def a_project_with_the_app(folder: Path, settings: str) -> Path:
    """A project of its own in ``folder``: the app copied in, nothing else of ours."""
    shutil.copytree(
        STEP_DIR / "jwks_cache",
        folder / "jwks_cache",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (folder / "project_settings.py").write_text(PROJECT_SETTINGS + settings)
    (folder / "project_urls.py").write_text(PROJECT_URLS)
    (folder / "ask.py").write_text(ASK_WITH_A_TOKEN)
    return folder


def run_in(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *command],
        cwd=project,
        env={
            **os.environ,
            "PYTHONPATH": str(project),
            "DJANGO_SETTINGS_MODULE": "project_settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


# --8<-- [start:lesson-take-home]
@pytest.mark.lesson(step=17)
def test_a_project_that_adds_the_app_authenticates_a_real_token(
    idp, mint_token, redis_url, test_key_prefix, tmp_path
):
    settings = f"""
JWKS_URL = {idp.jwks_url!r}
JWT_ISSUER = {idp.issuer!r}
JWT_AUDIENCE = {idp.audience!r}
JWKS_REDIS_URL = {redis_url!r}
JWKS_REDIS_KEY_PREFIX = {test_key_prefix!r}
JWT_ALGORITHMS = ["RS384"]  # the project's choice, not the app's default
"""
    project = a_project_with_the_app(tmp_path, settings)
    token = mint_token(sub="from-another-project", algorithm="RS384")

    answer = run_in(project, "ask.py", token)

    assert answer.stdout.startswith("200 "), answer.stdout + answer.stderr
    assert "from-another-project" in answer.stdout


@pytest.mark.lesson(step=17)
def test_a_project_that_sets_nothing_is_told_what_to_set(tmp_path):
    project = a_project_with_the_app(tmp_path, settings="")

    check = run_in(project, "-m", "django", "check")

    assert check.returncode == 1
    for name in ("JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "JWKS_REDIS_URL"):
        assert f"{name} is not set" in check.stderr, check.stderr
    assert "Traceback" not in check.stderr


@pytest.mark.lesson(step=17)
def test_the_algorithms_a_token_may_use_are_a_setting(
    idp, mint_token, get_me, settings
):
    settings.JWT_ALGORITHMS = ["RS384"]

    assert get_me(mint_token(algorithm="RS384")).status_code == 200
    refused = get_me(mint_token())  # RS256: not accepted here

    assert refused.status_code == 401
    assert "RS384" in refused.json()["detail"]


@pytest.mark.lesson(step=17)
@pytest.mark.parametrize(
    "algorithms", [["HS256"], ["none"], [], "RS256", ["RS256", "XYZ"]], ids=str
)
def test_algorithms_a_key_set_cannot_check_stop_the_start(tmp_path, algorithms):
    settings = f"""
JWKS_URL = "https://idp.example/.well-known/jwks.json"
JWT_ISSUER = "https://idp.example"
JWT_AUDIENCE = "https://api.example"
JWKS_REDIS_URL = "redis://127.0.0.1:6379/0"
JWT_ALGORITHMS = {algorithms!r}
"""
    project = a_project_with_the_app(tmp_path, textwrap.dedent(settings))

    check = run_in(project, "-m", "django", "check")

    assert check.returncode == 1
    assert "JWT_ALGORITHMS" in check.stderr, check.stderr


# --8<-- [end:lesson-take-home]
