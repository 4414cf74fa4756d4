"""The documentation site builds strictly, and its code cannot drift from the steps."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jwt

from tests.docs_site import (
    DOCS,
    build_site,
    copy_of_the_repository,
    doc_pages,
    fenced_blocks,
    redirect_maps,
    visible_code_lines,
)
from tutorial.course.steps import REPOSITORY, Step, discover_steps
from tutorial.site.generated import stale_pieces, step_diff_include
from tutorial.site.snippet_sections import problems_in_steps, section_problems
from tutorial.site.step_diffs import diff_markdown

MERMAID_IN_SITE = "assets/javascripts/mermaid.min.js"
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


def test_every_page_is_built(built_site: Path):
    """``mkdocs build --strict`` (the fixture) wrote a page for every Markdown page."""
    for page in doc_pages():
        relative = page.relative_to(DOCS).with_suffix("")
        built = relative.parent if relative.name == "index" else relative
        html = built_site / built / "index.html"
        assert html.exists(), f"{page} was not built to {html}"
        assert "<article" in html.read_text(encoding="utf-8"), f"{html} has no text"


def test_every_step_has_a_page_that_includes_its_diff():
    for step in discover_steps():
        page = DOCS / "steps" / f"{step.name}.md"
        assert page.exists(), f"step {step.name} has no page: write {page}"
        assert step_diff_include(step.name) in page.read_text(encoding="utf-8"), (
            f"{page.name} must show the whole diff: {step_diff_include(step.name)}"
        )


def test_every_step_page_opens_with_what_fails_and_what_works():
    """A reader sees the step's point before its code: the first two blocks under
    the title say what fails (before it, or still) and what works."""
    for step in discover_steps():
        page = DOCS / "steps" / f"{step.name}.md"
        opening = page.read_text(encoding="utf-8").split("\n## ", 1)[0]
        kinds = re.findall(r'^!!! (\w+) "', opening, flags=re.MULTILINE)[:2]
        assert sorted(kinds) == ["failure", "success"], (
            f"{page.name} must open with a '!!! failure' and a '!!! success' block, "
            f"what fails and what works; it opens with {kinds}"
        )


def test_every_step_page_shows_its_diff(built_site: Path):
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


def test_the_generated_pieces_are_what_the_code_makes_today():
    stale = stale_pieces(REPOSITORY)

    assert not stale, (
        f"generated/ is stale ({', '.join(stale)}): run `uv run tutorial site`"
    )


def test_no_generated_marker_is_left_on_a_page(built_site: Path):
    for page in built_site.rglob("*.html"):
        assert "<!-- tutorial:" not in page.read_text(encoding="utf-8"), page


def test_pyjwt_is_shown_as_installed(built_site: Path):
    page = built_site / "steps" / "02-finding-fetch-data" / "index.html"
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
    assert (built_site / MERMAID_IN_SITE).stat().st_size > 100_000
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html, page
        assert not re.search(r'<script[^>]+src="https?://', html), page


def test_the_sites_mermaid_is_the_version_package_lock_pins():
    lock = json.loads((REPOSITORY / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/mermaid"]["version"]

    served = (DOCS / MERMAID_IN_SITE).read_text(encoding="utf-8")

    assert f'version:"{version}"' in served, (
        f"docs/{MERMAID_IN_SITE} is not Mermaid {version}: copy "
        "node_modules/mermaid/dist/mermaid.min.js there (CONTRIBUTING.md)"
    )


# Beyond the article, a page shows the idea and the code that carries it; the whole
# diff and the tests are folded (issue "Pages that teach").
MOST_VISIBLE_CODE_LINES = 120


def test_a_step_page_shows_at_most_120_lines_of_code_unfolded(built_site: Path):
    too_many = {}
    for step in discover_steps():
        html = (built_site / "steps" / step.name / "index.html").read_text("utf-8")
        lines = visible_code_lines(html)
        if lines > MOST_VISIBLE_CODE_LINES:
            too_many[step.name] = lines

    assert not too_many, (
        f"lines of code outside folded blocks, at most {MOST_VISIBLE_CODE_LINES}: "
        f"{too_many}; fold the rest (??? abstract, ??? example)"
    )


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
                assert path.startswith(("steps/", "generated/changes/")) or (
                    path == "docker-compose.yml"
                ), f"{block.where}: include from steps/ or generated/, not {path}"


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


def test_every_snippet_section_in_the_steps_ends():
    assert problems_in_steps(REPOSITORY) == []


def test_a_section_without_its_end_marker_is_named_with_its_line(tmp_path: Path):
    """Without the check, pymdownx.snippets would show the rest of the file instead."""
    module = tmp_path / "steps" / "00-first" / "core" / "jwks.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "# --8<-- [start:client]\nCLIENT = 1\n# --8<-- [end:other]\n",
        encoding="utf-8",
    )

    problems = section_problems(module, tmp_path)

    assert problems == [
        "steps/00-first/core/jwks.py:3: section 'other' ends but never started",
        "steps/00-first/core/jwks.py:1: section 'client' has no end marker "
        "(add `--8<-- [end:client]` where it should stop)",
    ]


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
    for old, new in redirect_maps().items():
        assert not (DOCS / old).exists(), f"{old} is a page again: drop its redirect"
        old_page = built_site / old.removesuffix(".md") / "index.html"
        redirect = old_page.read_text(encoding="utf-8")
        target = re.search(r'url=([^"]+)"', redirect)[1]
        new_page = built_site / new.removesuffix(".md") / "index.html"
        assert (old_page.parent / target / "index.html").resolve() == new_page.resolve()


def test_the_workshop_guide_links_every_step():
    guide = (DOCS / "workshop.md").read_text(encoding="utf-8")

    missing = [s.name for s in discover_steps() if f"(steps/{s.name}.md)" not in guide]

    assert not missing, f"docs/workshop.md links no page of {missing}"
