"""`factcheck serve` (factcheck/web/) over HTTP. The page: the form, pasted and uploaded inputs, several sources,
the report page that keeps its texts to download the report or check again, errors (400), size limits (413),
escaping, and no file left behind. The API: POST /api/check as JSON or multipart, GET /api/schema, and each
error status with its JSON body. Reports are compared with what `factcheck check` prints for the same files."""

from __future__ import annotations

import http.client
import json
import re
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from typer.testing import CliRunner

from factcheck.cli import Injected, app
from factcheck.config import LimitSettings
from factcheck.web import FORM_OVERHEAD, MAX_SOURCES, FactcheckServer, make_server
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder
from tests.test_formats import make_pdf

CASE = SAMPLES / "birmingham-2021"
RELEASE = (CASE / "release.txt").read_text(encoding="utf-8")
SOURCE = (CASE / "source.txt").read_text(encoding="utf-8")
# The reference letter in two documents: its opening and headline findings, and its main findings.
SOURCE_HEAD, SOURCE_MAIN = SOURCE.split("\nMain findings\n", 1)
SOURCE_HEAD, SOURCE_MAIN = SOURCE_HEAD + "\n", "Main findings\n" + SOURCE_MAIN
DROPPED = "Take-up, however, remains too low"
LIMIT = 20_000  # bytes per input in these tests (the reference case's source is about 11 kB)
JSON_TYPE = "application/json"
# the reference case's verdicts with the fake embedder, against the letter whole or in its two parts
REFERENCE_VERDICTS = {"context_omitted": 3, "elided": 2, "minor_edit": 1, "other_speaker": 5, "verbatim": 8}

Value = str | tuple[str, bytes]  # a plain field's text, or a file's (filename, bytes)


