"""The picture of a step's stack of layers, read from its ``jwks_cache/stack.py``.

``assemble()`` builds the stack from the provider up, one statement a layer, each
under a comment that says what the layer does. The picture draws them top down,
as a request meets them, and marks the layers whose module the step adds or
changes. Read from the code, it cannot disagree with it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tutorial.course.steps import Step, file_diffs, previous_step

STACK_MODULE = "jwks_cache/stack.py"
# The names assemble() gives what it builds from the provider up.
LAYER_NAMES = {"source", "shared"}


@dataclass(frozen=True)
class Layer:
    name: str  # the class
    module: str  # its file, from the step's folder
    what: str  # the comment above the statement that adds it


def layers_of(step: Step) -> list[Layer]:
    """The layers of the step's stack, from the provider up."""
    path = step.path / STACK_MODULE
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    modules = {
        alias.name: f"{node.module.replace('.', '/')}.py"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    [assemble] = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "assemble"
    ]
    layers, paragraph = [], []
    for statement in assemble.body:
        paragraph.append(statement)
        call = layer_call(statement)
        if call is not None:
            # The comment may sit above a statement that prepares the layer.
            comments = (comment_above(lines, s) for s in reversed(paragraph))
            what = next((comment for comment in comments if comment), "")
            layers.append(Layer(call.func.id, modules[call.func.id], what))
            paragraph = []
    return layers


def layer_call(statement: ast.stmt) -> ast.Call | None:
    """The ``Layer(...)`` of ``source = Layer(source, ...)``, or None."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return None
    named = isinstance(target, ast.Name) and target.id in LAYER_NAMES
    if named and isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value
    return None


def comment_above(lines: list[str], statement: ast.stmt) -> str:
    """The comment lines right above a statement, as one sentence."""
    words: list[str] = []
    number = statement.lineno - 2  # the line above, counted from 0
    while number >= 0 and lines[number].strip().startswith("#"):
        words.insert(0, lines[number].strip().lstrip("#").strip())
        number -= 1
    return " ".join(words)


def changes(step: Step) -> tuple[set[str], set[str]]:
    """The files the step adds, and those it changes (a move counts as a change)."""
    before = previous_step(step)
    if before is None:
        return set(), set()
    diffs = file_diffs(before, step, leave_out={"README.md"})
    added = {path for path, diff in diffs.items() if diff.startswith("--- /dev/null")}
    return added, set(diffs) - added


def stack_picture(step: Step) -> str:
    """A Mermaid flowchart of the stack, the step's new and changed layers said so.

    In words and a thick border rather than colours alone, which the site's light
    and dark themes would draw differently."""
    layers = list(reversed(layers_of(step)))  # as a request meets them
    added, changed = changes(step)
    lines = [
        "```mermaid",
        # Wide boxes, a line or two each: a stack of nine stays on one screen.
        '%%{init: {"flowchart": {"wrappingWidth": 480}}}%%',
        "flowchart TB",
        '    request(["a request for the key set"])',
    ]
    marks: dict[str, list[str]] = {"added": [], "changed": []}
    for number, layer in enumerate(layers):
        what = layer.what.replace('"', "#quot;")
        status = ""
        if layer.module in added:
            status = " *(new in this step)*"
            marks["added"].append(f"L{number}")
        elif layer.module in changed:
            status = " *(changed)*"
            marks["changed"].append(f"L{number}")
        lines.append(f'    L{number}["`**{layer.name}**{status} {what}`"]')
    lines.append('    provider(["the identity provider"])')
    names = ["request", *(f"L{n}" for n in range(len(layers))), "provider"]
    lines.append("    " + " --> ".join(names))
    lines.append("    classDef added stroke:#3f51b5,stroke-width:4px")
    lines.append(
        "    classDef changed stroke:#3f51b5,stroke-width:2px,stroke-dasharray:6 4"
    )
    for kind, marked in marks.items():
        if marked:
            lines.append(f"    class {','.join(marked)} {kind}")
    lines.append("```")
    return "\n".join(lines) + "\n"
