"""docker-compose.yml cannot run here (no Docker), so its shape is checked instead.

The learner's first command is ``docker compose up -d redis``; every step from 01
on expects that service, with that password, on that port.
"""

from __future__ import annotations

import runpy
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tutorial.course.steps import REPOSITORY, discover_steps

COMPOSE_FILE = REPOSITORY / "docker-compose.yml"
STEPS_WITH_REDIS = [step for step in discover_steps() if step.number >= 1]


@pytest.fixture(scope="module")
def redis_service() -> dict[str, Any]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return compose["services"]["redis"]


def requirepass(service: dict[str, Any]) -> str:
    command = service["command"]
    words = shlex.split(command) if isinstance(command, str) else list(command)
    assert words[0] == "redis-server"
    return words[words.index("--requirepass") + 1]


def default_redis_url(settings_file: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The REDIS_URL a step uses when the environment sets none."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    return runpy.run_path(str(settings_file))["REDIS_URL"]


def test_the_articles_image(redis_service):
    assert redis_service["image"] == "redis:6.2.6-alpine"


def test_redis_is_published_on_its_usual_port(redis_service):
    assert "6379:6379" in [str(port) for port in redis_service["ports"]]


def test_the_healthcheck_pings_with_the_password(redis_service):
    check = redis_service["healthcheck"]["test"]
    command = check[1] if check[0] == "CMD-SHELL" else " ".join(check[1:])
    assert "redis-cli" in command
    assert "ping" in command.lower()
    assert f"-a {requirepass(redis_service)}" in command


@pytest.mark.skipif(not STEPS_WITH_REDIS, reason="no step uses Redis yet")
@pytest.mark.parametrize("step", STEPS_WITH_REDIS, ids=lambda step: step.name)
def test_every_step_defaults_to_the_compose_service(step, redis_service, monkeypatch):
    url = urlsplit(
        default_redis_url(step.path / "jwks_demo" / "settings.py", monkeypatch)
    )

    assert url.password == requirepass(redis_service)
    assert (url.hostname, url.port) == ("127.0.0.1", 6379)
