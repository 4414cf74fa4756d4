"""The documentation site builds strictly, and its code cannot drift from the steps."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import jwt
import pytest

from tests.docs_site import (
    DOCS,
    build_site,
    copy_of_the_repository,
    doc_pages,
    fenced_blocks,
)
from tutorial.course.steps import Step, discover_steps
from tutorial.site.docs_hooks import MERMAID_IN_SITE, diff_markdown

SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


def test_every_page_is_built(built_site: Path):
    """``mkdocs build --strict`` (the fixture) wrote a page for every Markdown page."""
    for page in doc_pages():
        relative = page.relative_to(DOCS).with_suffix("")
        built = relative.parent if relative.name == "index" else relative
        html = built_site / built / "index.html"
        assert html.exists(), f"{page} was not built to {html}"
        assert "<article" in html.read_text(encoding="utf-8"), f"{html} has no text"


def test_every_step_has_a_page_with_the_diff_from_the_step_before(built_site: Path):
    steps = discover_steps()
    for before, step in zip([None, *steps[:-1]], steps, strict=True):
        html = (built_site / "steps" / step.name / "index.html").read_text(
            encoding="utf-8"
        )
        if before is None:
            assert "The starting point" in html
        else:
            lead = f"From <code>steps/{before.name}</code> to <code>steps/{step.name}"
            assert f"{lead}</code>" in html
            assert '<span class="gi">+' in html, (
                f"{step.name}'s page shows no added line"
            )  # a rendered diff


def test_pyjwt_is_shown_as_installed(built_site: Path):
    page = built_site / "steps" / "02-finding-fetch-data" / "index.html"
    if not page.exists():
        pytest.skip("step 02 has no page yet")
    html = page.read_text(encoding="utf-8")
    assert f"PyJWT <strong>{jwt.__version__}</strong>" in html
    for method in (
        "get_signing_key_from_jwt",
        "get_signing_key",
        "get_signing_keys",
        "get_jwk_set",
        "fetch_data",
    ):
        assert f"PyJWKClient.{method}, line" in html


def test_mermaid_is_served_by_the_site_and_nothing_by_a_cdn(built_site: Path):
    assert (
        built_site / "assets" / "javascripts" / "mermaid.min.js"
    ).stat().st_size > 100_000
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html, page
        assert not re.search(r'<script[^>]+src="https?://', html), page


def test_code_in_the_docs_is_only_included_from_the_steps():
    """Code blocks hold a snippet include and nothing else: no pasted code to drift."""
    for page in doc_pages():
        for block in fenced_blocks(page):
            if block.language not in {"python", "py", "yaml", "toml", "ini", "diff"}:
                continue
            lines = [line for line in block.text.splitlines() if line.strip()]
            assert lines and all(SNIPPET.match(line.strip()) for line in lines), (
                f"{block.where}: a {block.language} block must only include code "
                f'from steps/ (--8<-- "steps/...:section"), not paste it'
            )
            for line in lines:
                path = SNIPPET.match(line.strip())["path"]
                assert path.startswith("steps/") or path == "docker-compose.yml", (
                    f"{block.where}: include from steps/, not {path}"
                )


def test_removing_a_snippet_section_fails_the_build(tmp_path: Path):
    root = copy_of_the_repository(tmp_path / "repo")
    authentication = root / "steps" / "00-starting-point" / "core" / "authentication.py"
    text = authentication.read_text(encoding="utf-8")
    without_section = "\n".join(
        line
        for line in text.splitlines()
        if "--8<-- [start:verify]" not in line and "--8<-- [end:verify]" not in line
    )
    assert without_section != text
    authentication.write_text(without_section + "\n", encoding="utf-8")

    result = build_site(tmp_path / "site", root=root)

    assert result.returncode != 0, (
        "the build passed although a snippet section it includes is gone"
    )
    assert "verify" in result.stdout + result.stderr


def test_the_copy_used_above_builds_when_left_alone(tmp_path: Path):
    """So the failure above is the missing section's doing, not the copy's."""
    root = copy_of_the_repository(tmp_path / "repo")

    result = build_site(tmp_path / "site", root=root)

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_section_without_its_end_marker_fails_the_build(tmp_path: Path):
    """Without the check, pymdownx.snippets would show the rest of the file instead."""
    root = copy_of_the_repository(tmp_path / "repo")
    authentication = root / "steps" / "00-starting-point" / "core" / "authentication.py"
    lines = authentication.read_text(encoding="utf-8").splitlines(keepends=True)
    end_marker = [line for line in lines if "--8<-- [end:client-per-request]" in line]
    assert len(end_marker) == 1, "the section this test breaks is gone: pick another"
    lines.remove(end_marker[0])
    authentication.write_text("".join(lines), encoding="utf-8")

    result = build_site(tmp_path / "site", root=root)

    output = result.stdout + result.stderr
    assert result.returncode != 0, "the build passed with a section that never ends"
    assert "steps/00-starting-point/core/authentication.py" in output, output
    assert "'client-per-request' has no end marker" in output, output


def test_without_npm_the_site_builds_and_says_where_mermaid_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = copy_of_the_repository(tmp_path / "repo")
    (root / "node_modules").unlink(missing_ok=True)  # the copy links the real one
    no_programs = tmp_path / "bin"
    no_programs.mkdir()
    monkeypatch.setenv("PATH", str(no_programs))  # so no npm; mkdocs runs by full path

    result = build_site(tmp_path / "site", root=root)

    assert result.returncode == 0, result.stdout + result.stderr
    said = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "Mermaid" in line
    ]
    assert len(said) == 1 and said[0].startswith("INFO"), said
    assert "load Mermaid from the internet" in said[0]
    assert "npm ci" in said[0], "the line says how to get diagrams offline"
    assert not (tmp_path / "site" / MERMAID_IN_SITE).exists()
    page = tmp_path / "site" / "steps" / "00-starting-point" / "index.html"
    assert "mermaid.min.js" not in page.read_text(encoding="utf-8")


def write_files(folder: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_step_diff_leads_with_the_lesson_and_folds_the_rest(tmp_path: Path):
    steps_dir = tmp_path / "steps"
    before = {
        "core/jwks.py": "TIMEOUT = 1\n",
        "core/views.py": '"""The view."""\n\nANSWER = 42  # the answer\n',
        "jwks_demo/settings.py": 'CACHE = "locmem"\n',
        "tests/test_jwks.py": "def test_timeout():\n    assert True\n",
    }
    after = {
        "core/jwks.py": "TIMEOUT = 2\n",
        "core/views.py": '"""The one view."""\n\nANSWER = 42  # still the answer\n',
        "jwks_demo/settings.py": 'CACHE = "redis"\n',
        "tests/test_jwks.py": "def test_timeout():\n    assert 2\n",
    }
    write_files(steps_dir / "00-before", before)
    write_files(steps_dir / "01-after", after)

    markdown = diff_markdown(Step(1, "after", steps_dir / "01-after"), steps_dir)

    shown_first = [
        '\n```diff title="core/jwks.py (changed)"',
        '\n```diff title="jwks_demo/settings.py (changed)"',
    ]
    folded_after = [
        '\n??? note "Only comments and docstrings changed: core/views.py"\n\n'
        '    ```diff title="core/views.py (changed)"',
        '\n??? example "The tests: tests/test_jwks.py (changed)"\n\n'
        '    ```diff title="tests/test_jwks.py (changed)"',
    ]
    positions = [markdown.find(block) for block in shown_first + folded_after]
    assert -1 not in positions and positions == sorted(positions), markdown
    assert "`core/jwks.py`, `jwks_demo/settings.py`, `core/views.py`" in markdown


def test_the_addresses_of_moved_pages_redirect_to_their_new_pages(built_site: Path):
    from tutorial.site.docs_hooks import MOVED_PAGES

    for old, new in MOVED_PAGES.items():
        redirect = (built_site / old / "index.html").read_text(encoding="utf-8")
        target = re.search(r'url=([^"]+)"', redirect)[1]
        assert (built_site / old / target / "index.html").resolve() == (
            built_site / new / "index.html"
        ).resolve()
