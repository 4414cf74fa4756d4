"""The built site in a real browser: headless Chromium, driven by Playwright, fully offline.

Every page is opened from a server on loopback. Nothing may leave loopback, nothing may fail,
the console stays clean, code blocks have content, Mermaid diagrams become SVG, search works
and the footer's previous/next links follow the navigation. A full-page screenshot of every
page lands in .artifacts/site/ for a person to look at.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.docs_site import REPOSITORY

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPOSITORY / ".artifacts" / "site"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Material attaches each rendered diagram in a closed shadow root; opened here so the test can see the SVG.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attachShadow.call(this, { ...init, mode: "open" }); };
"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set: the browser test must run in CI")
        pytest.skip(reason)
    return CHROMIUM


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site_url(chromium: Path, built_site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def nav_urls(base: str) -> list[str]:
    """The pages in navigation order, as MkDocs' own configuration lists them."""
    from mkdocs.config import load_config

    config = load_config(str(REPOSITORY / "mkdocs.yml"))
    pages: list[str] = []

    def walk(items) -> None:
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                walk(value)
            else:
                path = value.removesuffix(".md")
                pages.append(base if path == "index" else f"{base}{path.removesuffix('/index')}/")

    walk(config["nav"])
    return pages


@pytest.fixture(scope="module")
def browser(chromium: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_name(url: str, base: str) -> str:
    path = url.removeprefix(base).strip("/")
    return (path.replace("/", "-") or "index") + ".png"


def test_every_page_works_offline(browser, site_url: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = nav_urls(site_url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    problems: list[str] = []
    try:
        for url in pages:
            page = context.new_page()
            outside, failed, errors = [], [], []
            page.on("request", lambda request: urlsplit(request.url).hostname not in {"127.0.0.1", None}
                    and outside.append(request.url))
            page.on("requestfailed", lambda request: failed.append(f"{request.url} ({request.failure})"))
            page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.url} {response.status}"))
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))

            page.goto(url, wait_until="load")
            diagrams = page.locator("pre.mermaid, div.mermaid").count()
            if diagrams:
                # Material replaces each <pre class="mermaid"> with a <div> holding the SVG.
                page.wait_for_function(
                    "n => document.querySelectorAll('div.mermaid').length === n"
                    " && [...document.querySelectorAll('div.mermaid')].every(d => d.shadowRoot && d.shadowRoot.querySelector('svg'))",
                    arg=diagrams,
                    timeout=15_000,
                )
                for index in range(diagrams):
                    svg = page.locator("div.mermaid").nth(index).locator("svg")
                    box = svg.bounding_box()
                    if not box or box["height"] < 100 or not svg.locator("text").count():
                        problems.append(f"{url}: diagram {index + 1} rendered to an empty SVG")
            empty = page.evaluate(
                "[...document.querySelectorAll('pre > code')].filter(c => !c.textContent.trim()).length"
            )
            if empty:
                problems.append(f"{url}: {empty} empty code block(s)")
            page.screenshot(path=str(SCREENSHOTS / screenshot_name(url, site_url)), full_page=True)

            problems += [f"{url}: request left loopback: {request}" for request in outside]
            problems += [f"{url}: failed request: {request}" for request in failed]
            problems += [f"{url}: console error: {error}" for error in errors]
            page.close()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_mermaid_diagrams_are_on_the_pages_that_need_them(browser, site_url: str):
    page = browser.new_page()
    for step in ("00-starting-point", "03-caching-subclass"):
        page.goto(f"{site_url}steps/{step}/", wait_until="networkidle")
        assert page.locator("pre.mermaid, div.mermaid").count() >= 1, f"step {step} has no diagram"
    page.close()


def test_search_finds_fetch_data(browser, site_url: str):
    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("fetch_data")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = [results.nth(index).get_attribute("href") for index in range(results.count())]
    assert any("steps/02-finding-fetch-data" in href for href in hrefs), hrefs
    page.close()


def test_footer_links_follow_the_navigation(browser, site_url: str):
    pages = nav_urls(site_url)
    step_pages = [url for url in pages if "/steps/" in url]
    assert [re.search(r"steps/(\d\d)-", url)[1] for url in step_pages] == sorted(
        re.search(r"steps/(\d\d)-", url)[1] for url in step_pages
    ), "the step pages are not in step order"
    page = browser.new_page()
    for index, url in enumerate(pages):
        page.goto(url, wait_until="domcontentloaded")
        previous_link = page.locator("a.md-footer__link--prev")
        next_link = page.locator("a.md-footer__link--next")
        if index > 0:
            assert previous_link.evaluate("a => a.href") == pages[index - 1], f"{url}: wrong previous page"
        else:
            assert previous_link.count() == 0
        if index < len(pages) - 1:
            assert next_link.evaluate("a => a.href") == pages[index + 1], f"{url}: wrong next page"
        else:
            assert next_link.count() == 0
    # And the links really lead there: follow one of each.
    page.goto(step_pages[1], wait_until="domcontentloaded")
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(step_pages[2])
    page.locator("a.md-footer__link--prev").click()
    page.wait_for_url(step_pages[1])
    page.close()
