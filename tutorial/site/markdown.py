"""Markdown and Mermaid for the pages that runs write: tables, bullets and charts."""

from __future__ import annotations

import json
import re

# The site's indigo for bars; for lines, colours told apart also by readers with a
# colour vision deficiency (Okabe and Ito's), and seen on a light or a dark page.
BAR_COLOR = "#3f51b5"
LINE_COLORS = (
    "#e69f00",
    "#56b4e9",
    "#009e73",
    "#0072b2",
    "#d55e00",
    "#cc79a7",
    "#999999",
    "#a6761d",
)


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


def line_chart(
    title: str,
    x_title: str,
    x_labels: list[str],
    y_title: str,
    lines: list[tuple[str, list[int]]],
) -> str:
    top = axis_top(max(max(values) for _, values in lines))
    plotted = "\n".join(
        f"    line {quoted(label)} [{', '.join(str(value) for value in values)}]"
        for label, values in lines
    )
    return f"""```mermaid
{palette(*LINE_COLORS)}
xychart-beta
    title "{title}"
    x-axis "{x_title}" [{", ".join(quoted(label) for label in x_labels)}]
    y-axis "{y_title}" 0 --> {top:g}
{plotted}
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
