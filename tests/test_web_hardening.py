"""`factcheck serve` against clients that misbehave, on a real uvicorn server in a thread: bodies over the limit
(declared by Content-Length or sent in chunks), clients that stall while sending their headers or their body,
malformed requests, more requests than the server takes at once, 50 requests at once each answered with its
own report, the security headers on every answer, and the loopback address by default."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import uvicorn
from typer.testing import CliRunner

from factcheck.cli import Injected, app
from factcheck.config import LimitSettings, Settings
from factcheck.embed import Embedder
from factcheck.errors import ServeAddressError
from factcheck.web import FactcheckServer, ServeLimits, make_server
from tests.fakes import HashingEmbedder
from tests.test_web import LIMIT, RELEASE, SOURCE, multipart, own_case

SHORT = 0.5  # seconds: the header and body timeouts of the `strict` server
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def serving(settings: Settings, embedder: Embedder, limits: ServeLimits | None = None) -> FactcheckServer:
    """A server on a free port, serving from a thread: returned once uvicorn has started."""
    small = settings.model_copy(update={"limits": LimitSettings(max_input_bytes=LIMIT)})
    srv = make_server("127.0.0.1", 0, small, embedder=embedder, quiet=True, limits=limits)
    assert isinstance(srv.uvicorn, uvicorn.Server)
    threading.Thread(target=srv.serve_forever, name=f"serve:{srv.port}", daemon=True).start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    return srv


def stop(srv: FactcheckServer) -> None:
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def strict(settings) -> Iterator[FactcheckServer]:
    """A server with short timeouts, for the clients that stall."""
    srv = serving(settings, HashingEmbedder(), ServeLimits(header_timeout=SHORT, body_timeout=SHORT, keep_alive_timeout=1))
    try:
        yield srv
    finally:
        stop(srv)


@pytest.fixture(scope="module")
def server(settings) -> Iterator[FactcheckServer]:
    """A server with the default limits."""
    srv = serving(settings, HashingEmbedder())
    try:
        yield srv
    finally:
        stop(srv)


class Answer:
    """An HTTP answer read from a raw socket: the status, the headers (names in lower case) and the body."""

    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split(" ", 2)[1])
        self.headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}

    def error(self) -> dict[str, object]:
        """The API's JSON error body: {"status": ..., "message": ...}."""
        assert self.headers["content-type"] == "application/json"
        body = json.loads(self.body)
        assert list(body) == ["error"]
        assert body["error"]["status"] == self.status
        return dict(body["error"])


def read_to_close(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset after its answer counts as closing)."""
    raw = b""
    try:
        while chunk := sock.recv(65536):
            raw += chunk
    except ConnectionResetError:
        pass
    return raw


def exchange(srv: FactcheckServer, data: bytes) -> Answer:
    """Sends `data` as it is, then reads the answer until the server closes the connection (the socket's timeout
    fails the test if it never does)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(data)
        return Answer(read_to_close(sock))


def head(path: str, *headers: str) -> bytes:
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]).encode()


def chunked(body: bytes, size: int = 8192) -> bytes:
    """`body` in chunks of `size` bytes, without the last, empty chunk that ends it."""
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size))


def json_request(release: str, source: str) -> bytes:
    return json.dumps({"release": release, "source": source}).encode()


# --- size: declared and streamed -----------------------------------------------------------------------------


def test_a_chunked_body_within_the_limit_is_read_and_checked_like_any_other(server):
    body = json_request(RELEASE, SOURCE)
    declared = exchange(server, head("/api/check", "Content-Type: application/json", f"Content-Length: {len(body)}", "Connection: close") + body)
    streamed = exchange(server, head("/api/check", "Content-Type: application/json", "Transfer-Encoding: chunked", "Connection: close") + chunked(body) + b"0\r\n\r\n")
    assert declared.status == streamed.status == 200
    assert streamed.body == declared.body and json.loads(streamed.body)["summary"]["quotes"] == 19


