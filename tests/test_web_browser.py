"""`factcheck serve` used as a person would, in Debian's headless Chromium through Playwright: start the
command, open the page, paste the reference case's release, upload its source, submit, read the verdicts;
download the report, and check again with the texts still in the form; with `--library`, paste the release
alone and read the report of the library's letter.
(No `playwright install`: the browser is /usr/bin/chromium.)"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, needs_chromium

CASE = SAMPLES / "birmingham-2021"
DROPPED = "Take-up, however, remains too low"

pytestmark = needs_chromium


def _command() -> list[str]:
    """The `factcheck` command, with the fake embedder passed in (tests/launch.py)."""
    return [sys.executable, "-m", "tests.launch"]


def _serve(log: Path, *options: str) -> Iterator[str]:
    """`factcheck serve --port 0 OPTIONS` in its own process (with the fake embedder, for speed); yields its URL."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with log.open("w") as err:
        process = subprocess.Popen([*_command(), "serve", "--port", "0", *options], stderr=err, env=env, cwd=ROOT)
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"factcheck serve exited: {log.read_text()}")
            match = re.search(r"serving on (http://127\.0\.0\.1:\d+/)", log.read_text())
            url = match.group(1) if match else ""
            time.sleep(0.05)
        assert url, log.read_text()
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C, as a person stops it
        try:
            assert process.wait(10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("serve") / "stderr.txt")


@pytest.fixture(scope="module")
def served_with_library(tmp_path_factory, settings) -> Iterator[str]:
    """`factcheck serve --library DIR`, the library holding the reference letter and two other real sources."""
    from factcheck.library import add_reports

    folder = tmp_path_factory.mktemp("library")
    sources = [CASE / "source.txt", *sorted((SAMPLES / "real" / "dev").glob("stats-*/source.txt"))[:2]]
    add_reports(sources, folder / "library", settings)
    yield from _serve(folder / "stderr.txt", "--library", str(folder / "library"))


def test_a_person_pastes_a_release_uploads_its_source_and_reads_the_verdicts(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(served)
        release = page.get_by_label("Paste the release")  # the labels name the fields
        release.fill((CASE / "release.txt").read_text(encoding="utf-8"))
        page.get_by_label("Or choose files").set_input_files(str(CASE / "source.txt"))
        page.get_by_role("button", name="Check the quotations").click()
        page.wait_for_load_state("load")
        assert page.url == served + "check"
        assert page.get_by_role("heading", name="Quotation check", level=1).is_visible()
        badge = page.locator(".badge", has_text="Silently elided").first
        assert badge.is_visible()
        dropped = page.locator(".mark.omitted del", has_text=DROPPED).first
        assert dropped.is_visible()
        assert page.locator(".inputs dd", has_text="source.txt").is_visible()  # the uploaded file's name
        # the page fetched nothing but itself and the report
        assert requests == [served, served + "check"]
        page.get_by_role("link", name="Check another release").click()
        page.wait_for_load_state("load")
        assert page.get_by_label("Paste the release").input_value() == ""
    finally:
        page.close()


def test_an_empty_submission_shows_the_message_on_the_form(browser, served):
    page = browser.new_page()
    try:
        page.goto(served)
        page.get_by_role("button", name="Check the quotations").click()
        page.wait_for_load_state("load")
        alert = page.get_by_role("alert")
        assert alert.is_visible()
        assert "The release is empty" in alert.inner_text()
        assert page.get_by_label("Paste the source (the letter, report or paper quoted)").is_visible()
    finally:
        page.close()


def test_a_person_downloads_the_report_and_checks_again_with_the_texts_still_there(browser, served, tmp_path):
    release, source = ((CASE / name).read_text(encoding="utf-8") for name in ("release.txt", "source.txt"))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(served)
        page.get_by_label("Paste the release").fill(release)
        page.get_by_label("Paste the source (the letter, report or paper quoted)").fill(source)
        page.get_by_role("button", name="Check the quotations").click()
        page.wait_for_load_state("load")
        assert page.locator(".badge", has_text="Silently elided").first.is_visible()

        with page.expect_download() as markdown:
            page.get_by_role("button", name="Markdown", exact=True).click()
        assert markdown.value.suggested_filename == "factcheck-report.md"
        saved = tmp_path / "report.md"
        markdown.value.save_as(saved)
        assert DROPPED in saved.read_text(encoding="utf-8")
        with page.expect_download() as report:
            page.get_by_role("button", name="JSON", exact=True).click()
        assert report.value.suggested_filename == "factcheck-report.json"
        report.value.save_as(tmp_path / "report.json")
        verdicts = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["verdicts"]
        assert verdicts["elided"] == 2 and verdicts["context_omitted"] == 3
        assert page.url == served + "check"  # a download leaves the report on the screen

        page.get_by_role("button", name="Check again", exact=True).click()
        page.wait_for_load_state("load")
        assert page.url == served + "edit"
        assert page.get_by_label("Paste the release").input_value() == release
        assert page.get_by_label("Source 1: source (pasted text)").input_value() == source
        assert page.get_by_label("Paste another source").input_value() == ""
        page.get_by_role("button", name="Check the quotations").click()  # the same texts, checked again
        page.wait_for_load_state("load")
        assert page.locator(".badge", has_text="Silently elided").first.is_visible()
        assert all(url.startswith(served) for url in requests), requests  # nothing from anywhere else
    finally:
        page.close()


def test_a_person_pastes_only_a_release_and_reads_the_report_of_the_library_s_letter(browser, served_with_library):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(served_with_library)
        assert page.get_by_text("Source documents (optional)").is_visible()
        assert "the server's library of reports will be searched" in page.locator("#library_note").inner_text()
        page.get_by_label("Paste the release").fill((CASE / "release.txt").read_text(encoding="utf-8"))
        page.get_by_role("button", name="Check the quotations").click()
        page.wait_for_load_state("load")
        assert page.url == served_with_library + "check"
        assert page.get_by_role("heading", name="Found in the library", level=2).is_visible()
        found = page.locator(".library li").first
        assert found.is_visible() and str(CASE / "source.txt") in found.inner_text()
        assert "holds 14 quotations of the release" in found.inner_text()
        assert page.locator(".inputs dd", has_text="source.txt").is_visible()
        assert page.locator(".mark.omitted del", has_text=DROPPED).first.is_visible()  # the letter's words, in place
    finally:
        page.close()
