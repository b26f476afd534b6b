"""The HTML report in a real browser (Debian's headless Chromium through Playwright): it loads nothing but
itself, the dropped words are visible in place, the columns sit side by side on a wide screen and stack on a
phone. With UPDATE_SCREENSHOT=1 it also rewrites the screenshot the README shows (reports/birmingham-2021.png);
otherwise the screenshot goes to a temporary folder, so a test run leaves the clone as it was."""

from __future__ import annotations

import os
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


def test_report_loads_nothing_but_itself_and_shows_the_dropped_words(browser, report_file, tmp_path):
    screenshot = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
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
        screenshot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        assert requests == [report_file.as_uri()]
    finally:
        page.close()
    assert screenshot.stat().st_size > 10_000


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


EDIT_KINDS = ROOT / "tests" / "data" / "edit_kinds" / "release.txt"

# Each quotation of the test release, with the marks the report must show for it in each pane:
# (card title words, release-pane mark and its words, source-pane mark and its words).
MARKED_IN_BOTH_PANES = [
    ("Silently elided", ".mark.cut", "for most children", ".mark.omitted", "for most children"),
    ("Altered", ".mark.changed", "Most", ".mark.changed", "Most"),  # a change at the quotation's edge
    ("Altered", ".mark.changed", "increasingly", ".mark.changed", "always"),
    ("Altered", ".mark.added", "and passionately", ".mark.added", "and passionately"),
    ("Context omitted", ".mark.cut.neighbour", "not yet well embedded", ".mark.omitted.neighbour", "not yet well embedded"),
    ("Truncated", ".mark.cut", "not yet well embedded", ".mark.omitted.cut-off", "not yet well embedded"),
    ("Qualifier cut at an ellipsis", ".mark.cut", "for most children", ".mark.omitted", "for most children"),
]


@pytest.fixture(scope="module")
def edit_kinds_file(tmp_path_factory, fake_embedder) -> Path:
    source = load(CASE / "source.txt")
    report = check(EDIT_KINDS, source, embedder=fake_embedder)
    path = tmp_path_factory.mktemp("html") / "edit-kinds.html"
    path.write_text(render_html(report, source.text), encoding="utf-8")
    return path


def test_every_kind_of_edit_is_marked_in_both_panes(browser, edit_kinds_file):
    page, requests = open_page(browser, edit_kinds_file, 1280)
    try:
        cards = page.locator("article.card")
        assert cards.count() == len(MARKED_IN_BOTH_PANES)
        for number, (label, in_release, release_words, in_source, source_words) in enumerate(MARKED_IN_BOTH_PANES):
            card = cards.nth(number)
            assert card.locator(".badge").first.inner_text() == label
            release_mark = card.locator(f".col.release {in_release}", has_text=release_words)
            source_mark = card.locator(f".col.source {in_source}", has_text=source_words)
            assert release_mark.count() == 1 and release_mark.is_visible(), (number, label, "release pane")
            assert source_mark.count() == 1 and source_mark.is_visible(), (number, label, "source pane")
            # a mark says in words what happened, so it reads without colour (printed, or to a screen reader)
            assert release_mark.locator(".tag").first.inner_text().strip().startswith("[")
            assert source_mark.locator(".tag").first.inner_text().strip().startswith("[")
        assert requests == [edit_kinds_file.as_uri()]
    finally:
        page.close()


def test_every_count_in_the_summary_leads_to_what_it_counts(browser, report_file):
    page, _ = open_page(browser, report_file, 1280)
    try:
        links = page.locator(".summary .stats a")
        assert links.count() >= 5
        for i in range(links.count()):
            target = links.nth(i).get_attribute("href")
            assert target and target.startswith("#")
            assert page.locator(target).count() == 1 and page.locator(target).is_visible(), target
        counts = page.locator(".summary .stats li")
        assert counts.count() == links.count()  # no count without a link
    finally:
        page.close()
