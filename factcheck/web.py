"""`factcheck serve`: a local page where a person pastes or uploads a release and its source and gets the HTML
report. A thin shell over factcheck.check() and render_html(), on the standard library only
(http.server.ThreadingHTTPServer; multipart forms parsed with email.parser).

- GET /        the form: two text areas and two file inputs (a chosen file wins over pasted text).
- POST /check  the HTML report (200), or the form again with an escaped message: 400 for input factcheck
               cannot use (empty, binary), 413 for input over limits.max_input_bytes.

Requests bigger than two inputs at the limit are refused by their Content-Length before they are read (413).
Pasted text is only ever used as text, never as a path, and uploads are passed to the library as bytes or text;
each request runs inside a tempfile.TemporaryDirectory that is removed when it ends, and nothing is written
anywhere else. Nothing is fetched from the network. The embedding model is loaded at most once per server
process (factcheck.embed.default_embedder), and used by one request at a time; `make_server(embedder=...)` puts
another in its place (tests pass a fake one).
"""

from __future__ import annotations

import email.parser
import email.policy
import ipaddress
import logging
import socket
import sys
import tempfile
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from factcheck.config import Settings, load_settings
from factcheck.embed import Embedder, default_embedder
from factcheck.errors import EmptyInputError, FactcheckError, InputTooLargeError
from factcheck.report import templates

log = logging.getLogger(__name__)
FORM_OVERHEAD = 64 * 1024  # bytes allowed on top of the inputs for the multipart boundaries and headers
FIELDS = {"release": "release", "source": "source"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}


class SerialEmbedder:
    """One embedder shared by the server's threads, used by one request at a time (so it loads once)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.encode(texts)


class FormError(Exception):
    """A request the form cannot use; the message is shown on the form (escaped)."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


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
        return 2 * self.settings.limits.max_input_bytes + FORM_OVERHEAD


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


def _human(n: int) -> str:
    for unit, size in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def render_form(settings: Settings, error: str = "", release_text: str = "", source_text: str = "") -> str:
    from factcheck.pipeline import __version__

    return (
        templates()
        .get_template("form.html.j2")
        .render(
            version=__version__,
            error=error,
            release_text=release_text,
            source_text=source_text,
            limit=_human(settings.limits.max_input_bytes),
        )
    )