def test_a_chunked_body_over_the_limit_is_refused_as_soon_as_it_passes_it(server):
    """The body never ends (no last chunk): the answer comes once the bytes read pass the limit."""
    over = b"x" * (server.max_request_bytes + 1)
    answer = exchange(server, head("/api/check", "Content-Type: application/json", "Transfer-Encoding: chunked") + chunked(over))
    assert answer.status == 413 and answer.headers["connection"] == "close"
    assert answer.error()["message"] == (
        f"The request is more than {server.max_request_bytes:,} bytes, over the limit of {server.max_request_bytes:,} "
        "(20 kB for each input, and at most 8 sources)."
    )
    page = exchange(server, head("/check", "Content-Type: multipart/form-data; boundary=x", "Transfer-Encoding: chunked") + chunked(over))
    assert page.status == 413 and b"over the limit of" in page.body and b'role="alert"' in page.body


def test_a_content_length_over_the_limit_is_refused_before_any_of_the_body_is_sent(server):
    answer = exchange(server, head("/api/check", "Content-Type: application/json", f"Content-Length: {server.max_request_bytes + 1}"))
    assert answer.status == 413 and answer.headers["connection"] == "close"
    assert f"The request is {server.max_request_bytes + 1:,} bytes, over the limit" in str(answer.error()["message"])


# --- slow clients --------------------------------------------------------------------------------------------


def test_a_client_that_sends_its_headers_then_stalls_is_cut_off_with_408(strict):
    """Headers that promise 1,000 bytes, and 10 of them: the answer comes at the body timeout, and the
    connection is closed (the socket's own timeout, 10 s, would fail the test)."""
    answer = exchange(strict, head("/api/check", "Content-Type: application/json", "Content-Length: 1000") + b'{"release"')
    assert answer.status == 408 and answer.headers["connection"] == "close"
    assert answer.error()["message"] == f"The request did not arrive in full within {SHORT:g} seconds."
    page = exchange(strict, head("/check", "Content-Type: multipart/form-data; boundary=x", "Transfer-Encoding: chunked") + b"5\r\n--x\r\n")
    assert page.status == 408 and b"did not arrive in full" in page.body and b'role="alert"' in page.body


