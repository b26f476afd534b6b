"""`factcheck serve --library DIR`: a release sent without a source (to the API as JSON or multipart, or on the
page) is checked against the library reports it quotes, and the answer is byte for byte what `factcheck check
RELEASE --library DIR --format json` prints; the report names the library reports used; a request never names a
folder; requests at once against one library each get their own report; the project file's `library` key."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli import Injected, app
from factcheck.errors import LibraryError
from factcheck.library import add_reports
from factcheck.library.store import DATABASE_FILE
from factcheck.web import FactcheckServer, make_server
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder
from tests.test_web import (
    JSON_TYPE,
    REFERENCE_VERDICTS,
    RELEASE,
    SOURCE,
    SOURCE_HEAD,
    SOURCE_MAIN,
    browser_sends,
    kept_fields,
    post,
    post_fields,
    post_json,
    request,
)

# Real dev pairs whose sources are in the library beside the reference letter; their releases are sent at once.
DEV_CASES = (
    "stats-uksa-norgrove-employment-claim",
    "stats-bls-jobs-nov2012-sandy",
    "sci-injury-safer-news",
    "audit-accounts-commission-west-dunbartonshire",
    "law2-dilnot-hunt-nhs-standard",
)
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The releases as files (release.txt, and <case>.txt for each dev case), where the CLI is run; the
    reference letter, whole and in two parts, and the dev sources, under reports/."""
    folder = tmp_path_factory.mktemp("files")
    (folder / "release.txt").write_text(RELEASE, encoding="utf-8")
    reports = folder / "reports"
    reports.mkdir()
    (reports / "letter.txt").write_text(SOURCE, encoding="utf-8")
    (reports / "head.txt").write_text(SOURCE_HEAD, encoding="utf-8")
    (reports / "main.txt").write_text(SOURCE_MAIN, encoding="utf-8")
    for case in DEV_CASES:
        shutil.copy(SAMPLES / "real" / "dev" / case / "release.txt", folder / f"{case}.txt")
        shutil.copy(SAMPLES / "real" / "dev" / case / "source.txt", reports / f"{case}.txt")
    return folder


@pytest.fixture(scope="module")
def library(files, tmp_path_factory, settings) -> Path:
    """The whole letter and the dev sources."""
    folder = tmp_path_factory.mktemp("library")
    paths = [files / "reports" / "letter.txt", *(files / "reports" / f"{case}.txt" for case in DEV_CASES)]
    assert {o.status for o in add_reports(paths, folder, settings)} == {"added"}
    return folder


@pytest.fixture(scope="module")
def split_library(files, tmp_path_factory, settings) -> Path:
    """The letter in two reports only, so the reference release quotes both."""
    folder = tmp_path_factory.mktemp("split-library")
    add_reports([files / "reports" / "head.txt", files / "reports" / "main.txt"], folder, settings)
    return folder


