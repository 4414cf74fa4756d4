"""What every scenario does on every step: ``expected_outcomes.toml``, read once.

A key names one step (``"05"``) or a span of them (``"03-04"``); the matrix test
fails when a run differs from it, in either direction.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

EXPECTED_FILE = Path(__file__).with_name("expected_outcomes.toml")


def expected_outcomes(text: str) -> dict[str, dict[int, str]]:
    """``{scenario: {step number: outcome}}`` from the TOML table.

    A key names one step (``"05"``) or a span of them (``"03-04"``).
    """
    expected = {}
    for scenario, spans in tomllib.loads(text).items():
        cells: dict[int, str] = {}
        for span, outcome in spans.items():
            first, _, last = span.partition("-")
            for number in range(int(first), int(last or first) + 1):
                if number in cells:
                    raise ValueError(f"{EXPECTED_FILE.name}: step {number} twice")
                cells[number] = outcome
        expected[scenario] = cells
    return expected


EXPECTED = expected_outcomes(EXPECTED_FILE.read_text(encoding="utf-8"))
