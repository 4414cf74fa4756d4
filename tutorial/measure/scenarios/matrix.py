"""The whole matrix: every scenario on every step, a few cells at a time.

Each cell mostly waits on its servers, so three run at once on two cores; the
results come back in the matrix's order, whatever order the cells end in.
"""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from typing import Any

from tutorial.course.steps import Step
from tutorial.measure.scenarios.cells import Result, Scenario, run_cell

CELLS_AT_ONCE = 3  # each cell mostly waits on its servers; more would crowd two cores


def run_matrix(
    steps: Sequence[Step],
    scenarios: Sequence[Scenario],
    report: Callable[[str], None],
) -> dict[str, Any]:
    """Every scenario on every step, a few cells at a time; the results as JSON."""
    outcomes: dict[tuple[str, str], Result] = {}
    with ThreadPoolExecutor(max_workers=CELLS_AT_ONCE) as pool:
        futures = {
            pool.submit(run_cell, step, scenario): (step, scenario)
            for scenario in scenarios
            for step in steps
        }
        for future in as_completed(futures):
            step, scenario = futures[future]
            result = future.result()
            outcomes[scenario.name, step.name] = result
            report(f"{step.name[:2]} {scenario.name:<20} {result.outcome}")
    return {
        "recorded": datetime.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(terse=True),
        },
        "steps": [step.name for step in steps],
        "scenarios": {
            scenario.name: {
                "title": scenario.title,
                "demonstrates": scenario.demonstrates,
                "cells": {
                    step.name: asdict(outcomes[scenario.name, step.name])
                    for step in steps
                },
            }
            for scenario in scenarios
        },
    }
