"""Every step reads the contract's variables (docs/reference.md), with defaults."""

import json
import os
import subprocess
import sys

import pytest

from tutorial.course.steps import Step, discover_steps
from tutorial.kit.redis import DEFAULT_REDIS_URL

STEPS = discover_steps()

# variable -> (the setting that reads it, the value to set, the step it arrives in)
CONTRACT = {
    "JWKS_URL": ("JWKS_URL", "http://idp.example:9999/jwks.json", 0),
    "JWT_ISSUER": ("JWT_ISSUER", "https://issuer.example", 0),
    "JWT_AUDIENCE": ("JWT_AUDIENCE", "https://audience.example", 0),
    "DJANGO_SECRET_KEY": ("SECRET_KEY", "a-secret-from-the-environment", 0),
    "DJANGO_DEBUG": ("DEBUG", "true", 0),
    "DJANGO_ALLOWED_HOSTS": ("ALLOWED_HOSTS", "api.example,other.example", 0),
    "REDIS_URL": ("REDIS_URL", "redis://:pw@redis.example:6380/2", 1),
    "JWKS_CACHE_SECONDS": ("JWKS_CACHE_SECONDS", "123", 3),
    "JWKS_MIN_REFRESH_SECONDS": ("JWKS_MIN_REFRESH_SECONDS", "7", 6),
    "JWKS_STALE_SECONDS": ("JWKS_STALE_SECONDS", "456", 8),
    "JWKS_FETCH_TIMEOUT": ("JWKS_FETCH_TIMEOUT", "2", 8),
    "JWKS_INTEGRITY_KEY": ("JWKS_INTEGRITY_KEY", "an-integrity-key", 10),
    "JWKS_IN_PROCESS_SECONDS": ("JWKS_IN_PROCESS_SECONDS", "11", 12),
    "JWKS_MIN_CACHE_SECONDS": ("JWKS_MIN_CACHE_SECONDS", "12", 13),
    "JWKS_MAX_CACHE_SECONDS": ("JWKS_MAX_CACHE_SECONDS", "1200", 13),
    "JWKS_REFRESH_AHEAD_SECONDS": ("JWKS_REFRESH_AHEAD_SECONDS", "9", 15),
    "JWT_VERIFIED_TOKENS": ("JWT_VERIFIED_TOKENS", "99", 16),
}

DEFAULTS = {
    "JWKS_URL": "http://127.0.0.1:8001/.well-known/jwks.json",
    "JWT_ISSUER": "http://127.0.0.1:8001",
    "JWT_AUDIENCE": "https://api.jwks-tutorial.test",
    "DEBUG": False,
    "TIME_ZONE": "UTC",  # gunicorn logs in UTC: every log line agrees
}
# The article's day, in the steps that keep its cache as it is.
ONE_DAY_STEPS = {3, 4}
ONE_DAY = 24 * 60 * 60

READ_SETTINGS = """
import json, sys
from django.conf import settings
names = sys.argv[1:]
values = {name: getattr(settings, name, "<missing>") for name in names}
print(json.dumps(values, default=str))
"""


def read_settings(step: Step, env: dict[str, str], names: list[str]) -> dict:
    clean = {key: value for key, value in os.environ.items() if key not in CONTRACT}
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, *names],
        cwd=step.path,
        env={
            **clean,
            **env,
            "DJANGO_SETTINGS_MODULE": "jwks_demo.settings",
            "PYTHONPATH": str(step.path),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def variables_for(step: Step) -> dict[str, tuple[str, str, int]]:
    return {
        variable: spec for variable, spec in CONTRACT.items() if spec[2] <= step.number
    }


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_settings_come_from_the_environment(step: Step):
    contract = variables_for(step)
    env = {variable: value for variable, (_, value, _) in contract.items()}

    settings = read_settings(
        step, env, [setting for setting, _, _ in contract.values()]
    )

    for variable, (setting, value, _) in contract.items():
        read = settings[setting]
        assert read != "<missing>", f"{step.name}: settings.{setting} is missing"
        if isinstance(read, list):
            assert read == value.split(","), f"{step.name}: {variable} -> {setting}"
        elif isinstance(read, bool):
            assert read is True, f"{step.name}: {variable} -> {setting}"
        else:
            assert str(read) == value, f"{step.name}: {variable} -> {setting}"


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_defaults_work_on_a_laptop(step: Step):
    names = [*DEFAULTS, "REDIS_URL"] if step.number >= 1 else list(DEFAULTS)

    settings = read_settings(step, {}, names)

    for name, default in DEFAULTS.items():
        assert settings[name] == default, f"{step.name}: default {name}"
    if step.number >= 1:
        assert settings["REDIS_URL"] == DEFAULT_REDIS_URL


@pytest.mark.parametrize(
    "step",
    [step for step in STEPS if step.number in ONE_DAY_STEPS],
    ids=lambda step: step.name,
)
def test_the_jwks_is_cached_for_the_articles_day_by_default(step: Step):
    settings = read_settings(step, {}, ["JWKS_CACHE_SECONDS"])

    assert settings["JWKS_CACHE_SECONDS"] == ONE_DAY
