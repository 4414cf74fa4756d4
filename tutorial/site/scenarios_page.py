"""The page "What each step survives", written from a run of ``tutorial scenarios``.

``render_page(results)`` turns the JSON that ``tutorial scenarios`` saved into
Markdown (``templates/what-each-step-survives.md.j2``): the matrix of marks first,
in tables of a few steps each, then a section per scenario with the words of
every cell, then the soak. The page
holds no number that the run did not measure; a test checks that the committed
page is what the committed run renders.
"""

from __future__ import annotations

from typing import Any

from tutorial.site.markdown import table
from tutorial.site.templates import render

# Words, not emoji: a machine without an emoji font shows those as empty boxes.
SURVIVED, FELL = "ok", "**fell**"
# Steps side by side in one table: more would not fit a 1280-pixel window.
STEPS_PER_TABLE = 6


def render_page(results: dict[str, Any]) -> str:
    steps: list[str] = results["steps"]
    scenarios: dict[str, dict[str, Any]] = results["scenarios"]
    soak_answers = ""
    if "soak" in results:
        answers = results["soak"]["answers"].items()
        soak_answers = ", ".join(f"{n}×{status}" for status, n in answers)
    return render(
        "what-each-step-survives.md.j2",
        {},
        r=results,
        matrices=[
            matrix(steps[start : start + STEPS_PER_TABLE], scenarios)
            for start in range(0, len(steps), STEPS_PER_TABLE)
        ],
        cells={name: cells(scenario, steps) for name, scenario in scenarios.items()},
        soak_answers=soak_answers,
        survived=SURVIVED,
        fell=FELL,
    )


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


def cells(scenario: dict[str, Any], steps: list[str]) -> str:
    rows = [
        [
            f"[`{step}`]({step_page(step)})",
            mark(scenario["cells"][step]),
            scenario["cells"][step]["outcome"],
        ]
        for step in steps
    ]
    return table(["step", "", "outcome"], rows, "lll")


def step_page(step: str) -> str:
    return f"steps/{step}.md"


def mark(cell: dict[str, Any]) -> str:
    return SURVIVED if cell["survived"] else FELL