def parse_form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Form fields as name -> (file name or None for a plain field, bytes). multipart/form-data is parsed with
    the standard library's email parser; application/x-www-form-urlencoded with urllib."""
    kind = content_type.split(";", 1)[0].strip().lower()
    fields: dict[str, tuple[str | None, bytes]] = {}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise FormError("The form could not be read: a multipart request without parts.")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str) or name in fields:
                continue
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            fields[name] = (filename, payload if isinstance(payload, bytes) else b"")
        return fields
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise FormError("The form could not be read: it is not UTF-8.") from None
        return {name: (None, values[0].encode("utf-8")) for name, values in pairs.items() if values}
    raise FormError("Send the form as multipart/form-data.", HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


def _base_name(filename: str) -> str:
    """The file name a browser sent, without any folders (some send a whole path)."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"


def file_to_text(data: bytes, filename: str) -> str:
    """An uploaded file as text: through factcheck.inputs.formats when it exists (PDF, Word, ...), else decoded as
    UTF-8 or cp1252 (factcheck.documents.decode)."""
    try:
        from factcheck.inputs import extract_text
    except ImportError:
        from factcheck.inputs import decode

        return decode(data, filename)
    return str(extract_text(data, filename, None))


def choose_input(label: str, fields: dict[str, tuple[str | None, bytes]], settings: Settings) -> tuple[str, str]:
    """(name, text) of one input: the uploaded file when one was chosen, else the pasted text."""
    limit = settings.limits.max_input_bytes
    pasted_bytes = fields.get(f"{label}_text", (None, b""))[1]
    pasted = pasted_bytes.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    filename, data = fields.get(f"{label}_file", (None, b""))
    if filename:  # a chosen file wins over pasted text
        name = _base_name(filename)
        if len(data) > limit:
            raise InputTooLargeError(f"The {label} file {name} is {len(data):,} bytes, over the limit of {limit:,}.")
        if not data.strip():
            raise EmptyInputError(f"The {label} file {name} is empty.")
        return name, file_to_text(data, name)
    if len(pasted_bytes) > limit:
        raise InputTooLargeError(f"The pasted {label} is {len(pasted_bytes):,} bytes, over the limit of {limit:,}.")
    if not pasted.strip():
        raise EmptyInputError(f"The {label} is empty: paste its text or choose a file.")
    return f"{label} (pasted text)", pasted


def check_form(fields: dict[str, tuple[str | None, bytes]], settings: Settings, embedder: Embedder) -> str:
    """The HTML report page for a submitted form; FactcheckError for input the library cannot use."""
    from factcheck.run import check_and_render
    from factcheck.text import build_document

    release_name, release_text = choose_input("release", fields, settings)
    source_name, source_text = choose_input("source", fields, settings)
    for label, text in (("release", release_text), ("source", source_text)):
        if not text.strip():
            raise EmptyInputError(f"The {label} has no text.")
    # Documents built from the text itself: a pasted line is never taken for a path on this machine.
    release = build_document(release_name, release_text)
    source = build_document(source_name, source_text)
    page = check_and_render(release, [source], ("html",), settings=settings, embedder=embedder).texts["html"]
    back = (
        '<nav aria-label="factcheck" style="max-width:78rem;margin:0 auto;padding:.75rem 1rem 0">'
        '<a href="/">Check another release</a></nav>\n'
    )
    return page.replace("<body>\n", "<body>\n" + back, 1)


class Handler(BaseHTTPRequestHandler):
    server: FactcheckServer
    server_version = "factcheck"
    sys_version = ""
    timeout = 120  # seconds a client may stall while sending

    # --- responses --------------------------------------------------------------------------------------

    def _send(self, status: HTTPStatus, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _form(self, status: HTTPStatus = HTTPStatus.OK, error: str = "", release: str = "", source: str = "") -> None:
        self._send(status, render_form(self.server.settings, error, release, source))

    def _plain(self, status: HTTPStatus, message: str) -> None:
        self._send(status, message + "\n", "text/plain; charset=utf-8")

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"factcheck serve: {self.address_string()} {format % args}\n")

    # --- requests ---------------------------------------------------------------------------------------

    def _host_ok(self) -> bool:
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
        self._plain(HTTPStatus.BAD_REQUEST, "factcheck serve answers only requests for 127.0.0.1 or localhost.")
        return False

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html", "/check"):
            self._form()
        else:
            self._plain(HTTPStatus.NOT_FOUND, "Not found. The form is at /.")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        if urlsplit(self.path).path != "/check":
            self.close_connection = True
            self._plain(HTTPStatus.NOT_FOUND, "Not found. Post the form to /check.")
            return
        length_header = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length_header is None:
            self.close_connection = True
            self._form(HTTPStatus.LENGTH_REQUIRED, "The request did not say how big it is (Content-Length).")
            return
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._form(HTTPStatus.BAD_REQUEST, "The request's Content-Length is not a number.")
            return
        limit = self.server.max_request_bytes
        if length > limit:  # refused before reading a byte of it
            self.close_connection = True
            self._form(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request is {length:,} bytes, over the limit of {limit:,} "
                f"({_human(self.server.settings.limits.max_input_bytes)} for each input).",
            )
            return
        body = self._read(length)
        if body is None:
            return
        self._check(body)

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
        if remaining:
            self.close_connection = True
            self._form(HTTPStatus.BAD_REQUEST, "The request ended before all of it arrived.")
            return None
        return b"".join(chunks)

    def _check(self, body: bytes) -> None:
        settings = self.server.settings
        pasted = {"release": "", "source": ""}
        error, status, page = "", HTTPStatus.OK, ""
        with tempfile.TemporaryDirectory(prefix="factcheck-serve-"):
            # The only place a file may be written while the request runs; removed before the answer is sent.
            try:
                fields = parse_form(self.headers.get("Content-Type", ""), body)
                for label in pasted:
                    raw = fields.get(f"{label}_text", (None, b""))[1]
                    pasted[label] = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
                page = check_form(fields, settings, self.server.embedder)
            except FormError as e:
                error, status = str(e), e.status
            except InputTooLargeError as e:
                error, status = str(e), HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            except FactcheckError as e:
                error, status = str(e), HTTPStatus.BAD_REQUEST
            except Exception as e:  # noqa: BLE001 - show the person a message, keep serving
                traceback.print_exc(file=sys.stderr)
                error = f"factcheck failed unexpectedly ({type(e).__name__}). The details are in the server's log."
                status = HTTPStatus.INTERNAL_SERVER_ERROR
        if error:
            self._form(status, error, pasted["release"], pasted["source"])
        else:
            self._send(HTTPStatus.OK, page)
