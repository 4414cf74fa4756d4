"""MkDocs hooks: what the documentation site generates at build time.

``mkdocs.yml`` loads this module with ``hooks:``. It does three things:

* On every step page (``docs/steps/NN-slug.md``) it replaces the marker
  ``<!-- tutorial:step-diff -->`` with the diff from the previous step,
  computed from the two step folders, so the page always shows what the
  lesson changed.
* On any page, ``<!-- tutorial:pyjwt-download-path -->`` becomes the source
  of the PyJWT methods a JWKS download goes through, taken from the
  installed package, with its version: never a copy kept in the repository.
* It serves Mermaid from ``node_modules`` (``npm ci``), so diagrams render
  without internet. Material uses a global ``mermaid`` when one is loaded.

The paths come from the location of ``mkdocs.yml``, not from this module's,
so a temporary copy of the repository builds from its own files.
"""

from __future__ import annotations

import inspect
import logging
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from tutorial.steps import Step, discover_steps, file_diffs, previous_step

log = logging.getLogger("mkdocs.hooks.tutorial")

STEP_DIFF = "<!-- tutorial:step-diff -->"
PYJWT_DOWNLOAD_PATH = "<!-- tutorial:pyjwt-download-path -->"
STEP_PAGE = re.compile(r"^steps/(\d\d-[a-z0-9-]+)\.md$")

MERMAID_SOURCE = Path("node_modules/mermaid/dist/mermaid.min.js")
MERMAID_IN_SITE = "assets/javascripts/mermaid.min.js"

# The PyJWKClient methods between "verify this token" and the HTTP request,
# in the order a call goes through them.
DOWNLOAD_PATH = ["get_signing_key_from_jwt", "get_signing_key", "get_signing_keys", "get_jwk_set", "fetch_data"]

# A step's README is its own prose, not the lesson's code.
LEFT_OUT_OF_DIFFS = {"README.md"}


def repository(config) -> Path:
    return Path(config.config_file_path).resolve().parent


# --- Mermaid, served from the site --------------------------------------------


def on_config(config):
    root = repository(config)
    mermaid = root / MERMAID_SOURCE
    if not mermaid.exists():
        install_node_packages(root)
    config.watch.append(str(root / "steps"))
    return config


def install_node_packages(root: Path) -> None:
    npm = shutil.which("npm")
    if npm is None or not (root / "package-lock.json").exists():
        raise PluginError(
            f"Mermaid is missing ({MERMAID_SOURCE}) and npm is not available to install it. "
            "Install Node.js and npm, then run `npm ci` in the repository root."
        )
    log.info("Installing Mermaid with `npm ci` (node_modules/ is missing)")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not (root / MERMAID_SOURCE).exists():
        raise PluginError(
            "`npm ci` could not install Mermaid; run it in the repository root to see why "
            "(it needs the npm registry once; after that the site builds offline).\n" + result.stderr[-2000:]
        )


def on_files(files: Files, config) -> Files:
    root = repository(config)
    files.append(
        File.generated(config, MERMAID_IN_SITE, abs_src_path=str(root / MERMAID_SOURCE))
    )
    # Every step has a page: a step added without one fails the strict build.
    for step in discover_steps(root / "steps"):
        if files.get_file_from_path(f"steps/{step.name}.md") is None:
            log.warning(f"Step {step.name} has no page: write docs/steps/{step.name}.md")
    return files


# --- Generated page content ---------------------------------------------------


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = repository(config)
    src_uri = page.file.src_uri
    match = STEP_PAGE.match(src_uri)
    if match:
        steps = {step.name: step for step in discover_steps(root / "steps")}
        step = steps.get(match.group(1))
        if step is None:
            raise PluginError(f"{src_uri} is a step page, but there is no folder steps/{match.group(1)}")
        if STEP_DIFF not in markdown:
            raise PluginError(f"{src_uri} must show the diff from the previous step: add {STEP_DIFF}")
        markdown = markdown.replace(STEP_DIFF, diff_markdown(step, root / "steps"))
    elif STEP_DIFF in markdown:
        raise PluginError(f"{src_uri} is not a step page (docs/steps/NN-slug.md), so it has no step diff")
    if PYJWT_DOWNLOAD_PATH in markdown:
        markdown = markdown.replace(PYJWT_DOWNLOAD_PATH, pyjwt_markdown())
    return markdown


def fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def indent(text: str) -> str:
    """``text`` nested four spaces deep, under an admonition or a tab; blank lines stay empty."""
    return "".join(f"    {line}" if line.strip() else "\n" for line in text.splitlines(keepends=True))


def diff_markdown(step: Step, steps_dir: Path) -> str:
    before = previous_step(step, steps_dir)
    if before is None:
        return (
            '!!! info "The starting point"\n\n'
            "    There is no earlier step to compare with: every file of this step is where the story starts.\n"
        )
    diffs = file_diffs(before, step, leave_out=LEFT_OUT_OF_DIFFS)
    if not diffs:
        return f'!!! warning "No code changed"\n\n    This step has the same code as `{before.name}`.\n'
    listing = ", ".join(f"`{path}`" for path in diffs)
    parts = [f"From `steps/{before.name}` to `steps/{step.name}`, {len(diffs)} file(s) changed: {listing}.\n"]
    for path, diff in diffs.items():
        if diff.startswith("--- /dev/null") and not (step.path / path).read_text(encoding="utf-8").strip():
            parts.append(f"`{path}` is a new, empty file (it makes a Python package).\n")
            continue
        body = "".join(line for line in diff.splitlines(keepends=True) if not line.startswith(("--- ", "+++ ")))
        if diff.startswith("--- /dev/null"):
            status = "new file"
        elif "+++ /dev/null" in diff.splitlines()[1]:
            status = "deleted"
        else:
            status = "changed"
        marks = fence(body)
        block = f'{marks}diff title="{path} ({status})"\n{body}{marks}\n'
        if path.startswith("tests/"):
            # The tests are the proof, not the lesson: folded, one click away.
            block = f'??? example "The tests: {path} ({status})"\n\n{indent(block)}'
        parts.append(block)
    return "\n".join(parts)


def pyjwt_markdown() -> str:
    import jwt

    client = jwt.PyJWKClient
    package_dir = Path(inspect.getfile(jwt)).parent
    parts = [
        f"PyJWT **{jwt.__version__}**, as installed in this environment "
        f"(read from `{Path(inspect.getfile(client)).relative_to(package_dir.parent).as_posix()}` when this page was built).\n"
    ]
    for name in DOWNLOAD_PATH:
        method = getattr(client, name)
        lines, first = inspect.getsourcelines(method)
        source = textwrap.dedent("".join(lines))
        marks = fence(source)
        parts.append(
            f'=== "{name}"\n\n'
            + indent(f'{marks}python title="PyJWKClient.{name}, line {first}" linenums="{first}"\n{source}{marks}\n')
        )
    return "\n".join(parts)
