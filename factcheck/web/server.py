"""The HTTP server of `factcheck serve`: the standard library's ThreadingHTTPServer, one handler routing the page
(factcheck/web/page.py) and the API (factcheck/web/api.py), request bodies read only after their
Content-Length is checked, and the same security headers on every answer."""

from __future__ import annotations

import ipaddress
import socket
import sys
import tempfile
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from factcheck.config import Settings, load_settings
from factcheck.embed import Embedder, default_embedder
from factcheck.web import api
from factcheck.web.fields import Field, parse_fields
from factcheck.web.page import (
    DOWNLOADS,
    download_format,
    form_submission,
    kept_inputs,
    render_form,
    report_page,
)
from factcheck.web.submission import MAX_SOURCES, error_status, human_size, max_request_bytes, run

HTML = "text/html; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}
FORM_PATHS = ("/", "/index.html", "/check", "/edit", "/download")  # GET: the form
POSTED_PAGES = ("/check", "/edit", "/download")
API_ROUTES = {"/api/check": "POST", "/api/schema": "GET"}  # path -> its one method


class SerialEmbedder:
    """One embedder shared by the server's threads, used by one request at a time (so it loads once)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.encode(texts)


class FactcheckServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # Connections waiting to be accepted: socketserver's 5 had the kernel reset a burst of simultaneous ones.
    request_queue_size = 64

    def __init__(
        self, host: str, port: int, settings: Settings, embedder: Embedder | None = None, quiet: bool = False
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.settings = settings
        self.embedder = SerialEmbedder(embedder or default_embedder(settings.embedding))
        self.quiet = quiet
        super().__init__((host, port), Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def max_request_bytes(self) -> int:
        return max_request_bytes(self.settings)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    quiet: bool = False,
) -> FactcheckServer:
    """A server bound to host:port (port 0 picks a free one), not yet serving: call serve_forever()."""
    return FactcheckServer(host, port, settings or load_settings(), embedder, quiet)


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@dataclass(frozen=True)
class Answer:
    status: HTTPStatus
    body: str
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


class Handler(BaseHTTPRequestHandler):
    server: FactcheckServer
    server_version = "factcheck"
    sys_version = ""
    timeout = 120  # seconds a client may stall while sending

    # --- answers ----------------------------------------------------------------------------------------

    def _send(self, answer: Answer) -> None:
        data = answer.body.encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for name, value in answer.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _refusal(self, api_path: bool, status: HTTPStatus, message: str, allow: str = "") -> Answer:
        """An error as the API's JSON body, or as the form with the message."""
        headers = (("Allow", allow),) if allow else ()
        if api_path:
            return Answer(status, api.error_body(status, message), api.JSON, headers)
        return Answer(status, render_form(self.server.settings, message), HTML, headers)

    def _not_here(self, path: str) -> Answer:
        """404 for a path nobody serves, 405 (naming the method that works) for a wrong method on one."""
        if is_api(path):
            if path in API_ROUTES:
                allowed = API_ROUTES[path]
                return self._refusal(
                    True, HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {allowed}, not {self.command}.", allowed
                )
            routes = ", ".join(f"{method} {route}" for route, method in API_ROUTES.items())
            return self._refusal(True, HTTPStatus.NOT_FOUND, f"No API at {path}; there are {routes}.")
        if self.command == "POST" or path not in FORM_PATHS:
            return Answer(HTTPStatus.NOT_FOUND, "Not found. The form is at /; post it to /check.\n", PLAIN)
        allow = "GET, HEAD, POST" if path in POSTED_PAGES else "GET, HEAD"
        return Answer(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {allow}, not {self.command}.\n", PLAIN, (("Allow", allow),))

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"factcheck serve: {self.address_string()} {format % args}\n")

    # --- requests ---------------------------------------------------------------------------------------

    def _host_ok(self, path: str) -> bool:
        """On a loopback address, only requests naming a loopback host (no DNS rebinding)."""
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        if not host:
            return True
        if host.startswith("["):
            host = host[: host.find("]") + 1]
        elif host.count(":") == 1:
            host = host.rsplit(":", 1)[0]
        if host in LOOPBACK_NAMES:
            return True
        self.close_connection = True
        message = "factcheck serve answers only requests for 127.0.0.1 or localhost."
        if is_api(path):
            self._send(self._refusal(True, HTTPStatus.BAD_REQUEST, message))
        else:
            self._send(Answer(HTTPStatus.BAD_REQUEST, message + "\n", PLAIN))
        return False

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not self._host_ok(path):
            return
        if path == "/api/schema":
            self._send(Answer(HTTPStatus.OK, api.schema(), api.JSON))
        elif path in FORM_PATHS:
            self._send(Answer(HTTPStatus.OK, render_form(self.server.settings)))
        else:
            self._send(self._not_here(path))

    def do_HEAD(self) -> None:
        self.do_GET()

    def _other_method(self) -> None:
        path = urlsplit(self.path).path
        self.close_connection = True  # its body, if any, is never read
        if self._host_ok(path):
            self._send(self._not_here(path))

    do_PUT = do_DELETE = do_PATCH = _other_method

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if not self._host_ok(path):
            return
        if path not in POSTED_PAGES and path != "/api/check":
            self.close_connection = True
            self._send(self._not_here(path))
            return
        body = self._body(is_api(path))
        if body is not None:
            self._send(self._answer(path, body))

    def _body(self, api_path: bool) -> bytes | None:
        """The request's body, read once its Content-Length is known and within the limit; None when it was
        refused (the refusal is sent) or the connection failed."""
        length, refusal = self._content_length()
        if refusal is None:
            body = self._read(length)
            if body is None:  # the connection failed: nobody to answer
                return None
            if len(body) == length:
                return body
            refusal = (HTTPStatus.BAD_REQUEST, "The request ended before all of it arrived.")
        self.close_connection = True
        self._send(self._refusal(api_path, *refusal))
        return None

    def _content_length(self) -> tuple[int, tuple[HTTPStatus, str] | None]:
        """The body's length, or the status and message that refuse the request without reading it."""
        length_header = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length_header is None:
            return 0, (HTTPStatus.LENGTH_REQUIRED, "The request did not say how big it is (Content-Length).")
        if not length_header.strip().isdigit():
            return 0, (HTTPStatus.BAD_REQUEST, "The request's Content-Length is not a number.")
        length, limit = int(length_header), self.server.max_request_bytes
        if length > limit:
            each = human_size(self.server.settings.limits.max_input_bytes)
            message = (
                f"The request is {length:,} bytes, over the limit of {limit:,} "
                f"({each} for each input, and at most {MAX_SOURCES} sources)."
            )
            return length, (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, message)
        return length, None

    def _read(self, length: int) -> bytes | None:
        chunks: list[bytes] = []
        remaining = length
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except (TimeoutError, OSError):
            self.close_connection = True
            return None
        return b"".join(chunks)

    def _answer(self, path: str, body: bytes) -> Answer:
        """The answer to a posted page or API request; an error the request ran into becomes the form with its
        message (and the texts that were pasted), or the API's JSON error. Never a traceback."""
        api_path = is_api(path)
        content_type = self.headers.get("Content-Type", "")
        settings = self.server.settings
        fields: list[Field] = []
        with tempfile.TemporaryDirectory(prefix="factcheck-serve-"):
            # The only place a file may be written while the request runs; removed before the answer is sent.
            try:
                if api_path:
                    return Answer(HTTPStatus.OK, api.check(content_type, body, settings, self.server.embedder), api.JSON)
                fields = parse_fields(content_type, body)
                return self._page(path, fields)
            except Exception as e:  # noqa: BLE001 - answer with a message, keep serving
                status = error_status(e)
                message = str(e)
                if status == HTTPStatus.INTERNAL_SERVER_ERROR:
                    traceback.print_exc(file=sys.stderr)
                    message = f"factcheck failed unexpectedly ({type(e).__name__}). The details are in the server's log."
                if api_path:
                    return Answer(status, api.error_body(status, message), api.JSON)
                return Answer(status, render_form(settings, message, kept_inputs(fields)))

    def _page(self, path: str, fields: Sequence[Field]) -> Answer:
        settings, embedder = self.server.settings, self.server.embedder
        if path == "/edit":  # check again: the form, filled in with the texts posted from the report page
            return Answer(HTTPStatus.OK, render_form(settings, inputs=kept_inputs(fields)))
        chosen = download_format(fields) if path == "/download" else "html"
        submission = form_submission(fields, settings)
        text = run(submission, (chosen,), settings, embedder).texts[chosen]
        if path == "/download":
            content_type, filename = DOWNLOADS[chosen]
            return Answer(HTTPStatus.OK, text, content_type, (("Content-Disposition", f'attachment; filename="{filename}"'),))
        return Answer(HTTPStatus.OK, report_page(text, submission))
