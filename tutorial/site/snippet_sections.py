"""Snippet sections that open and close: ``# --8<-- [start:x]`` ... ``[end:x]``.

Without its end marker, pymdownx.snippets quietly includes the rest of the file,
so a test checks every file under ``steps/`` with ``section_problems``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tutorial.course.steps import NOISE_DIRS

# The section markers of pymdownx.snippets: `# --8<-- [start:name]` and
# `# --8<-- [end:name]`; a `;` before the scissors escapes a marker.
SECTION_MARKER = re.compile(
    r"(?P<escape>;*)-+8<-+[ \t]+"
    r"\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]",
    re.IGNORECASE,
)


def problems_in_steps(root: Path) -> list[str]:
    """Every section problem of the files under ``root / "steps"``."""
    return [
        problem
        for path in sorted((root / "steps").rglob("*"))
        if path.is_file() and not NOISE_DIRS.intersection(path.relative_to(root).parts)
        for problem in section_problems(path, root)
    ]


def section_problems(path: Path, root: Path) -> list[str]:
    """What is wrong with the ``--8<-- [start:x]`` / ``[end:x]`` pairs of a file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return []  # not text, so no snippet comes from it
    where = path.relative_to(root).as_posix()
    open_sections: dict[str, int] = {}
    problems = []
    for number, line in enumerate(lines, start=1):
        marker = SECTION_MARKER.search(line) if "8<-" in line else None
        if marker is None or marker["escape"]:
            continue
        name = marker["name"]
        if marker["kind"].lower() == "start":
            if name in open_sections:
                problems.append(
                    f"{where}:{number}: section '{name}' starts again, "
                    f"but the one from line {open_sections[name]} never ended"
                )
            open_sections[name] = number
        elif open_sections.pop(name, None) is None:
            problems.append(
                f"{where}:{number}: section '{name}' ends but never started"
            )
    for name, number in open_sections.items():
        problems.append(
            f"{where}:{number}: section '{name}' has no end marker "
            f"(add `--8<-- [end:{name}]` where it should stop)"
        )
    return problems
