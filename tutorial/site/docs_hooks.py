"""MkDocs hooks: what the documentation site generates at build time.

``mkdocs.yml`` loads this module with ``hooks:``. It does five things:

* On every step page (``docs/steps/NN-slug.md``) it replaces the marker
  ``<!-- tutorial:step-diff -->`` with the diff from the previous step,
  computed from the two step folders: the lesson's code first, then its
  settings, then files that change only in comments or docstrings, then the
  tests, those last two folded.
* On any page, ``<!-- tutorial:pyjwt-download-path -->`` becomes the source
  of the PyJWT methods a JWKS download goes through, taken from the
  installed package, with its version: never a copy kept in the repository.
* Before every build it checks that each snippet section in ``steps/`` has
  a start and an end marker: without its end, pymdownx.snippets would quietly
  include the rest of the file.
* It serves Mermaid from ``node_modules`` (``npm ci``), so diagrams render
  without internet. Material uses a global ``mermaid`` when one is loaded and
  downloads Mermaid itself otherwise: that is the fallback without npm.
* After every build it writes a redirect at each page address that moved
  (``MOVED_PAGES``), so that bookmarks and links from before a recut still
  land on the page that teaches the same thing.

The paths come from the location of ``mkdocs.yml``, not from this module's,
so a temporary copy of the repository builds from its own files.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from tutorial.course.steps import (
    NOISE_DIRS,
    Step,
    discover_steps,
    file_diffs,
    previous_step,
)

log = logging.getLogger("mkdocs.hooks.tutorial")

STEP_DIFF = "<!-- tutorial:step-diff -->"
PYJWT_DOWNLOAD_PATH = "<!-- tutorial:pyjwt-download-path -->"
STEP_PAGE = re.compile(r"^steps/(\d\d-[a-z0-9-]+)\.md$")

MERMAID_SOURCE = Path("node_modules/mermaid/dist/mermaid.min.js")
MERMAID_IN_SITE = "assets/javascripts/mermaid.min.js"
NPM_CI_SECONDS = 600

# The PyJWKClient methods between "verify this token" and the HTTP request,
# in the order a call goes through them.
DOWNLOAD_PATH = [
    "get_signing_key_from_jwt",
    "get_signing_key",
    "get_signing_keys",
    "get_jwk_set",
    "fetch_data",
]

# Page addresses that moved, and where they went (CHANGELOG.md).
MOVED_PAGES = {
    "steps/06-outages-and-stampedes/": "steps/06-redis-outages/",
    "steps/07-one-client-two-tiers/": "steps/09-one-client-two-tiers/",
    "steps/08-production-hardening/": "steps/10-no-pickle/",
}
REDIRECT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Moved</title>
<meta http-equiv="refresh" content="0; url={target}">
<link rel="canonical" href="{target}"></head>
<body><p>This page moved: <a href="{target}">{target}</a>.</p></body></html>
"""

# A step's README is its own prose, not the lesson's code.
LEFT_OUT_OF_DIFFS = {"README.md"}

# The section markers of pymdownx.snippets: `# --8<-- [start:name]` and
# `# --8<-- [end:name]`; a `;` before the scissors escapes a marker.
SECTION_MARKER = re.compile(
    r"(?P<escape>;*)-+8<-+[ \t]+"
    r"\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]",
    re.IGNORECASE,
)


def repository(config) -> Path:
    return Path(config.config_file_path).resolve().parent


# --- Mermaid, served from the site when npm can install it --------------------

# Roots where `npm ci` failed in this process: `mkdocs serve` rebuilds on every
# edit, and should not wait for npm again each time.
npm_failed: set[Path] = set()


def on_config(config):
    root = repository(config)
    if local_mermaid(root) and MERMAID_IN_SITE not in config.extra_javascript:
        config.extra_javascript.append(MERMAID_IN_SITE)
    config.watch.append(str(root / "steps"))
    return config


def local_mermaid(root: Path) -> bool:
    """Whether Mermaid is in node_modules, installing it with npm when it can."""
    if (root / MERMAID_SOURCE).exists():
        return True
    npm = shutil.which("npm")
    if npm is None or not (root / "package-lock.json").exists():
        log.info(
            "npm is not installed, so diagrams load Mermaid from the internet; "
            "for diagrams offline, install Node.js and npm, then run `npm ci`."
        )
        return False
    if root not in npm_failed:
        failure = npm_ci(npm, root)
        if failure is None:
            return True
        npm_failed.add(root)
        log.info(
            f"`npm ci` failed ({failure}), so diagrams load Mermaid from the "
            "internet; run `npm ci` in the repository root to see why."
        )
    else:
        log.info("No Mermaid in node_modules: diagrams load it from the internet.")
    return False