@pytest.mark.parametrize("sent", [b"", b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"], ids=["nothing", "half the headers"])
def test_a_client_that_stalls_before_its_headers_end_is_cut_off_with_408(strict, sent):
    answer = exchange(strict, sent)
    assert answer.status == 408 and answer.headers["connection"] == "close"
    assert answer.body == f"The request's headers did not arrive within {SHORT:g} seconds.\n".encode()
    assert {name: answer.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout_without_an_answer(strict):
    """The header timeout (0.5 s) is shorter than the keep-alive one (1 s): it counts from a request's first
    byte, so a connection idle between requests gets no 408, only the close."""
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as sock:
        sock.sendall(b"GET /api/schema HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # keep-alive, as HTTP/1.1 is
        raw = read_to_close(sock)  # the answer, then the close once the connection has been idle for 1 s
    answer = Answer(raw)
    assert answer.status == 200 and len(answer.body) == int(answer.headers["content-length"])
    assert json.loads(answer.body)["title"] == "Report"


def test_a_later_request_on_a_kept_connection_must_send_its_headers_in_time_too(strict):
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as sock:
        sock.sendall(b"GET /api/schema HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/sch")  # the second, half sent
        raw = read_to_close(sock)
    first = Answer(raw)
    length = int(first.headers["content-length"])
    assert first.status == 200 and json.loads(first.body[:length])["title"] == "Report"
    second = Answer(first.body[length:])
    assert second.status == 408 and second.body == f"The request's headers did not arrive within {SHORT:g} seconds.\n".encode()


# --- malformed requests --------------------------------------------------------------------------------------


def boundary_body(parts: bytes) -> bytes:
    return parts.replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    ("content_type", "body", "status", "message"),
    [
        ("multipart/form-data", b"--x\r\n\r\n--x--\r\n", 400, "The form could not be read: its Content-Type names no multipart boundary."),
        ("multipart/form-data; boundary=x", b"this is not multipart at all", 400, "it is not valid multipart/form-data"),
        ("multipart/form-data; boundary=x", b"", 400, "The form could not be read: a multipart request without parts."),
        (
            "multipart/form-data; boundary=x",
            boundary_body(b'--x\nContent-Disposition: form-data; name="release"\n\nsome text\n--x\nContent-Disposition: form-data; name="source"\n\nand no closing'),
            400,
            "The form could not be read: it ends before its closing boundary.",
        ),
        ("application/json", b'{"release": "a", "source": ', 400, "The request is not valid JSON: Expecting value (line 1, column 28)."),
        ("application/json", b"\x89PNG\r\n\x1a\n", 400, "The request is not valid JSON: it is not UTF-8 text"),
        ("text/csv", b"release,source\n", 415, "Send application/json or multipart/form-data, not text/csv."),
        ("application/x-www-form-urlencoded", b"release=a&source=b", 415, "not application/x-www-form-urlencoded"),
    ],
)
def test_a_malformed_api_request_is_a_json_error(server, content_type, body, status, message):
    answer = exchange(server, head("/api/check", f"Content-Type: {content_type}", f"Content-Length: {len(body)}", "Connection: close") + body)
    assert answer.status == status
    assert message in str(answer.error()["message"])


def test_a_malformed_form_gives_the_form_again_with_the_message(server):
    body = b"this is not multipart at all"
    answer = exchange(server, head("/check", "Content-Type: multipart/form-data; boundary=x", f"Content-Length: {len(body)}", "Connection: close") + body)
    assert answer.status == 400 and b'role="alert"' in answer.body and b"not valid multipart/form-data" in answer.body
    assert b'<form method="post" action="/check"' in answer.body


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (head("/api/check", "Content-Type: application/json", "Content-Length: 12x") + b"{}", "The request's Content-Length is not a number."),
        (head("/api/check", "Content-Type: application/json", "Transfer-Encoding: chunked") + b"zz\r\n{}\r\n", "not valid HTTP/1.1"),
        (b"POST /api/check HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", "not valid HTTP/1.1"),
    ],
    ids=["content-length not a number", "bad chunk size", "header without colon"],
)
def test_a_request_the_http_parser_refuses_is_answered_as_the_api_answers_errors(server, sent, message):
    answer = exchange(server, sent)
    assert answer.status == 400 and answer.headers["connection"] == "close"
    assert message in str(answer.error()["message"])
    assert {name: answer.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_a_request_the_http_parser_refuses_is_answered_in_plain_text_outside_the_api(server):
    answer = exchange(server, b"POST /check HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")
    assert answer.status == 400 and answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.body == b"The request could not be read: it is not valid HTTP/1.1.\n"
    assert {name: answer.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


# --- how many at once ----------------------------------------------------------------------------------------


class GatedEmbedder:
    """The fake embedder, whose first call waits until the test opens the gate: a check held in its worker
    thread, to fill the server's slots. Records the threads it was called on."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.threads: set[int] = set()

    def encode(self, texts: list[str]) -> np.ndarray:
        self.threads.add(threading.get_ident())
        if not self.entered.is_set():
            self.entered.set()
            assert self.gate.wait(30)
        return self.inner.encode(texts)


def test_requests_beyond_the_checks_running_and_waiting_are_refused_with_503_and_the_rest_answered(settings):
    embedder = GatedEmbedder()
    srv = serving(settings, embedder, ServeLimits(checks_at_once=1, checks_waiting=1))
    loop_thread = next(thread.ident for thread in threading.enumerate() if thread.name == f"serve:{srv.port}")
    try:
        requests = [json_request(*own_case(number)[1:]) for number in (1, 3)]  # each quotes words its source lacks

        def send(body: bytes) -> Answer:
            return exchange(srv, head("/api/check", "Content-Type: application/json", f"Content-Length: {len(body)}", "Connection: close") + body)

        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(send, requests[0])
            assert embedder.entered.wait(10)  # the first is being checked, and holds the one slot
            second = pool.submit(send, requests[1])
            deadline = time.monotonic() + 10
            while srv.app.slots.taken < 2:  # the second has been admitted, and waits for the slot
                assert time.monotonic() < deadline
                time.sleep(0.01)
            refused = send(requests[0])
            assert refused.status == 503 and refused.headers["retry-after"] == "1"
            assert "factcheck serve is busy: 2 requests are being checked or waiting" in str(refused.error()["message"])
            page = exchange(srv, head("/check", "Content-Type: multipart/form-data; boundary=x", "Content-Length: 0", "Connection: close"))
            assert page.status == 503 and b'role="alert"' in page.body and b"is busy" in page.body
            embedder.gate.set()
            answers = [first.result(30), second.result(30)]
        for number, answer in zip((1, 3), answers):
            assert answer.status == 200
            quoted = [quote["text"] for quote in json.loads(answer.body)["quotes"]]
            assert all(own_case(number)[0] in quote for quote in quoted) and len(quoted) == 2
        assert srv.app.slots.taken == 0
        assert loop_thread not in embedder.threads and threading.main_thread().ident not in embedder.threads
    finally:
        embedder.gate.set()
        stop(srv)


CONCURRENT = 50


def test_50_concurrent_api_requests_are_each_answered_with_the_report_of_their_own_release(server):
    """Fifty different releases sent at once: each answer is the report of its own release, byte for byte the
    one the same request gets alone."""
    bodies = [json_request(*own_case(number)[1:]) for number in range(CONCURRENT)]
    ready = threading.Barrier(CONCURRENT)

    def send(body: bytes) -> Answer:
        ready.wait(30)
        return exchange(server, head("/api/check", "Content-Type: application/json", f"Content-Length: {len(body)}", "Connection: close") + body)

    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(pool.map(send, bodies))
    codes = [own_case(number)[0] for number in range(CONCURRENT)]
    for number, answer in enumerate(answers):
        assert answer.status == 200, answer.body
        report = json.loads(answer.body)
        assert [code for code in codes if code in answer.body.decode()] == [codes[number]]
        assert report["quotes"][0]["text"] == f"Attendance at the {codes[number]} centre rose to {40 + number} per cent this year"
        assert len(report["quotes"]) == 1 + number % 2
    for number in (0, 1, 49):  # and each is what the request gets alone
        assert exchange(server, head("/api/check", "Content-Type: application/json", f"Content-Length: {len(bodies[number])}", "Connection: close") + bodies[number]).body == answers[number].body


# --- every answer --------------------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(server):
    form, content_type = multipart([("release_text", RELEASE), ("source_text", SOURCE), ("release_file", ("", b"")), ("source_file", ("", b""))])
    sent = {
        "the form": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "a report": head("/check", f"Content-Type: {content_type}", f"Content-Length: {len(form)}", "Connection: close") + form,
        "an API error": head("/api/check", "Content-Type: application/json", "Content-Length: 2", "Connection: close") + b"[]",
        "404": b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "405": b"DELETE /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "411": head("/api/check", "Content-Type: application/json", "Connection: close"),
        "another host": b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    }
    statuses = {}
    for what, data in sent.items():
        answer = exchange(server, data)
        statuses[what] = answer.status
        assert {name: answer.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, what
    assert statuses == {"the form": 200, "a report": 200, "an API error": 400, "404": 404, "405": 405, "411": 411, "another host": 400}


# --- where it listens ----------------------------------------------------------------------------------------


def test_an_address_other_machines_reach_is_refused_unless_allowed(settings):
    with pytest.raises(ServeAddressError, match="0.0.0.0 is not a loopback address"):
        make_server("0.0.0.0", 0, settings, embedder=HashingEmbedder(), quiet=True)
    srv = make_server("0.0.0.0", 0, settings, embedder=HashingEmbedder(), quiet=True, allow_remote=True)
    try:
        assert srv.host == "0.0.0.0" and not srv.loopback
    finally:
        srv.server_close()
    srv = make_server("localhost", 0, settings, embedder=HashingEmbedder(), quiet=True)
    try:
        assert srv.loopback and srv.host == "127.0.0.1"
    finally:
        srv.server_close()


def test_the_cli_refuses_a_public_host_without_allow_remote_in_one_line():
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"], obj=Injected(embedder_factory=HashingEmbedder))
    assert result.exit_code == 2
    assert "0.0.0.0 is not a loopback address" in result.output and "--allow-remote" in result.output
    assert "Traceback" not in result.output
