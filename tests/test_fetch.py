"""Fetching http(s) URLs: a local server on 127.0.0.1 only (no test reaches any other address)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import factcheck
from factcheck.config import Settings, load_settings
from tests.fakes import HashingEmbedder
from factcheck.errors import BlockedURLError, FetchError, InputTooLargeError
from factcheck.inputs import address_problem, check_url, is_url, load, read_input
from factcheck.inputs import fetch as fetch_module
from factcheck.inputs.fetch import fetch

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "samples" / "birmingham-2021"
PAGE = (
    "<!doctype html><html><head><title>Trust news</title></head><body><nav><a href='/'>Home</a></nav>"
    "<article><h1>Improvement continues</h1><p>Inspectors found \u2018most children in care benefit from "
    "living with settled carers who meet their needs\u2019.</p><p>A second paragraph of the article, long "
    "enough to look like the main text of the page rather than a menu.</p></article>"
    "<footer>Copyright</footer></body></html>"
).encode("utf-8")
STOP = threading.Event()  # ends the slow handlers when the server is torn down


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass

    def send_body(self, body: bytes, content_type: str, length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path
        if path == "/page":
            self.send_body(PAGE, "text/html; charset=utf-8")
        elif path == "/release":
            self.send_body(self.server.release, "text/html; charset=utf-8")  # type: ignore[attr-defined]
        elif path == "/plain":
            self.send_body((CASE / "source.txt").read_bytes(), "text/plain")
        elif path == "/big":
            self.send_body(b"x" * 300_000, "text/plain")
        elif path == "/big-no-length":  # no Content-Length: the cap must count while reading
            self.send_body(b"y" * 300_000, "text/plain", length=False)
        elif path == "/slow":
            STOP.wait(3.0)
            self.send_body(PAGE, "text/html")
        elif path == "/drip":  # headers at once, then a byte every 0.1 s: only a deadline stops this
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                if STOP.wait(0.1):
                    return
                try:
                    self.wfile.write(b"z")
                    self.wfile.flush()
                except OSError:
                    return
        elif path.startswith("/loop/"):
            self.redirect(f"/loop/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self.redirect(f"/chain/{left - 1}" if left else "/page")
        elif path == "/elsewhere":  # a redirect to another loopback address, which the test's policy refuses
            self.redirect(f"http://127.0.0.2:{self.server.server_address[1]}/page")
        elif path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_formats import RELEASE, make_html  # the same news page as the HTML format test

    html_path = tmp_path_factory.mktemp("page") / "release.html"
    make_html(RELEASE, html_path)
    STOP.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.release = html_path.read_bytes()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STOP.set()
    httpd.shutdown()
    httpd.server_close()


def with_limits(**changes: object) -> Settings:
    settings = load_settings()
    return settings.model_copy(update={"limits": settings.limits.model_copy(update=changes)})


ALLOW = {"allow_private_urls": True}


def test_private_address_refused_by_default(server: str) -> None:
    assert load_settings().limits.allow_private_urls is False
    with pytest.raises(BlockedURLError, match=r"127\.0\.0\.1 is a loopback address.*allow_private_urls"):
        fetch(server + "/page", load_settings())
    with pytest.raises(BlockedURLError, match="loopback"):
        load(server + "/page")
    with pytest.raises(BlockedURLError, match=r"localhost \((127\.0\.0\.1|::1)\) is a loopback address"):
        check_url("http://localhost:9/x", allow_private=False)


def test_allowed_with_allow_private_urls(server: str) -> None:
    got = fetch(server + "/page", with_limits(**ALLOW))
    assert got.data == PAGE and got.content_type == "text/html; charset=utf-8"
    name, text = read_input(server + "/page", with_limits(**ALLOW))
    assert name == server + "/page"
    assert "settled carers" in text and "Home" not in text and "Copyright" not in text
    assert "\n\nA second paragraph" in text
    doc = load(server + "/page", with_limits(**ALLOW))
    assert doc.name == server + "/page" and doc.text == text


def test_fetched_release_gives_the_same_verdicts(server: str) -> None:
    settings = with_limits(**ALLOW)
    fake = HashingEmbedder()
    files = factcheck.check(CASE / "release.txt", CASE / "source.txt", embedder=fake, settings=settings)
    urls = factcheck.check(server + "/release", server + "/plain", embedder=fake, settings=settings)
    assert [(" ".join(q.text.split()), q.verdict) for q in urls.quotes] == [
        (" ".join(q.text.split()), q.verdict) for q in files.quotes
    ]
    assert urls.release == server + "/release"


def test_response_over_the_size_cap_refused(server: str) -> None:
    small = with_limits(max_input_bytes=100_000, **ALLOW)
    with pytest.raises(InputTooLargeError, match="300,000 bytes, over the limit of 100,000"):
        fetch(server + "/big", small)
    with pytest.raises(InputTooLargeError, match="over the limit of 100,000 bytes"):
        fetch(server + "/big-no-length", small)
    assert len(fetch(server + "/big-no-length", with_limits(**ALLOW)).data) == 300_000


def test_timeout_honoured(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no complete answer within 0\.5 s"):
        fetch(server + "/slow", with_limits(fetch_timeout=0.5, **ALLOW))
    assert time.monotonic() - started < 2.0
    started = time.monotonic()  # a server that trickles bytes is stopped by the overall deadline
    with pytest.raises(FetchError, match="no complete answer"):
        fetch(server + "/drip", with_limits(fetch_timeout=1.0, **ALLOW))
    assert time.monotonic() - started < 3.0


def test_redirects_capped(server: str) -> None:
    # /chain/N redirects N + 1 times: to /chain/N-1, ..., /chain/0, then /page
    assert fetch(server + "/chain/2", with_limits(**ALLOW)).url == server + "/page"
    assert fetch(server + "/chain/4", with_limits(**ALLOW)).data == PAGE  # exactly the limit of 5
    with pytest.raises(FetchError, match=r"more than 5 redirects"):
        fetch(server + "/chain/5", with_limits(**ALLOW))
    with pytest.raises(FetchError, match=r"more than 2 redirects"):
        fetch(server + "/loop/0", with_limits(max_redirects=2, **ALLOW))


def test_every_redirect_is_checked(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy that allows 127.0.0.1 only: the redirect to 127.0.0.2 must be refused before connecting."""
    real = fetch_module.address_problem

    def only_127_0_0_1(ip):  # type: ignore[no-untyped-def]
        return None if str(ip) == "127.0.0.1" else (real(ip) or "forbidden")

    monkeypatch.setattr(fetch_module, "address_problem", only_127_0_0_1)
    assert fetch(server + "/page", load_settings()).data == PAGE
    with pytest.raises(BlockedURLError, match=r"127\.0\.0\.2 is a loopback address"):
        fetch(server + "/elsewhere", load_settings())


def test_errors_and_address_rules(server: str) -> None:
    import ipaddress

    with pytest.raises(FetchError, match="404"):
        fetch(server + "/missing", with_limits(**ALLOW))
    with pytest.raises(FetchError, match="only http and https"):
        check_url("ftp://127.0.0.1/x", allow_private=True)
    for address, problem in [
        ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("172.16.5.4", "private"),
        ("127.0.0.1", "loopback"), ("169.254.169.254", "link-local"), ("::1", "loopback"),
        ("fe80::1", "link-local"), ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"), ("0.0.0.0", "private"), ("100.64.0.1", "non-public"),
        ("224.0.0.1", "multicast"), ("240.0.0.1", "private"), ("8.8.8.8", None), ("2606:4700::1111", None),
    ]:
        assert address_problem(ipaddress.ip_address(address)) == problem, address
    assert is_url("https://example.org/a?b=1")
    assert not is_url("https://example.org/a b") and not is_url("x.txt")
