"""The built site in a real browser: headless Chromium, driven by Playwright, offline.

Every page is opened from a server on loopback. Nothing may leave loopback, nothing may
fail, the console stays clean, code blocks have content, Mermaid diagrams become SVG,
every code block fits a 1280-pixel window with its copy button clear of the text, search
works and the footer's previous/next links follow the navigation. A full-page screenshot
of every page lands in .artifacts/site/ for a person to look at.
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

# Debian's chromium; elsewhere (a macOS runner's Chrome, say) TUTORIAL_CHROMIUM names
# the browser. Never one that Playwright downloads.
CHROMIUM = Path(os.environ.get("TUTORIAL_CHROMIUM", "/usr/bin/chromium"))
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
# Material attaches each rendered diagram in a closed shadow root; opened here so the
# test can see the SVG.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
    return attachShadow.call(this, { ...init, mode: "open" });
};
"""
WINDOW = {"width": 1280, "height": 900}
MERMAID_IN_SITE = Path("assets/javascripts/mermaid.min.js")

# Every code block of a page, folded ones opened and every tab shown in turn: what
# overflows its box (scrollWidth past clientWidth), and what the copy button covers.
CODE_THAT_DOES_NOT_FIT = """
() => {
  const problems = [];
  const seen = new Set();
  const ruler = document.createElement("canvas").getContext("2d");
  const headings = [...document.querySelectorAll("article h1, article h2, article h3")];

  const describe = (pre) => {
    const title = pre.closest(".highlight")?.querySelector(".filename")?.textContent;
    const before = headings.filter(
      (h) => h.compareDocumentPosition(pre) & Node.DOCUMENT_POSITION_FOLLOWING
    ).pop();
    const section = before ? before.textContent.replace("¶", "").trim() : "the top";
    return (title ? `the block "${title}"` : "a block") + ` under "${section}"`;
  };

  const check = () => {
    for (const pre of document.querySelectorAll("article pre:not(.mermaid)")) {
      if (seen.has(pre) || pre.getClientRects().length === 0) continue;
      seen.add(pre);
      const code = pre.querySelector(":scope > code") || pre;
      const style = getComputedStyle(code);
      const lines = code.textContent.split("\\n");
      const left = parseFloat(style.paddingLeft);
      const room = code.clientWidth - left - parseFloat(style.paddingRight);
      const overflow = Math.max(
        code.scrollWidth - code.clientWidth, pre.scrollWidth - pre.clientWidth
      );
      if (overflow > 1) {
        ruler.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const line = lines.find((text) => ruler.measureText(text).width > room)
          ?? lines.reduce((a, b) => (b.length > a.length ? b : a));
        problems.push(
          `${describe(pre)} is ${overflow}px too wide; ` +
          `the first line that does not fit: ${line.trim()}`
        );
        continue;
      }
      const nav = pre.querySelector(".md-code__nav");
      if (!nav || nav.getClientRects().length === 0) continue;
      const button = nav.getBoundingClientRect();
      const text = document.createRange();
      text.selectNodeContents(code);
      const covered = [...text.getClientRects()].find((box) =>
        box.width > 0.5 && box.left < button.right && box.right > button.left
        && box.top < button.bottom && box.bottom > button.top
      );
      if (covered) {
        const top = code.getBoundingClientRect().top + parseFloat(style.paddingTop);
        const index = Math.floor(
          (covered.top + covered.height / 2 - top) / parseFloat(style.lineHeight)
        );
        problems.push(
          `${describe(pre)}: the copy button covers text in the line: ` +
          `${(lines[index] ?? "").trim()}`
        );
      }
    }
  };

  document.querySelectorAll("article details").forEach((details) => {
    details.open = true;
  });
  check();
  for (const tab of document.querySelectorAll(".tabbed-set > input")) {
    tab.checked = true;
    check();
  }
  return problems;
}
"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is not installed (apt-get install -y chromium, or name "
            "another Chromium in TUTORIAL_CHROMIUM)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set: the browser test must run in CI")
        pytest.skip(reason)
    return CHROMIUM


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class SiteServer(ThreadingHTTPServer):
    # A browser opens several connections at once; on a busy machine a short
    # queue of them makes it wait a second to try again.
    request_queue_size = 64


@pytest.fixture(scope="module")
def site_url(chromium: Path, built_site: Path) -> Iterator[str]:
    server = SiteServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site))
    )
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
                pages.append(
                    base if path == "index" else f"{base}{path.removesuffix('/index')}/"
                )

    walk(config["nav"])
    return pages


@pytest.fixture(scope="module")
def browser(chromium: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot_name(url: str, base: str) -> str:
    path = url.removeprefix(base).strip("/")
    return (path.replace("/", "-") or "index") + ".png"


def test_every_page_works_offline(browser, site_url: str, built_site: Path):
    # The site serves its own Mermaid: a room without internet draws its diagrams.
    assert (built_site / MERMAID_IN_SITE).exists(), f"no {MERMAID_IN_SITE} in the site"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = nav_urls(site_url)
    context = browser.new_context(viewport=WINDOW)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    problems: list[str] = []
    try:
        for url in pages:
            problems += page_problems(context, url, site_url)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def page_problems(context, url: str, site_url: str) -> list[str]:
    """What goes wrong when ``url`` is opened: requests, console errors, diagrams."""
    page = context.new_page()
    outside, failed, errors = [], [], []

    def on_request(request) -> None:
        if urlsplit(request.url).hostname not in {"127.0.0.1", None}:
            outside.append(request.url)

    def on_response(response) -> None:
        if response.status >= 400:
            failed.append(f"{response.url} {response.status}")

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("request", on_request)
    page.on(
        "requestfailed",
        lambda request: failed.append(f"{request.url} ({request.failure})"),
    )
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))

    problems: list[str] = []
    page.goto(url, wait_until="load")
    diagrams = page.locator("pre.mermaid, div.mermaid").count()
    if diagrams:
        # Material replaces each <pre class="mermaid"> with a <div> holding the SVG.
        page.wait_for_function(
            "n => document.querySelectorAll('div.mermaid').length === n"
            " && [...document.querySelectorAll('div.mermaid')]"
            ".every(d => d.shadowRoot && d.shadowRoot.querySelector('svg'))",
            arg=diagrams,
            timeout=15_000,
        )
        for index in range(diagrams):
            svg = page.locator("div.mermaid").nth(index).locator("svg")
            box = svg.bounding_box()
            # Labels are SVG text, or HTML in a foreignObject (Markdown labels).
            labels = svg.locator("text, foreignObject").count()
            if not box or box["height"] < 100 or not labels:
                problems.append(f"{url}: diagram {index + 1} rendered to an empty SVG")
    empty = page.evaluate(
        "[...document.querySelectorAll('pre > code')]"
        ".filter(c => !c.textContent.trim()).length"
    )
    if empty:
        problems.append(f"{url}: {empty} empty code block(s)")
    # Material wraps each table in a box that scrolls: a wide one makes readers pan.
    wide = page.evaluate(
        "[...document.querySelectorAll('article .md-typeset__scrollwrap')]"
        ".filter(box => box.scrollWidth > box.clientWidth + 1).length"
    )
    if wide:
        problems.append(f"{url}: {wide} table(s) wider than the page at 1280 px")
    screenshot = SCREENSHOTS / screenshot_name(url, site_url)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()

    problems += [f"{url}: request left loopback: {request}" for request in outside]
    problems += [f"{url}: failed request: {request}" for request in failed]
    problems += [f"{url}: console error: {error}" for error in errors]
    return problems


def test_code_fits_a_1280_pixel_window(browser, site_url: str):
    """No code block or diff scrolls sideways, and no copy button hides a character."""
    page = browser.new_page(viewport=WINDOW)
    problems: list[str] = []
    for url in nav_urls(site_url):
        page.goto(url, wait_until="load")
        problems += [
            f"{url}: {problem}" for problem in page.evaluate(CODE_THAT_DOES_NOT_FIT)
        ]
    page.close()
    assert not problems, "\n".join(problems)


def test_mermaid_diagrams_are_on_the_pages_that_need_them(browser, site_url: str):
    page = browser.new_page()
    for step in ("00-starting-point", "03-caching-subclass"):
        page.goto(f"{site_url}steps/{step}/", wait_until="networkidle")
        assert page.locator("pre.mermaid, div.mermaid").count() >= 1, (
            f"step {step} has no diagram"
        )
    page.close()


def test_search_finds_fetch_data(browser, site_url: str):
    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("fetch_data")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = [
        results.nth(index).get_attribute("href") for index in range(results.count())
    ]
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
            assert previous_link.evaluate("a => a.href") == pages[index - 1], (
                f"{url}: wrong previous page"
            )
        else:
            assert previous_link.count() == 0
        if index < len(pages) - 1:
            assert next_link.evaluate("a => a.href") == pages[index + 1], (
                f"{url}: wrong next page"
            )
        else:
            assert next_link.count() == 0
    # And the links really lead there: follow one of each.
    page.goto(step_pages[1], wait_until="domcontentloaded")
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(step_pages[2])
    page.locator("a.md-footer__link--prev").click()
    page.wait_for_url(step_pages[1])
    page.close()


SOLUTION_SHOWN = """
() => [...document.querySelectorAll("article .highlight")]
  .filter((block) => block.offsetParent !== null)
  .map((block) => block.querySelector(".filename")?.textContent || "")
"""


def open_with_its_switch(page, url: str) -> None:
    """Open ``url`` and wait for the learner's switch, saying why it never came."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    failed, errors = [], []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="networkidle")
    try:
        page.locator(".learner-switch input").wait_for(state="attached", timeout=15_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"{url}: no learner's switch; failed: {failed}, errors: {errors}")


def test_the_learners_view_hides_the_solution_from_page_to_page(browser, site_url: str):
    page = browser.new_page()
    open_with_its_switch(page, f"{site_url}steps/06-key-rotation/?learner=1")
    shown = page.evaluate(SOLUTION_SHOWN)
    assert shown, "the by-hand commands should stay in the learner's view"
    assert not [title for title in shown if title.startswith("steps/")], shown
    assert page.locator(".learner-switch input").is_checked()

    open_with_its_switch(page, f"{site_url}steps/07-redis-outages/")
    assert not [t for t in page.evaluate(SOLUTION_SHOWN) if t.startswith("steps/")]

    page.locator(".learner-switch input").uncheck()
    assert [t for t in page.evaluate(SOLUTION_SHOWN) if t.startswith("steps/")]
    page.close()