def npm_ci(npm: str, root: Path) -> str | None:
    """Install the site's Node packages; what went wrong, or None."""
    log.info("Installing Mermaid with `npm ci` (node_modules/ is missing)")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=NPM_CI_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return f"no answer in {NPM_CI_SECONDS} seconds"
    if result.returncode != 0:
        last_lines = result.stderr.strip().splitlines()[-1:] or ["no output"]
        return f"exit code {result.returncode}: {last_lines[0]}"
    if not (root / MERMAID_SOURCE).exists():
        return f"it installed no {MERMAID_SOURCE}"
    return None


def on_files(files: Files, config) -> Files:
    root = repository(config)
    if MERMAID_IN_SITE in config.extra_javascript:
        files.append(
            File.generated(
                config, MERMAID_IN_SITE, abs_src_path=str(root / MERMAID_SOURCE)
            )
        )
    # Every step has a page: a step added without one fails the strict build.
    for step in discover_steps(root / "steps"):
        if files.get_file_from_path(f"steps/{step.name}.md") is None:
            log.warning(
                f"Step {step.name} has no page: write docs/steps/{step.name}.md"
            )
    return files


# --- Snippet sections that open and close ------------------------------------


def on_pre_build(config) -> None:
    root = repository(config)
    problems = [
        problem
        for path in sorted((root / "steps").rglob("*"))
        if path.is_file() and not NOISE_DIRS.intersection(path.relative_to(root).parts)
        for problem in section_problems(path, root)
    ]
    if problems:
        raise PluginError(
            "Snippet sections must open and close in the same file:\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )


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


# --- Generated page content ---------------------------------------------------


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = repository(config)
    src_uri = page.file.src_uri
    match = STEP_PAGE.match(src_uri)
    if match:
        steps = {step.name: step for step in discover_steps(root / "steps")}
        step = steps.get(match.group(1))
        if step is None:
            raise PluginError(
                f"{src_uri} is a step page, but there is no folder "
                f"steps/{match.group(1)}"
            )
        if STEP_DIFF not in markdown:
            raise PluginError(
                f"{src_uri} must show the diff from the previous step: add {STEP_DIFF}"
            )
        markdown = markdown.replace(STEP_DIFF, diff_markdown(step, root / "steps"))
    elif STEP_DIFF in markdown:
        raise PluginError(
            f"{src_uri} is not a step page (docs/steps/NN-slug.md), "
            "so it has no step diff"
        )
    if PYJWT_DOWNLOAD_PATH in markdown:
        markdown = markdown.replace(PYJWT_DOWNLOAD_PATH, pyjwt_markdown())
    return markdown


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


def file_diff_markdown(path: str, diff: str, before: Step, step: Step) -> str:
    new_file = diff.startswith("--- /dev/null")
    if new_file and not (step.path / path).read_text(encoding="utf-8").strip():
        return f"`{path}` is a new, empty file (it makes a Python package).\n"
    if new_file:
        status = "new file"
    elif "+++ /dev/null" in diff.splitlines()[1]:
        status = "deleted"
    else:
        status = "changed"
    body = "".join(
        line
        for line in diff.splitlines(keepends=True)
        if not line.startswith(("--- ", "+++ "))
    )
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


def pyjwt_markdown() -> str:
    import jwt

    client = jwt.PyJWKClient
    package_dir = Path(inspect.getfile(jwt)).parent
    source_file = Path(inspect.getfile(client)).relative_to(package_dir.parent)
    parts = [
        f"PyJWT **{jwt.__version__}**, as installed in this environment "
        f"(read from `{source_file.as_posix()}` when this page was built).\n"
    ]
    for name in DOWNLOAD_PATH:
        method = getattr(client, name)
        lines, first = inspect.getsourcelines(method)
        source = textwrap.dedent("".join(lines))
        marks = fence(source)
        title = f"PyJWKClient.{name}, line {first}"
        block = f'{marks}python title="{title}" linenums="{first}"\n{source}{marks}\n'
        parts.append(f'=== "{name}"\n\n' + indent(block))
    return "\n".join(parts)


# --- redirects from the addresses of pages that moved ---------------------------


def on_post_build(config) -> None:
    site = Path(config.site_dir)
    for old, new in MOVED_PAGES.items():
        if (site / old / "index.html").exists():
            continue  # a page lives there again: it wins
        target = "../" * old.count("/") + new
        page = site / old / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(REDIRECT_PAGE.format(target=target), encoding="utf-8")
