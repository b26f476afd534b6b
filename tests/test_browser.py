"""The HTML report in a real browser (Debian's headless Chromium through Playwright): it loads nothing but
itself, the dropped words are visible in place, the columns sit side by side on a wide screen and stack on a
phone; it also saves the screenshot the README shows (reports/birmingham-2021.png)."""

from __future__ import annotations

from contextlib import chdir
from pathlib import Path

import pytest

from factcheck import check, load
from factcheck.report import render_html
from tests.conftest import ROOT, SAMPLES, needs_chromium

CASE = SAMPLES / "birmingham-2021"
SCREENSHOT = ROOT / "reports" / "birmingham-2021.png"
DROPPED = "Take-up, however, remains too low"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, fake_embedder) -> Path:
    case = CASE.relative_to(ROOT)
    with chdir(ROOT):  # the page names the inputs as `make report` does, relative to the clone
        source = load(case / "source.txt")
        report = check(case / "release.txt", source, embedder=fake_embedder)
    path = tmp_path_factory.mktemp("html") / "birmingham-2021.html"
    path.write_text(render_html(report, source.text), encoding="utf-8")
    return path


def open_page(browser, path: Path, width: int, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests


def test_report_loads_nothing_but_itself_and_shows_the_dropped_words(browser, report_file):
    page, requests = open_page(browser, report_file, 1280)
    try:
        assert requests == [report_file.as_uri()]
        omitted = page.locator(".mark.omitted del", has_text=DROPPED)
        assert omitted.count() == 1
        assert omitted.first.is_visible()
        marker = page.locator(".mark.omitted", has_text=DROPPED).first
        assert marker.inner_text().startswith("[omitted:")
        # the source paragraph is there on demand
        details = page.locator("details", has_text=DROPPED).first
        paragraph = details.locator(".paragraph")
        assert not paragraph.is_visible()
        details.locator("summary").click()
        assert paragraph.is_visible()
        details.locator("summary").click()
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert requests == [report_file.as_uri()]
    finally:
        page.close()
    assert SCREENSHOT.stat().st_size > 10_000


def test_columns_sit_side_by_side_on_a_wide_screen_and_stack_on_a_phone(browser, report_file):
    for width, side_by_side in ((1280, True), (390, False)):
        page, requests = open_page(browser, report_file, width)
        try:
            card = page.locator("article.card", has_text=DROPPED).first
            release = card.locator(".col.release").bounding_box()
            source = card.locator(".col.source").bounding_box()
            assert release and source
            if side_by_side:
                assert (
                    abs(release["y"] - source["y"]) < 1 and source["x"] > release["x"] + release["width"] - 1
                )
            else:
                assert source["y"] >= release["y"] + release["height"] - 1
            # nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert requests == [report_file.as_uri()]
        finally:
            page.close()