def start(settings, embedder) -> FactcheckServer:
    small = settings.model_copy(update={"limits": LimitSettings(max_input_bytes=LIMIT)})
    srv = make_server("127.0.0.1", 0, small, embedder=embedder, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def server(settings) -> Iterator[FactcheckServer]:
    srv = start(settings, HashingEmbedder())
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def request(server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        conn.close()


def multipart(fields: Sequence[tuple[str, Value]]) -> tuple[bytes, str]:
    """A multipart/form-data body with these fields in this order, names repeating as they may."""
    boundary = f"----factcheck{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields:
        if isinstance(value, str):
            head, data = f'Content-Disposition: form-data; name="{name}"\r\n\r\n', value.encode()
        else:
            filename, data = value
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
        parts.append(f"--{boundary}\r\n{head}".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_fields(server, path: str, fields: Sequence[tuple[str, Value]], **headers: str):
    body, content_type = multipart(fields)
    return request(server, "POST", path, body, {"Content-Type": content_type, **headers})


def post(server, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None, path: str = "/check"):
    """The form as a browser sends it: its text fields, then its file inputs (empty when no file is chosen)."""
    chosen: dict[str, Value] = {"release_file": ("", b""), "source_file": ("", b""), **(files or {})}
    return post_fields(server, path, [*fields.items(), *chosen.items()])


def post_json(server, payload: object, path: str = "/api/check"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return request(server, "POST", path, body, {"Content-Type": JSON_TYPE})


class FormFields(HTMLParser):
    """The fields a browser would submit from the forms of a page, in order: hidden inputs, text areas (their
    text as the browser holds it) and the names of file inputs; `actions` has the report page's form alone."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []  # (action, fields)
        self.files: list[str] = []
        self._textarea: str | None = None
        self._text = ""
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
        elif tag == "input" and a.get("type") == "hidden":
            self.forms[-1][1].append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "file":
            self.files.append(a["name"])
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = self._text.removeprefix("\n")  # as the HTML parser drops it
            self.forms[-1][1].append((self._textarea, text))
            self._textarea = None

    def of(self, action: str) -> list[tuple[str, str]]:
        return next(fields for form_action, fields in self.forms if form_action == action)


def kept_fields(page: str) -> list[tuple[str, Value]]:
    """The hidden fields of the report page's form (the texts it checked)."""
    return list(FormFields(page).of("/edit"))


def without_actions(page: str) -> str:
    """The report page without what the server adds to it: its actions' style and bar."""
    page = re.sub(r"<style>\n\.serve-actions .*?</style>\n", "", page, count=1, flags=re.DOTALL)
    return re.sub(r'<nav class="serve-actions".*?</nav>\n', "", page, count=1, flags=re.DOTALL)


def cli_output(folder: Path, monkeypatch, *args: str) -> str:
    """What `factcheck ARGS` prints, run in `folder` (so it names files as the uploads are named)."""
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, list(args), obj=Injected(embedder_factory=HashingEmbedder))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def case_files(tmp_path) -> Path:
    """The reference case as files: release.txt, source.txt, and the letter in two parts, head.txt and main.txt."""
    for name, text in (("release.txt", RELEASE), ("source.txt", SOURCE), ("head.txt", SOURCE_HEAD), ("main.txt", SOURCE_MAIN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


# --- the page ------------------------------------------------------------------------------------------------


def test_get_serves_a_self_contained_accessible_form(server):
    status, headers, page = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<form method="post" action="/check" enctype="multipart/form-data"' in page
    for field in ("release_text", "source_text"):
        assert f'<label for="{field}">' in page and f'<textarea id="{field}" name="{field}"' in page
    assert '<label for="release_file">' in page and '<input type="file" id="release_file" name="release_file"' in page
    assert '<label for="source_file">Or choose files</label>' in page
    assert '<input type="file" id="source_file" name="source_file" multiple' in page
    assert f"up to {MAX_SOURCES}, pasted or chosen" in page
    assert '<button type="submit">' in page and '<html lang="en">' in page
    assert "<script" not in page and "src=" not in page and "http://" not in page and "https://" not in page
    assert request(server, "GET", "/nothing-here")[0] == 404


def test_pasted_text_gives_the_report_with_its_verdicts(server):
    status, headers, page = post(server, {"release_text": RELEASE, "source_text": SOURCE})
    assert status == 200, page
    assert "Silently elided" in page and DROPPED in page
    assert "release (pasted text)" in page and '<a href="/">Check another release</a>' in page
    assert "<script" not in page and "default-src 'none'" in headers["Content-Security-Policy"]


def test_textarea_line_endings_as_browsers_send_them_make_no_difference(server):
    crlf = {"release_text": RELEASE.replace("\n", "\r\n"), "source_text": SOURCE.replace("\n", "\r\n")}
    assert post(server, crlf)[2] == post(server, {"release_text": RELEASE, "source_text": SOURCE})[2]


def test_uploaded_files_give_the_report_and_a_file_wins_over_pasted_text(server):
    files = {
        "release_file": ("some/folder/release.txt", RELEASE.encode("utf-8")),
        "source_file": ("letter.txt", SOURCE.encode("cp1252", errors="replace")),
    }
    status, _, page = post(server, {"release_text": "ignored: no quotations here", "source_text": ""}, files)
    assert status == 200, page
    assert "Silently elided" in page and DROPPED in page
    assert "<dd>release.txt</dd>" in page and "<dd>letter.txt</dd>" in page  # names without the folders


def test_a_urlencoded_form_works_too(server):
    body = urlencode({"release_text": RELEASE, "source_text": SOURCE}).encode()
    status, _, page = request(
        server, "POST", "/check", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and "Silently elided" in page


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        ({"release_text": "", "source_text": SOURCE}, {}, "The release is empty: paste its text or choose a file."),
        ({"release_text": "  \n ", "source_text": ""}, {}, "The release is empty"),
        ({"release_text": RELEASE, "source_text": ""}, {}, "The source is empty"),
        ({"release_text": RELEASE, "source_text": ""}, {"source_file": ("empty.txt", b"")}, "The source file empty.txt is empty."),
        ({"release_text": RELEASE, "source_text": ""}, {"source_file": ("x.bin", b"\x00\x01\x02" * 50)}, "x.bin"),
    ],
)
def test_unusable_input_gives_the_form_again_with_a_message_and_400(server, fields, files, message):
    status, _, page = post(server, fields, files)
    assert status == 400, page
    assert 'role="alert"' in page and message in page
    assert '<form method="post" action="/check"' in page


def test_a_pasted_path_is_text_not_a_file_on_the_server(server):
    status, _, page = post(server, {"release_text": "/etc/passwd", "source_text": str(CASE / "source.txt")})
    assert status == 200, page  # a release of one line with no quotations: checked, and nothing found
    assert "root:" not in page and "0 quotations" in page


def test_a_release_without_quotations_gives_a_report_not_an_error(server):
    status, _, page = post(server, {"release_text": "The council thanked its staff.", "source_text": SOURCE})
    assert status == 200, page
    assert "0 quotations" in page


def test_an_input_over_the_limit_is_refused_with_413(server):
    status, _, page = post(server, {"release_text": RELEASE, "source_text": "x" * (LIMIT + 1)})
    assert status == 413 and "over the limit of 20,000" in page
    status, _, page = post(server, {"release_text": RELEASE, "source_text": ""}, {"source_file": ("big.txt", b"y" * (LIMIT + 1))})
    assert status == 413 and "big.txt" in page


def headers_only(server, path: str, content_type: str, length: int) -> tuple[bytes, bytes]:
    """(head, body) of the answer to a POST that declares `length` bytes and sends none of them."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n".encode()
        )  # and not a byte of the body: the answer must come anyway
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


def test_a_request_too_big_is_refused_by_its_content_length_before_it_is_read(server):
    assert server.max_request_bytes == (1 + MAX_SOURCES) * LIMIT + FORM_OVERHEAD  # the release and 8 sources
    head, page = headers_only(server, "/check", "multipart/form-data; boundary=x", server.max_request_bytes + 1)
    assert head.startswith((b"HTTP/1.0 413", b"HTTP/1.1 413"))
    assert b"over the limit" in page and b'role="alert"' in page


def test_a_request_without_content_length_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # neither a Content-Length nor chunks
        answer = sock.recv(65536)
    assert b" 411 " in answer.split(b"\r\n", 1)[0]


def test_a_form_sent_in_chunks_gives_the_same_report(server):
    """A body without a Content-Length, in chunks as a streaming client sends it, is read like any other."""
    body, content_type = multipart([("release_text", RELEASE), ("source_text", SOURCE), ("release_file", ("", b"")), ("source_file", ("", b""))])
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        pieces = (body[i : i + 4096] for i in range(0, len(body), 4096))
        conn.request("POST", "/check", body=pieces, headers={"Content-Type": content_type}, encode_chunked=True)
        response = conn.getresponse()
        status, page = response.status, response.read().decode("utf-8")
    finally:
        conn.close()
    assert status == 200 and "Silently elided" in page
    assert page == post_fields(server, "/check", [("release_text", RELEASE), ("source_text", SOURCE), ("release_file", ("", b"")), ("source_file", ("", b""))])[2]


def test_hostile_input_is_escaped(server):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    release = f"Ofsted said: \u201cMost children {attack} are well.\u201d\n"
    files = {"release_file": (attack.replace('"', "%22") + ".txt", release.encode())}  # as browsers send a name
    status, _, page = post(server, {"release_text": "", "source_text": SOURCE}, files)
    assert status == 200
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    # the report page keeps the release in a hidden field, escaped, and gives it back to check again
    assert '"><img' not in page and "&#34;x&#34;" in page
    status, _, form = post_fields(server, "/edit", kept_fields(page))
    assert status == 200 and "<script>" not in form and "<img" not in form
    assert dict(FormFields(form).of("/check"))["release_text"] == release
    # the form given back after an error escapes the pasted text in the text area
    status, _, page = post(server, {"release_text": attack + "</textarea>", "source_text": ""})
    assert status == 400
    assert "<script>" not in page and "</textarea><img" not in page
    assert "&lt;/textarea&gt;" in page


def test_requests_for_another_host_name_are_refused(server):
    status, _, page = request(server, "GET", "/", headers={"Host": "evil.example:8000"})
    assert status == 400 and "127.0.0.1" in page
    assert request(server, "GET", "/", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_each_request_runs_in_a_temporary_folder_that_is_removed(server, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # this process's temporary folder, for this test
    made: list[str] = []
    real = tempfile.TemporaryDirectory

    def recording(*args, **kwargs):
        folder = real(*args, **kwargs)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recording)
    assert post(server, {"release_text": RELEASE, "source_text": SOURCE})[0] == 200
    assert post(server, {"release_text": "", "source_text": ""})[0] == 400
    assert len(made) == 2 and all(Path(m).parent == scratch for m in made)
    assert list(scratch.iterdir()) == []


def test_the_server_binds_127_0_0_1_by_default(settings):
    srv = make_server(port=0, settings=settings, embedder=HashingEmbedder(), quiet=True)
    try:
        assert srv.host == "127.0.0.1" and srv.url == f"http://127.0.0.1:{srv.port}/"
    finally:
        srv.server_close()


def browser_sends(fields: Sequence[tuple[str, Value]]) -> list[tuple[str, Value]]:
    """Fields as a browser submits them: the line ends of every text as "\\r\\n"."""
    return [(name, value.replace("\r\n", "\n").replace("\n", "\r\n") if isinstance(value, str) else value) for name, value in fields]


def uploads(release: tuple[str, str], *sources: tuple[str, str]) -> list[tuple[str, Value]]:
    """The form with nothing pasted, the release chosen as a file and the sources chosen in one file input."""
    chosen = [("source_file", (name, text.encode("utf-8"))) for name, text in sources]
    return [("release_text", ""), ("source_text", ""), ("release_file", (release[0], release[1].encode("utf-8"))), *chosen]


def test_each_quotation_is_matched_against_every_chosen_source_as_the_cli_does(server, case_files, monkeypatch):
    """Two source files chosen at once give the report `factcheck check release.txt head.txt main.txt` gives."""
    status, _, page = post_fields(server, "/check", uploads(("release.txt", RELEASE), ("head.txt", SOURCE_HEAD), ("main.txt", SOURCE_MAIN)))
    assert status == 200, page
    expected = cli_output(case_files, monkeypatch, "check", "release.txt", "head.txt", "main.txt", "--format", "html")
    assert without_actions(page) == expected
    assert "<dd>head.txt, main.txt</dd>" in page and "Silently elided" in page and DROPPED in page


def test_a_pasted_source_and_a_chosen_file_are_two_sources(server):
    fields = {"release_text": RELEASE, "source_text": SOURCE_HEAD}
    status, _, page = post(server, fields, {"source_file": ("main.txt", SOURCE_MAIN.encode())})
    assert status == 200, page
    _, _, body = post_fields(server, "/download", [*browser_sends(kept_fields(page)), ("format", "json")])
    report = json.loads(body)
    assert report["sources"] == ["source 1 (pasted text)", "main.txt"]
    named = [q["source_name"] for q in report["quotes"] if q["source_name"]]
    assert named.count("source 1 (pasted text)") == 7 and named.count("main.txt") == 7  # the letter's two halves
    assert report["summary"]["verdicts"] == REFERENCE_VERDICTS


def test_more_sources_than_the_cap_are_refused(server):
    sources = [(f"part{n}.txt", SOURCE_MAIN) for n in range(MAX_SOURCES + 1)]
    status, _, page = post_fields(server, "/check", uploads(("release.txt", RELEASE), *sources))
    assert status == 400 and f"At most {MAX_SOURCES} sources can be checked at once; {MAX_SOURCES + 1} were sent." in page
    assert status == 400 and 'role="alert"' in page


def test_the_report_page_offers_check_again_and_downloads_without_script(server):
    status, headers, page = post(server, {"release_text": RELEASE, "source_text": SOURCE})
    assert status == 200
    assert '<form method="post" action="/edit" enctype="multipart/form-data"' in page
    assert '<button type="submit" class="primary">Check again</button>' in page
    for fmt, label in (("html", "HTML"), ("md", "Markdown"), ("json", "JSON")):
        assert f'formaction="/download" name="format" value="{fmt}" aria-describedby="download-label">{label}</button>' in page
    assert dict(kept_fields(page)) == {
        "release_name": "release (pasted text)", "release_text": RELEASE,
        "source_name": "source (pasted text)", "source_text": SOURCE,
    }
    assert "<script" not in page and "src=" not in page
    assert "default-src 'none'" in headers["Content-Security-Policy"] and "form-action 'self'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("html", "text/html; charset=utf-8"), ("md", "text/markdown; charset=utf-8"), ("json", JSON_TYPE)],
)
def test_the_report_downloads_as_the_cli_writes_it(server, case_files, monkeypatch, fmt, content_type):
    """The texts kept on the report page, posted back with a format, give that report as a file."""
    _, _, page = post_fields(server, "/check", uploads(("release.txt", RELEASE), ("source.txt", SOURCE)))
    status, headers, body = post_fields(server, "/download", [*browser_sends(kept_fields(page)), ("format", fmt)])
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Content-Disposition"] == f'attachment; filename="factcheck-report.{fmt}"'
    assert body == cli_output(case_files, monkeypatch, "check", "release.txt", "source.txt", "--format", fmt)
    assert "serve-actions" not in body and "<form" not in body


def test_files_with_windows_line_ends_give_the_same_report_from_the_texts_kept_on_the_page(server):
    """The page reads every text with "\\n" line ends, so the texts a browser posts back (with "\\r\\n") give
    the report of the files themselves, offsets and all."""
    crlf = uploads(("release.txt", RELEASE.replace("\n", "\r\n")), ("source.txt", SOURCE.replace("\n", "\r\n")))
    _, _, page = post_fields(server, "/check", crlf)
    status, _, from_files = post_fields(server, "/download", [*crlf, ("format", "json")])
    assert status == 200 and json.loads(from_files)["summary"]["verdicts"] == REFERENCE_VERDICTS
    for fmt, expected in (("json", from_files), ("html", without_actions(page))):
        status, _, body = post_fields(server, "/download", [*browser_sends(kept_fields(page)), ("format", fmt)])
        assert status == 200 and body == expected


@pytest.mark.parametrize(
    ("extra", "message"),
    [([("format", "pdf")], "Choose the report&#39;s format to download: html, md, json, not &#39;pdf&#39;."), ([], "format to download")],
)
def test_a_download_without_a_known_format_is_refused(server, extra, message):
    _, _, page = post(server, {"release_text": RELEASE, "source_text": SOURCE})
    status, _, form = post_fields(server, "/download", [*kept_fields(page), *extra])
    assert status == 400 and message in form and 'role="alert"' in form
    assert dict(FormFields(form).of("/check"))["release_text"] == RELEASE  # the texts are still there


def test_check_again_gives_the_form_with_the_checked_texts_and_the_same_report(server):
    _, _, page = post(server, {"release_text": RELEASE, "source_text": ""}, {"source_file": ("source.txt", SOURCE.encode())})
    status, _, form = post_fields(server, "/edit", browser_sends(kept_fields(page)))
    assert status == 200 and "The texts of your last check are below" in form
    fields = FormFields(form).of("/check")
    assert dict(fields)["release_text"] == RELEASE
    assert ("source_name", "source.txt") in fields and ("source_text", SOURCE) in fields  # the file's text, in a box
    assert '<label for="source_text">Source 1: source.txt</label>' in form
    assert '<label for="source_text_2">Paste another source</label>' in form  # and room for one more
    # submitted as it is, the form gives the report again, word for word
    unchanged = [*browser_sends(fields), ("release_file", ("", b"")), ("source_file", ("", b""))]
    assert post_fields(server, "/check", unchanged)[2] == page


def test_other_methods_are_refused_with_405_and_the_form_stays_at_its_paths(server):
    for path in ("/edit", "/download", "/check"):
        assert request(server, "GET", path)[0] == 200
    status, headers, _ = request(server, "PUT", "/check", b"x", {"Content-Type": "text/plain"})
    assert status == 405 and headers["Allow"] == "GET, HEAD, POST"
    assert request(server, "POST", "/", b"x", {"Content-Type": "text/plain"})[0] == 404


CONCURRENT = 50


def own_case(number: int) -> tuple[str, str, str]:
    """A release and a source of their own, both naming `code` (and no other request's): the release quotes
    the source's sentence word for word and, for odd numbers, words the source does not have (so the embedder
    is asked for the nearest passage)."""
    code = f"Q{number:03d}Z"
    sentence = f"Attendance at the {code} centre rose to {40 + number} per cent this year"
    release = f"The council said the inspectors found that \u201c{sentence}\u201d."
    if number % 2:
        release += f" Inspectors also said \u201cthe {code} staff celebrate every day with splendid cakes\u201d."
    release += "\n"
    source = f"Inspection letter\n\n{sentence}, and staff are proud of it.\n\nLeaders are ambitious for pupils.\n"
    return code, release, source


def test_50_concurrent_requests_each_get_the_report_of_their_own_input(server):
    """Requests checked at the same time on the server's threads never see one another's input."""
    ready = threading.Barrier(CONCURRENT)

    def check(number: int) -> tuple[int, str]:
        _, release, source = own_case(number)
        fields = {"release_text": release, "source_text": source, "release_file": ("", b""), "source_file": ("", b"")}
        body, content_type = multipart(list(fields.items()))
        ready.wait(30)  # every request sent at once
        status, _, page = request(server, "POST", "/check", body, {"Content-Type": content_type})
        return status, page

    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(pool.map(check, range(CONCURRENT)))
    codes = [own_case(number)[0] for number in range(CONCURRENT)]
    for number, (status, page) in enumerate(answers):
        assert status == 200, page
        assert codes[number] in page
        assert f"rose to {40 + number} per cent" in page
        assert [code for code in codes if code in page] == [codes[number]]
        assert ("splendid cakes" in page) == (number % 2 == 1)
        assert (">Not in source<" in page) == (number % 2 == 1)


# --- the API -------------------------------------------------------------------------------------------------


def named_text(name: str, text: str) -> dict[str, str]:
    return {"name": name, "text": text}


def assert_error(answer, status: int, fragment: str) -> str:
    """The answer is the API's JSON error with this status, its message holding `fragment`; the message."""
    got, headers, body = answer
    assert got == status, body
    assert headers["Content-Type"] == JSON_TYPE
    error = json.loads(body)
    assert list(error) == ["error"] and list(error["error"]) == ["status", "message"]
    assert error["error"]["status"] == status
    assert fragment in error["error"]["message"], error
    assert "Traceback" not in body
    return str(error["error"]["message"])


def test_the_api_answers_json_with_the_report_the_cli_prints(server, case_files, monkeypatch):
    payload = {"release": named_text("release.txt", RELEASE), "sources": [named_text("source.txt", SOURCE)]}
    status, headers, body = post_json(server, payload)
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    assert body == cli_output(case_files, monkeypatch, "check", "release.txt", "source.txt", "--format", "json")
    assert json.loads(body)["summary"]["verdicts"] == REFERENCE_VERDICTS


def test_the_api_takes_texts_as_plain_strings_and_names_them(server):
    status, _, body = post_json(server, {"release": RELEASE, "source": SOURCE})
    assert status == 200, body
    report = json.loads(body)
    assert report["release"] == "release" and report["sources"] == ["source"]
    assert report["summary"]["verdicts"] == REFERENCE_VERDICTS
    status, _, body = post_json(server, {"release": RELEASE, "sources": [SOURCE_HEAD, SOURCE_MAIN]})
    assert status == 200 and json.loads(body)["sources"] == ["source 1", "source 2"]


def test_the_api_matches_each_quotation_against_several_sources_as_the_cli_does(server, case_files, monkeypatch):
    expected = cli_output(case_files, monkeypatch, "check", "release.txt", "head.txt", "main.txt", "--format", "json")
    payload = {
        "release": named_text("release.txt", RELEASE),
        "sources": [named_text("head.txt", SOURCE_HEAD), named_text("main.txt", SOURCE_MAIN)],
    }
    assert post_json(server, payload)[::2] == (200, expected)
    files = [("release", ("release.txt", RELEASE.encode())), ("source", ("head.txt", SOURCE_HEAD.encode())), ("source", ("main.txt", SOURCE_MAIN.encode()))]
    assert post_fields(server, "/api/check", files)[::2] == (200, expected)
    assert {q["source_name"] for q in json.loads(expected)["quotes"]} == {"head.txt", "main.txt", ""}


def test_the_api_takes_uploaded_files_as_multipart(server, case_files, monkeypatch):
    files = [("release", ("release.txt", RELEASE.encode())), ("source", ("source.txt", SOURCE.encode()))]
    status, headers, body = post_fields(server, "/api/check", files)
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    assert body == cli_output(case_files, monkeypatch, "check", "release.txt", "source.txt", "--format", "json")
    # plain text fields (curl -F 'release=<release.txt') are texts too, named as JSON strings are
    status, _, body = post_fields(server, "/api/check", [("release", RELEASE), ("source", SOURCE)])
    assert status == 200 and json.loads(body)["sources"] == ["source"]


def test_the_api_reads_an_uploaded_pdf_as_the_cli_reads_the_file(server, case_files, monkeypatch):
    pytest.importorskip("reportlab", reason="reportlab makes the PDF (test extra)")
    made = make_pdf(SOURCE, case_files / "letter.pdf")
    assert int(made["pages"]) >= 3  # type: ignore[call-overload]
    expected = cli_output(case_files, monkeypatch, "check", "release.txt", "letter.pdf", "--format", "json")
    files = [("release", ("release.txt", RELEASE.encode())), ("source", ("letter.pdf", (case_files / "letter.pdf").read_bytes()))]
    assert post_fields(server, "/api/check", files)[::2] == (200, expected)
    assert json.loads(expected)["summary"]["verdicts"] == REFERENCE_VERDICTS


def test_a_release_without_quotations_is_a_report_from_the_api_too(server):
    status, _, body = post_json(server, {"release": "The council thanked its staff.", "source": SOURCE})
    assert status == 200 and json.loads(body)["summary"]["quotes"] == 0


def test_the_api_options_are_those_of_factcheck_check(server, case_files, monkeypatch):
    expected = cli_output(
        case_files, monkeypatch, "check", "release.txt", "source.txt", "--format", "json",
        "--source-name", "Ofsted inspectors", "--all-unreported",
    )
    default = json.loads(cli_output(case_files, monkeypatch, "check", "release.txt", "source.txt", "--format", "json"))
    assert len(json.loads(expected)["unreported"]) == 46 > len(default["unreported"]) == 8  # the option does something
    payload = {
        "release": named_text("release.txt", RELEASE),
        "sources": [named_text("source.txt", SOURCE)],
        "options": {"source_names": ["Ofsted inspectors"], "all_unreported": True},
    }
    assert post_json(server, payload)[::2] == (200, expected)
    fields = [
        ("release", ("release.txt", RELEASE.encode())), ("source", ("source.txt", SOURCE.encode())),
        ("source_name", "Ofsted inspectors"), ("all_unreported", "true"),
    ]
    assert post_fields(server, "/api/check", fields)[::2] == (200, expected)
    without_name = {**payload, "options": {"all_unreported": True}}
    assert post_json(server, without_name)[2] != expected  # and the source name does something too


def test_the_api_serves_the_report_schema_as_factcheck_schema_prints_it(server, case_files, monkeypatch):
    status, headers, body = request(server, "GET", "/api/schema")
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    assert body == cli_output(case_files, monkeypatch, "schema")
    assert json.loads(body)["title"] == "Report"


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (b"{", 400, "The request is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)."),
        (b"\xff\xfe\x00", 400, "not valid JSON"),
        (b"[" * 100_000, 400, "not valid JSON"),
        (b'["release"]', 400, "The request must be a JSON object with release and sources; it is a list."),
        ({"source": SOURCE}, 400, 'The request has no release: send its text as "release".'),
        ({"release": 3, "source": SOURCE}, 400, "release must be a string (the text)"),
        ({"release": {"text": None}, "source": SOURCE}, 400, "release.text must be a string; it is null."),
        ({"release": RELEASE}, 400, 'The request has no source: send "sources"'),
        ({"release": RELEASE, "sources": SOURCE}, 400, '"sources" must be a list'),
        ({"release": RELEASE, "sources": []}, 400, '"sources" is empty'),
        ({"release": RELEASE, "source": SOURCE, "sources": [SOURCE]}, 400, "not both"),
        ({"release": RELEASE, "sources": [{"title": "x", "text": SOURCE}]}, 400, "Unknown key 'title' in sources[0]"),
        ({"release": RELEASE, "source": SOURCE, "format": "md"}, 400, "Unknown key 'format' in the request"),
        ({"release": RELEASE, "source": SOURCE, "options": {"fail_on": "medium"}}, 400, "Unknown option 'fail_on'"),
        ({"release": RELEASE, "source": SOURCE, "options": {"all_unreported": "yes"}}, 400, "options.all_unreported must be true or false"),
        ({"release": RELEASE, "source": SOURCE, "options": {"source_names": "Ofsted"}}, 400, "options.source_names must be a list of strings"),
        ({"release": RELEASE, "source": SOURCE, "options": ["all_unreported"]}, 400, '"options" must be an object'),
        ({"release": " \n", "source": SOURCE}, 400, "The release is empty."),
        ({"release": RELEASE, "sources": [SOURCE, ""]}, 400, "The source 2 is empty."),
        ({"release": RELEASE, "sources": [named_text("letter.txt", "")]}, 400, "The source letter.txt is empty."),
        ({"release": RELEASE, "source": "PK\x00\x03\x04 not text"}, 400, "binary file"),
        ({"release": RELEASE, "sources": [SOURCE] * (MAX_SOURCES + 1)}, 400, f"At most {MAX_SOURCES} sources"),
        ({"release": RELEASE, "source": "x" * (LIMIT + 1)}, 413, "The source is 20,001 bytes, over the limit of 20,000."),
    ],
)
def test_the_api_refuses_json_it_cannot_use_with_a_json_error(server, payload, status, message):
    assert_error(post_json(server, payload), status, message)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ([("release", RELEASE), ("source", SOURCE), ("colour", "red")], 400, "Unknown field 'colour'"),
        ([("source", SOURCE)], 400, "The request has no release field."),
        ([("release", RELEASE), ("release", RELEASE), ("source", SOURCE)], 400, "Send one release, not 2."),
        ([("release", RELEASE)], 400, "The request has no source field"),
        ([("release", RELEASE), ("source", ("x.bin", b"\x00\x01\x02" * 50))], 400, "x.bin looks like a binary file"),
        ([("release", RELEASE), ("source", ("empty.txt", b""))], 400, "The source file empty.txt is empty."),
        ([("release", RELEASE), ("source", SOURCE), ("all_unreported", "maybe")], 400, "all_unreported must be true or false, not 'maybe'."),
        ([("release", RELEASE), ("source", ("big.txt", b"y" * (LIMIT + 1)))], 413, "The source file big.txt is 20,001 bytes"),
        ([("release", RELEASE), *[("source", SOURCE_MAIN)] * (MAX_SOURCES + 1)], 400, f"At most {MAX_SOURCES} sources"),
    ],
)
def test_the_api_refuses_multipart_it_cannot_use_with_a_json_error(server, fields, status, message):
    assert_error(post_fields(server, "/api/check", fields), status, message)


