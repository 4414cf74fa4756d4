"""The documentation site builds strictly, and its code cannot drift from the steps."""

from __future__ import annotations

import re
from pathlib import Path

import jwt
import pytest

from tests.docs_site import build_site, copy_of_the_repository, doc_pages, fenced_blocks
from tutorial.steps import discover_steps

SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


def test_the_site_builds_strictly(built_site: Path):
    assert (built_site / "index.html").exists()


def test_every_step_has_a_page_with_the_diff_from_the_step_before(built_site: Path):
    steps = discover_steps()
    for before, step in zip([None, *steps], steps):
        html = (built_site / "steps" / step.name / "index.html").read_text(encoding="utf-8")
        if before is None:
            assert "The starting point" in html
        else:
            assert f"From <code>steps/{before.name}</code> to <code>steps/{step.name}</code>" in html
            assert '<span class="gi">+' in html, f"{step.name}'s page shows no added line"  # a rendered diff


def test_pyjwt_is_shown_as_installed(built_site: Path):
    page = built_site / "steps" / "02-finding-fetch-data" / "index.html"
    if not page.exists():
        pytest.skip("step 02 has no page yet")
    html = page.read_text(encoding="utf-8")
    assert f"PyJWT <strong>{jwt.__version__}</strong>" in html
    for method in ("get_signing_key_from_jwt", "get_signing_key", "get_signing_keys", "get_jwk_set", "fetch_data"):
        assert f"PyJWKClient.{method}, line" in html


def test_mermaid_is_served_by_the_site_and_nothing_by_a_cdn(built_site: Path):
    assert (built_site / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 100_000
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html, page
        assert not re.search(r'<script[^>]+src="https?://', html), page


def test_code_in_the_docs_is_only_included_from_the_steps():
    """Python blocks hold a snippet include and nothing else: no pasted code to drift."""
    for page in doc_pages():
        for block in fenced_blocks(page):
            if block.language not in {"python", "py", "yaml", "toml", "ini", "diff"}:
                continue
            lines = [line for line in block.text.splitlines() if line.strip()]
            assert lines and all(SNIPPET.match(line.strip()) for line in lines), (
                f"{block.where}: a {block.language} block must only include code from steps/ "
                f'(--8<-- "steps/...:section"), not paste it'
            )
            for line in lines:
                path = SNIPPET.match(line.strip())["path"]
                assert path.startswith("steps/") or path == "docker-compose.yml", f"{block.where}: include from steps/, not {path}"


def test_removing_a_snippet_section_fails_the_build(tmp_path: Path):
    root = copy_of_the_repository(tmp_path / "repo")
    authentication = root / "steps" / "00-starting-point" / "core" / "authentication.py"
    text = authentication.read_text(encoding="utf-8")
    without_section = "\n".join(line for line in text.splitlines() if "--8<-- [start:verify]" not in line and "--8<-- [end:verify]" not in line)
    assert without_section != text
    authentication.write_text(without_section + "\n", encoding="utf-8")

    result = build_site(tmp_path / "site", root=root)

    assert result.returncode != 0, "the build passed although a snippet section it includes is gone"
    assert "verify" in result.stdout + result.stderr


def test_the_copy_used_above_builds_when_left_alone(tmp_path: Path):
    """So the failure above is the missing section's doing, not the copy's."""
    root = copy_of_the_repository(tmp_path / "repo")

    result = build_site(tmp_path / "site", root=root)

    assert result.returncode == 0, result.stdout + result.stderr
