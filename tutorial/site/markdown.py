"""Markdown and Mermaid for the pages that runs write: tables, charts, numbers."""

from __future__ import annotations

import json
import re

# The site's indigo for bars. A chart has one series, named by its axis: a chart
# of many lines would need more colours than a reader can tell apart.
BAR_COLOR = "#3f51b5"


def table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A Markdown table; ``align`` has an ``l`` or an ``r`` per column."""
    rule = ["---:" if side == "r" else "---" for side in align]
    return "\n".join(
        "| " + " | ".join(cells) + " |" for cells in [headers, rule, *rows]
    )


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def bar_chart(title: str, labels: list[str], y_title: str, values: list[float]) -> str:
    return f"""```mermaid
{palette(BAR_COLOR)}
xychart-beta
    title "{title}"
    x-axis [{", ".join(quoted(label) for label in labels)}]
    y-axis "{y_title}" 0 --> {axis_top(max(values)):g}
    bar [{", ".join(f"{value:g}" for value in values)}]
```"""


def palette(*colors: str) -> str:
    """Mermaid's directive for the colours of a chart's bars or lines, in order."""
    variables = {"xyChart": {"plotColorPalette": ", ".join(colors)}}
    return "%%{init: " + json.dumps({"themeVariables": variables}) + "}%%"


def axis_top(value: float) -> float:
    """A round number above ``value``, for the top of a chart's axis."""
    scale = 1.0
    while value >= 10 * scale:
        scale *= 10
    for step in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if value * 1.05 <= step * scale:
            return step * scale
    return 10 * scale


def quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def indent(text: str) -> str:
    """``text`` nested four spaces deep, under an admonition or a tab."""
    # Blank lines stay empty, so that no line ends in spaces.
    return "".join(
        f"    {line}" if line.strip() else "\n"
        for line in text.splitlines(keepends=True)
    )


# -- numbers, as the pages write them -------------------------------------------


def times(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def span_of_times(low: float, high: float) -> str:
    return times(low) if low == high else f"from {times(low)} to {times(high)}"


def span(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"from {low:,} to {high:,}"


def minutes(value: float) -> str:
    return f"{value:g} minute" + ("" if value == 1 else "s")


def load(averages: list[float]) -> str:
    return " / ".join(f"{average:.1f}" for average in averages)


def sentence(text: str) -> str:
    return text[0].upper() + text[1:]
