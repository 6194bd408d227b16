"""The acceptance test in a real browser: Debian's Chromium driven by Playwright (from PyPI).

It opens the lenalidomide page of a running ``kb serve`` over the examples, sees the MM-009 and
MM-010 results and the forest plot image (loaded: it has a size), follows a figure's provenance link
to its quote, searches for ``Revlimid`` and for ``10.1056/NEJMoa070596``, and saves screenshots
under ``build/screenshots/`` (git-ignored). Playwright never downloads a browser here: it launches
``/usr/bin/chromium`` (or ``$KB_CHROMIUM``), and the test skips, saying why, when either is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb import KnowledgeBase
from tests.serve.conftest import Server

REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "build" / "screenshots"
#: Headless, no sandbox (CI containers run as root), and nothing that calls out to the internet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = os.environ.get("KB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip(f"Chromium not found at {path} (Debian: apt-get install chromium chromium-driver; or set KB_CHROMIUM to its path)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url.rstrip("/"), viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    # Nothing but the server under test: any request elsewhere fails the test.
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
    assert not outside, f"the pages asked for resources outside the server: {outside}"


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def test_the_lenalidomide_page_in_a_browser(page: Any, module_store: Path) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text() == "Clinical-trial evidence"
    shot(page, "home")

    page.fill("input[name=q]", "lenalidomide")
    page.click("button[type=submit]")
    page.get_by_role("link", name="lenalidomide", exact=True).first.click()
    page.wait_for_load_state("load")  # images included
    assert page.url.endswith("/drug/CHEBI:63791")
    assert page.locator("h1").inner_text() == "lenalidomide"

    results = page.locator("#results ~ table.figures")
    text = " ".join(results.all_inner_texts())
    for trial in ("MM-009", "MM-010", "MM-009 + MM-010"):
        assert trial in text, trial
    assert "HR 0.44" in text

    plot = page.locator("img.forest").first
    plot.scroll_into_view_if_needed()
    assert plot.is_visible()
    # The image loaded: a broken image would keep the size of its icon.
    box = plot.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    shot(page, "drug-lenalidomide")
    page.screenshot(path=str(SCREENSHOTS / "drug-lenalidomide-top.png"))
    plot.screenshot(path=str(SCREENSHOTS / "forest-plot.png"))

    # Follow the provenance link of MM-009's hazard ratio to its quote.
    row = page.locator("tr", has_text="HR 0.44").first
    row.get_by_role("link", name="provenance").click()
    page.wait_for_load_state("load")
    assert "/finding/" in page.url and page.url.endswith("#quote")
    quote = page.locator("#quote blockquote")
    assert quote.is_visible()
    finding = "https://w3id.org/trial-evidence-kb/id/" + page.url.split("/", 3)[3].split("#")[0]
    with KnowledgeBase.open(module_store, read_only=True) as kb:
        expected = kb.query("provenance", finding=finding)[0].quote
    assert quote.inner_text().split() == expected.split()
    assert "draft" in page.locator("section.provenance").inner_text()
    shot(page, "provenance")


@pytest.mark.parametrize(("query", "expected_link", "name"), [
    ("Revlimid", "/drug/CHEBI:63791", "search-revlimid"),
    ("10.1056/NEJMoa070596", "/doi/10.1056/nejmoa070596", "search-doi"),
])
def test_search_in_a_browser(page: Any, query: str, expected_link: str, name: str) -> None:
    page.goto("/")
    page.fill("input[name=q]", query)
    page.click("button[type=submit]")
    assert "/search?q=" in page.url
    hits = page.locator("table.hits a")
    assert hits.count() >= 1
    assert hits.first.get_attribute("href") == expected_link
    shot(page, name)
    hits.first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(expected_link)
    assert page.locator("h1").inner_text()
    shot(page, name + "-result")
