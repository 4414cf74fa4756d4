"""The pieces of the site written from the code, not by hand: ``generated/``.

Pages include them with pymdownx.snippets, as they include code from
``steps/``, so that any engine that reads ``mkdocs.yml`` (MkDocs with Material,
Zensical) builds the same site without hooks or plugins of ours:

* ``generated/step-diffs/NN-slug.md``: the diff from the step before, for each
  step page (``tutorial/site/step_diffs.py``);
* ``generated/changes/NN-slug/PATH.diff``: one application file's changes,
  for a page to show the lines a step changed in a module it did not add;
* ``generated/stacks/NN-slug.md``: the picture of a step's stack of layers,
  this step's marked (``tutorial/site/stack_picture.py``);
* ``generated/pyjwt-download-path.md``: the PyJWT methods a JWKS download goes
  through, read from the installed package (``tutorial/site/pyjwt_source.py``).

``uv run tutorial site`` writes them; the suite fails, naming that command, when
one differs from what the code makes today.
"""

from __future__ import annotations

from pathlib import Path

from tutorial.course.steps import (
    discover_steps,
    file_diffs,
    is_test_file,
    previous_step,
)
from tutorial.site.pyjwt_source import pyjwt_markdown
from tutorial.site.stack_picture import STACK_MODULE, stack_picture
from tutorial.site.step_diffs import (
    LEFT_OUT_OF_DIFFS,
    change_status,
    diff_body,
    diff_markdown,
)

GENERATED = "generated"
STEP_DIFFS = f"{GENERATED}/step-diffs"
CHANGES = f"{GENERATED}/changes"
STACKS = f"{GENERATED}/stacks"
PYJWT_DOWNLOAD_PATH = f"{GENERATED}/pyjwt-download-path.md"


def step_diff_include(step_name: str) -> str:
    """The line a step page includes its diff with."""
    return f'--8<-- "{STEP_DIFFS}/{step_name}.md"'


def generated_pieces(root: Path) -> dict[str, str]:
    """Each generated file, by its path from ``root``, with what it should hold."""
    steps_dir = root / "steps"
    pieces = {}
    for step in discover_steps(steps_dir):
        pieces[f"{STEP_DIFFS}/{step.name}.md"] = diff_markdown(step, steps_dir)
        if (step.path / STACK_MODULE).exists():
            pieces[f"{STACKS}/{step.name}.md"] = stack_picture(step)
        before = previous_step(step, steps_dir)
        if before is None:
            continue
        for relative, diff in file_diffs(before, step, LEFT_OUT_OF_DIFFS).items():
            if not is_test_file(Path(relative)) and change_status(diff) not in {
                "new file",
                "deleted",
            }:
                pieces[f"{CHANGES}/{step.name}/{relative}.diff"] = diff_body(diff)
    pieces[PYJWT_DOWNLOAD_PATH] = pyjwt_markdown()
    return pieces


def stale_pieces(root: Path) -> list[str]:
    """The generated files that are missing, differ, or belong to no step now."""
    pieces = generated_pieces(root)
    stale = [
        relative
        for relative, text in pieces.items()
        if not (root / relative).exists()
        or (root / relative).read_text(encoding="utf-8") != text
    ]
    leftovers = [
        path.relative_to(root).as_posix()
        for path in sorted((root / GENERATED).rglob("*"))
        if path.is_file()
        and path.relative_to(root).as_posix() not in pieces
        and path.name != "README.md"
    ]
    return stale + leftovers


def write_pieces(root: Path) -> list[str]:
    """Write what is stale, delete what belongs to no step; what changed."""
    pieces = generated_pieces(root)
    changed = stale_pieces(root)
    for relative in changed:
        path = root / relative
        if relative in pieces:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(pieces[relative], encoding="utf-8")
        else:
            path.unlink()
    return changed
