"""The page "What each step survives", written from a run of ``tutorial scenarios``.

``render_page(results)`` turns the JSON that ``tutorial scenarios`` saved into
Markdown: the matrix of marks first, then a section per scenario with the words
of every cell, then the soak. The page holds no number that the run did not
measure; a test checks that the committed page is what the committed run renders.
"""

from __future__ import annotations

from typing import Any

from tutorial.bench_page import table

SURVIVED, FELL = "✅", "❌"


def render_page(results: dict[str, Any]) -> str:
    steps: list[str] = results["steps"]
    scenarios: dict[str, dict[str, Any]] = results["scenarios"]
    parts = [
        HEADER.format(
            recorded=results["recorded"],
            machine=describe_machine(results["machine"]),
            minutes=round(results["seconds"] / 60),
        ),
        "## The matrix",
        matrix(steps, scenarios),
        LEGEND,
    ]
    for name, scenario in scenarios.items():
        parts.append(scenario_section(name, scenario, steps))
    if "soak" in results:
        parts.append(soak_section(results["soak"]))
    parts.append(FOOTER)
    return "\n\n".join(parts) + "\n"


HEADER = """\
# What each step survives

The step pages each tell one trap and its fix. This page puts every trap in
front of every step, on real servers: each step runs under gunicorn with its
workers, a real Redis and the local identity provider over HTTP, and each
scenario does one thing to it: rotates the key, kills Redis, floods it with
junk, plants a pickle. The early steps are meant to fall into the traps that
the later steps fix; the matrix shows where each one does.

Every cell below was measured by `uv run tutorial scenarios` on {recorded}
({machine}; about {minutes} minutes). Every run of the tests plays every
cell again (`tests/test_scenarios.py`) and fails when an outcome differs from
the table in `tutorial/expected_outcomes.toml`, in either direction: a trap
that stopped happening is as much a bug in the story as a fix that regressed."""

LEGEND = f"""\
{SURVIVED} the step comes through (no 5xx, valid tokens accepted, at most one
download where the scenario counts them); {FELL} it falls into the trap. The
sections below say what happened in each cell: `401, 1 download` means that
every answer was 401 and the whole scenario cost one JWKS download; answers
that differ are counted, as in `18×200, 2×500`."""

FOOTER = """\
## Run it yourself

The whole matrix and the soak take a few minutes; they write
`docs/scenarios.json` and this page:

```sh
# Not run by the tests: minutes long; tests/test_scenarios.py plays every cell
uv run tutorial scenarios
```

One cell takes seconds. Step 03 refuses the rotated key:

```sh
uv run tutorial scenarios 3 --scenario rotation
```

```text title="What you should see"
03 rotation             new key: 401
```"""


def matrix(steps: list[str], scenarios: dict[str, dict[str, Any]]) -> str:
    headers = ["scenario", *(f"[{step[:2]}]({step_page(step)})" for step in steps)]
    rows = [
        [
            f"[{scenario['title']}](#{name})",
            *(mark(scenario["cells"][step]) for step in steps),
        ]
        for name, scenario in scenarios.items()
    ]
    return table(headers, rows, "l" * len(headers))


def step_page(step: str) -> str:
    return f"steps/{step}.md"


def mark(cell: dict[str, Any]) -> str:
    return SURVIVED if cell["survived"] else FELL


def scenario_section(name: str, scenario: dict[str, Any], steps: list[str]) -> str:
    rows = [
        [
            f"[`{step}`]({step_page(step)})",
            mark(scenario["cells"][step]),
            scenario["cells"][step]["outcome"],
        ]
        for step in steps
    ]
    return "\n\n".join(
        [
            f"## {scenario['title']} {{#{name}}}",
            scenario["demonstrates"],
            table(["step", "", "outcome"], rows, "lll"),
        ]
    )


def soak_section(soak: dict[str, Any]) -> str:
    answers = ", ".join(f"{n}×{status}" for status, n in soak["answers"].items())
    return f"""\
## The soak: step {soak["step"][:2]} for {soak["seconds"]} seconds {{#soak}}

{soak["clients"]} clients sent {soak["requests"]} requests with valid tokens to
{soak["workers"]} gunicorn workers while Redis was killed and restarted
{soak["redis_restarts"]} times and the provider rotated its key once. Answers:
{answers}; JWKS downloads: {soak["downloads"]}."""


def describe_machine(machine: dict[str, Any]) -> str:
    return f"{machine['cpus']} CPUs, Python {machine['python']}"
