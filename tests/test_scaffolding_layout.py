"""tutorial/ is a small library whose folders show its architecture.

Layers, each importing only from those below it: ``kit`` (what the steps and
their tests import), ``course`` (steps, workspace, branches, learner commands),
``measure`` (bench, scenarios, soak, demo), ``site`` (docs hooks, the pages that
runs write), ``cli`` (the command line). ``console`` and ``arguments`` are
shared helpers below all of them. No import cycles, and no module longer than
about 400 lines.
"""

import ast
from pathlib import Path

import pytest

from tutorial.course.steps import REPOSITORY

PACKAGE = REPOSITORY / "tutorial"
LAYERS = ["console", "arguments", "kit", "course", "measure", "site", "cli"]
SHARED = {"console", "arguments"}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(REPOSITORY).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if path.stem
}


def imports_of(path: Path) -> set[str]:
    """Every tutorial module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in MODULES}
    return found


GRAPH = {name: imports_of(path) - {name} for name, path in MODULES.items()}


def layer(module: str) -> str:
    return module.split(".")[1] if "." in module else "tutorial"


def test_the_folders_are_the_layers():
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir()}
    folders -= {"__pycache__"}
    assert folders == {"kit", "course", "measure", "site", "cli"}
    top = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == SHARED


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"tutorial"}))
def test_a_module_imports_only_from_its_layer_and_below(module: str):
    own = LAYERS.index(layer(module))
    above = {
        imported
        for imported in GRAPH[module]
        if layer(imported) not in SHARED and LAYERS.index(layer(imported)) > own
    }
    assert not above, f"{module} imports from a layer above it: {sorted(above)}"


def test_no_import_cycle():
    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            module, path = stack.pop()
            for imported in GRAPH[module]:
                if imported == start:
                    return path + [start]
                if imported not in path:
                    stack.append((imported, path + [imported]))
        return None

    cycles = [cycle for name in GRAPH if (cycle := cycle_from(name))]
    assert not cycles, "import cycle: " + " -> ".join(cycles[0])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_much_longer_than_400_lines(module: str):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES * 1.05, f"{module}: {lines} lines; split it by concern"


def test_the_steps_import_only_the_kit():
    imported = set()
    for path in (REPOSITORY / "steps").glob("*/tests/*.py"):
        imported |= {name for name in imports_of(path) if name.startswith("tutorial")}
    assert imported
    assert {layer(name) for name in imported} == {"kit"}, sorted(imported)
