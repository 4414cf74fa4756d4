"""What the docs tests share: building the site, and reading the pages' code blocks.

The convention for shell commands in the docs (docs/**/*.md):

* Commands live in ```` ```sh ```` blocks. The tests run each block as one bash
  script (``set -e``: every command must succeed), from the repository root, as a
  reader who pastes the block into a terminal would.
* A block whose first line is ``# Not run by the tests: <why>`` is shown but not run.
* A block whose first line is ``# In your project ... (replayed by tests/...)`` runs in
  a reader's own project: the test it names replays it there, not this one.
* A block whose first line is ``# Keeps running (port N): ...`` starts a server: the
  tests start it in the background, wait until it answers (an HTTP request; PING with
  the password for Redis on 6379), run the page's later blocks, then stop it as Ctrl-C
  would.
* A ```` ```text title="What you should see" ```` block after a command block is what
  that command prints. Each of its lines must appear in the output, in order; ``...``
  stands for anything. After a server's block, or with a title that names a port,
  ``title="What you should see in its terminal (port 8000)"``, it is about that
  server's output, checked once the server has been stopped.
* Pages show the default ports (API 8000, provider 8001, Redis 6379, this site 8008);
  the tests replay every command on free ports instead (tests/page_commands.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

from tutorial.course.steps import REPOSITORY

DOCS = REPOSITORY / "docs"

NOT_RUN = re.compile(r"^# Not run by the tests: \S")
# Commands for a reader's own project, which a test of their own replays in one.
REPLAYED_ELSEWHERE = re.compile(r"^# In your project\b.*\(replayed by tests/\S+\)$")
KEEPS_RUNNING = re.compile(r"^# Keeps running \(port (\d+)\)")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<info>.*)$")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    info: str
    text: str

    @property
    def where(self) -> str:
        shown = (
            self.page.relative_to(REPOSITORY)
            if self.page.is_relative_to(REPOSITORY)
            else self.page
        )
        return f"{shown}:{self.line}"

    @property
    def title(self) -> str:
        match = re.search(r'title="([^"]*)"', self.info)
        return match.group(1) if match else ""

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text.strip() else ""

    @property
    def not_run(self) -> bool:
        return bool(NOT_RUN.match(self.first_line))

    @property
    def replayed_elsewhere(self) -> bool:
        return bool(REPLAYED_ELSEWHERE.match(self.first_line))

    @property
    def server_port(self) -> int | None:
        match = KEEPS_RUNNING.match(self.first_line)
        return int(match.group(1)) if match else None

    @property
    def expects_output(self) -> bool:
        return self.language == "text" and "should see" in self.title.lower()

    @property
    def expected_from_port(self) -> int | None:
        match = re.search(r"\(port (\d+)\)", self.title)
        return int(match.group(1)) if match else None

    def commands(self) -> list[str]:
        """The block's commands, continuation lines joined, comments left out."""
        commands, current = [], ""
        for line in self.text.splitlines():
            if not current and (not line.strip() or line.lstrip().startswith("#")):
                continue
            current += line
            if current.endswith("\\"):
                current = current[:-1] + " "
                continue
            commands.append(current.strip())
            current = ""
        return commands


def fenced_blocks(page: Path) -> list[Block]:
    """Every fenced code block of a page, indented ones (in tabs, admonitions) too."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, marks = opening["indent"], opening["fence"]
        info = opening["info"].strip()
        body, end = [], index + 1
        while end < len(lines) and lines[end].strip() != marks:
            body.append(
                lines[end][len(indent) :]
                if lines[end].startswith(indent)
                else lines[end].lstrip()
            )
            end += 1
        language = info.split()[0] if info else ""
        blocks.append(Block(page, index + 1, language, info, "\n".join(body) + "\n"))
        index = end + 1
    return blocks


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def expectation_problems(expected: str, output: str) -> list[str]:
    """The lines of ``expected`` not in ``output``, in order; ``...`` is anything."""
    output_lines = output.splitlines()
    position, missing = 0, []
    for wanted in (line.strip() for line in expected.splitlines()):
        if not wanted:
            continue
        pattern = re.compile(
            ".*".join(re.escape(part.strip()) for part in wanted.split("..."))
        )
        for offset, line in enumerate(output_lines[position:]):
            if pattern.search(line):
                position += offset + 1
                break
        else:
            missing.append(wanted)
    return missing


ENGINES = ("mkdocs", "zensical")


def build_site(
    site_dir: Path, root: Path = REPOSITORY, engine: str = "mkdocs"
) -> subprocess.CompletedProcess[str]:
    """The site of the repository at ``root``, built strictly into ``site_dir``.

    MkDocs takes ``--site-dir``; Zensical builds into ``root/site``, which is then
    moved, so build it from a copy (``copy_of_the_repository``).
    """
    if engine == "mkdocs":
        command = ["mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    else:
        command = ["zensical", "build", "--strict", "--clean"]
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=mkdocs_env(),
    )
    if engine == "zensical" and result.returncode == 0:
        shutil.move(root / "site", site_dir)
    return result


def mkdocs_env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def copy_of_the_repository(destination: Path) -> Path:
    """What the site is built from, copied."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
    for folder in ("docs", "steps", "tutorial", "generated"):
        shutil.copytree(REPOSITORY / folder, destination / folder, ignore=ignore)
    for name in ("mkdocs.yml", "package-lock.json", "docker-compose.yml"):
        shutil.copy2(REPOSITORY / name, destination / name)
    return destination


class _Loader(yaml.SafeLoader):
    """mkdocs.yml's tags (``!!python/name:``) read as plain text."""


_Loader.add_multi_constructor(
    "tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix
)


def mkdocs_config() -> dict:
    text = (REPOSITORY / "mkdocs.yml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a loader of our own


def redirect_maps() -> dict[str, str]:
    """The old page addresses, and the pages they send readers to (mkdocs.yml)."""
    for plugin in mkdocs_config()["plugins"]:
        if isinstance(plugin, dict) and "redirects" in plugin:
            return plugin["redirects"]["redirect_maps"]
    return {}


class _VisibleCode(HTMLParser):
    """Counts the lines of code a reader sees without unfolding anything."""

    def __init__(self) -> None:
        super().__init__()
        self.folded = 0  # depth of <details> elements
        self.in_code = 0  # depth of <pre> elements that are code, not diagrams
        self.lines = 0
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        counted = tag == "pre" and "mermaid" not in classes
        self.stack.append((tag, counted))
        self.folded += tag == "details"
        self.in_code += counted

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            opened, counted = self.stack.pop()
            self.folded -= opened == "details"
            self.in_code -= counted
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_code and not self.folded:
            self.lines += data.count("\n")


def visible_code_lines(html: str) -> int:
    """Lines inside code blocks that no ``<details>`` folds; diagrams aside."""
    parser = _VisibleCode()
    parser.feed(html)
    return parser.lines
