"""The diff between two steps, as the Markdown a step page includes.

The lesson's code comes first, then its settings; then, folded, the files that
change only in comments or docstrings, and the tests. ``tutorial site`` writes
each step's diff to ``generated/step-diffs/NN-slug.md``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tutorial.course.steps import Step, file_diffs, previous_step
from tutorial.site.markdown import fence, indent

# A step's README is its own prose, not the lesson's code.
LEFT_OUT_OF_DIFFS = {"README.md"}


# The order files appear in on a step page: what a reader learns from first.
CODE, SETTINGS, COMMENTS_ONLY, TESTS = range(4)


def kind_of_change(path: str, before: Step, after: Step) -> int:
    if path.startswith("tests/"):
        return TESTS
    if changes_only_comments(before.path / path, after.path / path):
        return COMMENTS_ONLY
    if not path.endswith(".py") or Path(path).name == "settings.py":
        return SETTINGS
    return CODE


def changes_only_comments(old: Path, new: Path) -> bool:
    """Whether two Python files differ only in comments, docstrings or layout."""
    if old.suffix != ".py" or not (old.exists() and new.exists()):
        return False
    try:
        return code_without_docstrings(old) == code_without_docstrings(new)
    except SyntaxError:
        return False


DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def code_without_docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, DOCUMENTED):
            continue
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    # Comments never reach the syntax tree; dumping it leaves out layout too.
    return ast.dump(tree)


def diff_markdown(step: Step, steps_dir: Path) -> str:
    before = previous_step(step, steps_dir)
    if before is None:
        return (
            '!!! info "The starting point"\n\n'
            "    There is no earlier step to compare with: every file of this step "
            "is where the story starts.\n"
        )
    diffs = file_diffs(before, step, leave_out=LEFT_OUT_OF_DIFFS)
    if not diffs:
        return (
            '!!! warning "No code changed"\n\n'
            f"    This step has the same code as `{before.name}`.\n"
        )
    # sorted() keeps the alphabetical order of file_diffs within each kind.
    ordered = sorted(diffs, key=lambda path: kind_of_change(path, before, step))
    listing = ", ".join(f"`{path}`" for path in ordered)
    parts = [
        f"From `steps/{before.name}` to `steps/{step.name}`, "
        f"{len(diffs)} file(s) changed: {listing}.\n"
    ]
    for path in ordered:
        parts.append(file_diff_markdown(path, diffs[path], before, step))
    return "\n".join(parts)


def change_status(diff: str) -> str:
    """How a file changed, in the words of a diff's title."""
    lines = diff.splitlines()
    if lines[0].startswith("rename from "):
        return f"moved from {lines[0].removeprefix('rename from ')}"
    if lines[0] == "--- /dev/null":
        return "new file"
    if lines[1] == "+++ /dev/null":
        return "deleted"
    return "changed"


def diff_body(diff: str) -> str:
    """The diff's hunks, without the lines that name the files."""
    return "".join(
        line
        for line in diff.splitlines(keepends=True)
        if not line.startswith(("--- ", "+++ ", "rename from ", "rename to "))
    )


def file_diff_markdown(path: str, diff: str, before: Step, step: Step) -> str:
    status = change_status(diff)
    if status == "new file" and not (step.path / path).read_text("utf-8").strip():
        return f"`{path}` is a new, empty file (it makes a Python package).\n"
    body = diff_body(diff)
    marks = fence(body)
    block = f'{marks}diff title="{path} ({status})"\n{body}{marks}\n'
    kind = kind_of_change(path, before, step)
    if kind == COMMENTS_ONLY:
        # Worth a look, but nothing runs differently: folded, one click away.
        title = f"Only comments and docstrings changed: {path}"
        return f'??? note "{title}"\n\n{indent(block)}'
    if kind == TESTS:
        # The tests are the proof, not the lesson: folded, one click away.
        return f'??? example "The tests: {path} ({status})"\n\n{indent(block)}'
    return block
