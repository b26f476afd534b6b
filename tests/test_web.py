"""`factcheck serve` (factcheck/web.py) over HTTP: the form, pasted and uploaded inputs, errors (400), size
limits (413), escaping, and no file left behind."""

from __future__ import annotations

import http.client
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from factcheck.config import LimitSettings
from tests.fakes import HashingEmbedder
from factcheck.web import FORM_OVERHEAD, FactcheckServer, make_server
from tests.conftest import SAMPLES

CASE = SAMPLES / "birmingham-2021"
RELEASE = (CASE / "release.txt").read_text(encoding="utf-8")
SOURCE = (CASE / "source.txt").read_text(encoding="utf-8")
DROPPED = "Take-up, however, remains too low"
LIMIT = 20_000  # bytes per input in these tests (the reference case's source is about 11 kB)


@pytest.fixture(scope="module")
def server(settings) -> Iterator[FactcheckServer]:
    small = settings.model_copy(update={"limits": LimitSettings(max_input_bytes=LIMIT)})
    srv = make_server("127.0.0.1", 0, small, embedder=HashingEmbedder(), quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def request(server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        conn.close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it (an empty file part when no file is chosen)."""
    boundary = f"----factcheck{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    for name, (filename, data) in (files or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(server, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None, **headers: str):
    files = {"release_file": ("", b""), "source_file": ("", b""), **(files or {})}
    body, content_type = multipart(fields, files)
    return request(server, "POST", "/check", body, {"Content-Type": content_type, **headers})


def test_get_serves_a_self_contained_accessible_form(server):
    status, headers, page = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<form method="post" action="/check" enctype="multipart/form-data"' in page
    for field in ("release_text", "source_text"):
        assert f'<label for="{field}">' in page and f'<textarea id="{field}" name="{field}"' in page
    for field in ("release_file", "source_file"):
        assert f'<label for="{field}">' in page and f'<input type="file" id="{field}" name="{field}"' in page
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


def test_a_request_too_big_is_refused_by_its_content_length_before_it_is_read(server):
    declared = 2 * LIMIT + FORM_OVERHEAD + 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"POST /check HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {declared}\r\n\r\n".encode()
        )  # and not a byte of the body: the answer must come anyway
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, page = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 413") or head.startswith(b"HTTP/1.1 413")
    assert b"over the limit" in page


def test_a_request_without_content_length_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall("POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode())
        answer = sock.recv(65536)
    assert b" 411 " in answer.split(b"\r\n", 1)[0]


def test_hostile_input_is_escaped(server):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    release = f"Ofsted said: \u201cMost children {attack} are well.\u201d\n"
    files = {"release_file": (attack.replace('"', "%22") + ".txt", release.encode())}  # as browsers send a name
    status, _, page = post(server, {"release_text": "", "source_text": SOURCE}, files)
    assert status == 200
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
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
    start = threading.Barrier(CONCURRENT)

    def check(number: int) -> tuple[int, str]:
        _, release, source = own_case(number)
        body, content_type = multipart(
            {"release_text": release, "source_text": source}, {"release_file": ("", b""), "source_file": ("", b"")}
        )
        start.wait(30)  # every request sent at once
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
