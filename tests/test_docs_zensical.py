"""The site builds with Zensical too, the same site as with MkDocs and Material.

Material for MkDocs reaches its end of life on 2027-05-05; Zensical, by its
authors, reads the same ``mkdocs.yml`` but runs no MkDocs hooks or plugins of
ours, and says nothing of a plugin it does not know. So a build that "passes" is
not enough: this checks what a reader would miss.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import jwt
import pytest

from tests.docs_site import (
    DOCS,
    build_site,
    copy_of_the_repository,
    doc_pages,
    redirect_maps,
)
from tutorial.course.steps import discover_steps

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("zensical") is None,
    reason="Zensical is not installed (uv sync installs it with the docs group)",
)

MERMAID_IN_SITE = "assets/javascripts/mermaid.min.js"


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("zensical")
    root = copy_of_the_repository(folder / "repository")
    site = folder / "site"

    result = build_site(site, root=root, engine="zensical")

    assert result.returncode == 0, result.stdout + result.stderr
    return site


def page_html(site: Path, page: Path) -> str:
    relative = page.relative_to(DOCS).with_suffix("")
    built = relative.parent if relative.name == "index" else relative
    return (site / built / "index.html").read_text(encoding="utf-8")


def test_every_page_is_built(zensical_site: Path):
    for page in doc_pages():
        assert "<article" in page_html(zensical_site, page), page


def test_every_step_page_has_its_diff(zensical_site: Path):
    steps = discover_steps()
    for before, step in zip(steps, steps[1:], strict=False):
        html = page_html(zensical_site, DOCS / "steps" / f"{step.name}.md")
        lead = (
            f"From <code>steps/{before.name}</code> to <code>steps/{step.name}</code>"
        )
        assert lead in html, step.name
        assert '<span class="gi">+' in html, f"{step.name}'s page shows no added line"


def test_nothing_meant_for_a_build_step_is_left_on_a_page(zensical_site: Path):
    for page in zensical_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<!-- tutorial:" not in html, page
        assert "--8&lt;--" not in html and "--8<--" not in html, page


def test_the_old_addresses_redirect(zensical_site: Path):
    for old, new in redirect_maps().items():
        old_page = zensical_site / old.removesuffix(".md") / "index.html"
        target = re.search(r'url=([^"]+)"', old_page.read_text(encoding="utf-8"))[1]
        new_page = zensical_site / new.removesuffix(".md") / "index.html"
        assert (old_page.parent / target / "index.html").resolve() == new_page.resolve()


def test_mermaid_is_served_by_the_site(zensical_site: Path):
    assert (zensical_site / MERMAID_IN_SITE).stat().st_size > 100_000
    html = page_html(zensical_site, DOCS / "steps" / "06-key-rotation.md")
    assert 'class="mermaid"' in html
    assert re.search(rf'<script src="[./]*{re.escape(MERMAID_IN_SITE)}"', html)


def test_pyjwt_download_path_is_on_its_page(zensical_site: Path):
    html = page_html(zensical_site, DOCS / "steps" / "02-finding-fetch-data.md")
    assert f"PyJWT <strong>{jwt.__version__}</strong>" in html
    assert "PyJWKClient.fetch_data, line" in html