def serving(settings, library: Path) -> FactcheckServer:
    srv = make_server("127.0.0.1", 0, settings, embedder=HashingEmbedder(), quiet=True, library=library)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def server(settings, library) -> Iterator[FactcheckServer]:
    srv = serving(settings, library)
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def cli(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """What `factcheck ARGS` prints on stdout, run in `folder` with the fake embedder."""
    monkeypatch.chdir(folder)
    result = runner.invoke(app, list(args), obj=Injected(embedder_factory=HashingEmbedder))
    assert result.exit_code == 0, result.output
    return result.stdout


def release_only(name: str, text: str) -> dict[str, object]:
    return {"release": {"name": name, "text": text}}


def test_a_release_sent_alone_is_the_report_check_library_prints(server, library, files, monkeypatch):
    expected = cli(files, monkeypatch, "check", "release.txt", "--library", str(library), "--format", "json")
    status, headers, body = post_json(server, release_only("release.txt", RELEASE))
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    assert body == expected
    report = json.loads(body)
    letter = str(files / "reports" / "letter.txt")
    assert report["sources"] == [letter] and report["summary"]["verdicts"] == REFERENCE_VERDICTS
    assert [(found["name"], found["evidence"], found["quotations"]) for found in report["library"]] == [(letter, "quotations", 14)]
    # multipart, the release uploaded as a file with no source field: the same bytes
    assert post_fields(server, "/api/check", [("release", ("release.txt", RELEASE.encode()))])[::2] == (200, expected)
    # "sources": [] is no source too
    assert post_json(server, {**release_only("release.txt", RELEASE), "sources": []})[::2] == (200, expected)


def test_a_release_quoting_two_library_reports_is_checked_against_both(settings, split_library, files, monkeypatch):
    expected = cli(files, monkeypatch, "check", "release.txt", "--library", str(split_library), "--format", "json")
    srv = serving(settings, split_library)
    try:
        status, _, body = post_json(srv, release_only("release.txt", RELEASE))
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 200 and body == expected
    report = json.loads(body)
    head, main = str(files / "reports" / "head.txt"), str(files / "reports" / "main.txt")
    assert {found["name"] for found in report["library"]} == {head, main} == set(report["sources"])
    assert all(found["quotations"] > 0 for found in report["library"])
    assert {q["source_name"] for q in report["quotes"]} == {head, main, ""}
    assert report["summary"]["verdicts"] == REFERENCE_VERDICTS  # as against the letter whole


def test_sources_sent_with_the_release_are_used_and_the_report_names_no_library(server, files, monkeypatch):
    expected = cli(files, monkeypatch, "check", "release.txt", "reports/letter.txt", "--format", "json")
    payload = {**release_only("release.txt", RELEASE), "source": {"name": "reports/letter.txt", "text": SOURCE}}
    status, _, body = post_json(server, payload)
    assert status == 200 and body == expected
    assert "library" not in json.loads(body)


def test_the_page_says_the_sources_are_optional_and_the_report_names_the_library_report(server, files):
    status, _, form = request(server, "GET", "/")
    assert status == 200
    assert "Source documents (optional)" in form and "the server's library of reports will be searched" in form
    status, _, page = post(server, {"release_text": RELEASE, "source_text": ""})
    assert status == 200, page
    assert "<h2 id=\"library-title\">Found in the library</h2>" in page
    letter = str(files / "reports" / "letter.txt")
    assert f"<strong>{letter}</strong> <span class=\"reason\">(holds 14 quotations of the release; digest " in page
    assert "Take-up, however, remains too low" in page  # the letter's words, from the library
    # the report page's download posts the texts it keeps (the release alone): the same library report, as JSON
    kept = browser_sends(kept_fields(page))
    assert [name for name, _ in kept] == ["release_name", "release_text"]
    status, _, downloaded = post_fields(server, "/download", [*kept, ("format", "json")])
    assert status == 200 and json.loads(downloaded)["library"][0]["name"] == letter


def test_a_release_no_library_report_holds_is_a_clear_error_that_names_no_folder(server, library):
    status, _, body = post_json(server, {"release": "The council thanked its staff for their hard work this winter."})
    assert status == 400
    message = json.loads(body)["error"]["message"]
    assert message == "no report in the server's library holds the release's quotations or sentences"
    status, _, page = post(server, {"release_text": "The council thanked its staff for their hard work this winter."})
    assert status == 400 and "no report in the server&#39;s library holds" in page
    assert str(library) not in body + page


def test_a_request_cannot_name_a_library_or_a_path(server):
    for payload in ({**release_only("r", RELEASE), "library": "/etc"}, {**release_only("r", RELEASE), "options": {"library": "/etc"}}):
        status, _, body = post_json(server, payload)
        assert status == 400 and "library" in json.loads(body)["error"]["message"]
    status, _, body = post_fields(server, "/api/check", [("release", RELEASE), ("library", "/etc")])
    assert status == 400 and "Unknown field 'library'" in body
    # a release that is a path is only ever text: nothing of /etc/hostname is read
    status, _, body = post_json(server, {"release": "/etc/hostname"})
    assert status == 400 and "no report in the server's library" in body


def test_requests_at_once_against_one_library_each_get_their_own_report(server, library, files, monkeypatch):
    names = ["release.txt", *(f"{case}.txt" for case in DEV_CASES)]
    expected = {name: cli(files, monkeypatch, "check", name, "--library", str(library), "--format", "json") for name in names}
    for case in DEV_CASES:  # each dev release is checked against its own source, found in the library
        assert json.loads(expected[f"{case}.txt"])["sources"] == [str(files / "reports" / f"{case}.txt")]
    texts = {name: (files / name).read_text(encoding="utf-8") for name in names}
    sent = names * 2  # twelve requests, four checked at a time and the rest waiting
    with ThreadPoolExecutor(len(sent)) as pool:
        answers = list(pool.map(lambda name: post_json(server, release_only(name, texts[name])), sent))
    for name, (status, _, body) in zip(sent, answers, strict=True):
        assert status == 200, body
        assert body == expected[name], name


def test_a_library_removed_while_serving_is_an_error_that_names_no_folder(settings, library, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(library, copy)
    srv = serving(settings, copy)
    try:
        (copy / DATABASE_FILE).unlink()
        status, _, body = post_json(srv, release_only("release.txt", RELEASE))
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 400 and str(copy) not in body
    assert json.loads(body)["error"]["message"].startswith("the server's library holds no library")


def test_a_folder_without_a_library_is_refused_when_the_server_starts(settings, tmp_path):
    with pytest.raises(LibraryError, match="holds no library"):
        make_server("127.0.0.1", 0, settings, embedder=HashingEmbedder(), quiet=True, library=tmp_path)
    result = runner.invoke(app, ["serve", "--port", "0", "--library", str(tmp_path)], obj=Injected(embedder_factory=HashingEmbedder))
    assert result.exit_code == 2
    assert result.output == (
        f"factcheck: error: {tmp_path} holds no library (add reports with `factcheck library add`)\n"
    )


def test_the_project_file_names_the_library_for_check_and_serve(library, files, tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(files / "release.txt", project / "release.txt")
    (project / ".factcheck.toml").write_text(f'library = "{library}"\n', encoding="utf-8")
    (project / ".git").mkdir()  # the project's top: the search for the file stops here
    found = cli(project, monkeypatch, "check", "release.txt", "--format", "json")
    assert json.loads(found)["library"][0]["name"] == str(files / "reports" / "letter.txt")
    assert found == cli(files, monkeypatch, "check", "release.txt", "--library", str(library), "--format", "json")
    named = json.loads(cli(project, monkeypatch, "check", "release.txt", str(files / "reports" / "head.txt"), "-f", "json"))
    assert "library" not in named  # sources named on the command line win over the file's library
    (project / ".factcheck.toml").write_text('library = "no-such-library"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    served = runner.invoke(app, ["serve", "--port", "0"], obj=Injected(embedder_factory=HashingEmbedder))
    assert served.exit_code == 2
    assert served.output == f"factcheck: error: {project / 'no-such-library'} holds no library (add reports with `factcheck library add`)\n"


def test_the_markdown_and_text_reports_name_the_library_report_too(library, files, monkeypatch):
    letter = str(files / "reports" / "letter.txt")
    markdown = cli(files, monkeypatch, "check", "release.txt", "--library", str(library), "-f", "md")
    assert f"Found in the library:\n\n- {letter} (holds 14 quotations of the release; digest " in markdown.replace("\\_", "_")
    text = cli(files, monkeypatch, "check", "release.txt", "--library", str(library), "-f", "text")
    assert f"Found in the library: {letter} (holds 14 quotations of the release; digest " in " ".join(text.split())