def test_the_api_refuses_other_content_types_with_415(server):
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        answer = request(server, "POST", "/api/check", urlencode({"release": RELEASE}).encode(), {"Content-Type": content_type})
        assert_error(answer, 415, f"Send application/json or multipart/form-data, not {content_type}.")
    assert_error(request(server, "POST", "/api/check", b"{}"), 415, "not a body without a Content-Type")


def test_the_api_answers_unknown_paths_with_404_and_wrong_methods_with_405(server):
    assert_error(request(server, "GET", "/api/nothing"), 404, "No API at /api/nothing; there are POST /api/check, GET /api/schema.")
    assert_error(post_json(server, {}, "/api/reports"), 404, "No API at /api/reports")
    assert_error(request(server, "GET", "/api"), 404, "No API at /api")
    for method, path, allowed in (("GET", "/api/check", "POST"), ("POST", "/api/schema", "GET"), ("PUT", "/api/check", "POST"), ("DELETE", "/api/schema", "GET")):
        answer = request(server, method, path, b"{}", {"Content-Type": JSON_TYPE})
        assert_error(answer, 405, f"{path} takes {allowed}, not {method}.")
        assert answer[1]["Allow"] == allowed


def test_the_api_needs_a_content_length_and_refuses_one_too_big_before_reading(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 411 " in head.split(b"\r\n", 1)[0]
    assert json.loads(body) == {"error": {"status": 411, "message": "The request did not say how big it is (Content-Length)."}}
    head, body = headers_only(server, "/api/check", JSON_TYPE, server.max_request_bytes + 1)
    assert b" 413 " in head.split(b"\r\n", 1)[0]
    assert json.loads(body)["error"]["status"] == 413 and "over the limit of" in json.loads(body)["error"]["message"]
    assert_error(request(server, "POST", "/api/check", b"{}", {"Content-Type": JSON_TYPE, "Content-Length": "ten"}), 400, "not a number")


def test_the_api_refuses_requests_for_another_host_name(server):
    answer = request(server, "GET", "/api/schema", headers={"Host": "evil.example:8000"})
    assert_error(answer, 400, "answers only requests for 127.0.0.1 or localhost")


class BrokenEmbedder:
    """An embedder that fails as a broken model would, with a message naming a path on this machine."""

    def encode(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("model file /opt/secret/model.onnx is damaged")


def test_an_unexpected_failure_is_a_500_with_a_message_and_no_traceback(settings):
    srv = start(settings, BrokenEmbedder())
    try:
        _, release, source = own_case(1)  # a quotation not in the source: the embedder is asked for the nearest passage
        message = assert_error(post_json(srv, {"release": release, "source": source}), 500, "factcheck failed unexpectedly (RuntimeError)")
        assert "secret" not in message
        status, _, page = post(srv, {"release_text": release, "source_text": source})
        assert status == 500 and "factcheck failed unexpectedly (RuntimeError)" in page and "secret" not in page
        assert "Traceback" not in page
    finally:
        srv.shutdown()
        srv.server_close()
