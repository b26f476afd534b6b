"""The HTTP server of `factcheck serve`: uvicorn serving the ASGI application (factcheck/web/app.py) on a socket
bound when the server is made, on a loopback address unless the caller allows another, with the timeouts and
the limits of ServeLimits; with a library (`factcheck serve --library DIR`), which is opened once when the server
is made, so a folder that holds none is an error then, not at the first request."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any

import h11
import numpy as np
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from factcheck.config import Settings, load_settings
from factcheck.embed import Embedder, default_embedder
from factcheck.errors import ServeAddressError
from factcheck.web import api
from factcheck.web.app import PLAIN, SECURITY_HEADERS, FactcheckApp
from factcheck.web.limits import ServeLimits
from factcheck.web.submission import ServedLibrary

BACKLOG = 128  # connections waiting to be accepted: a burst of simultaneous ones must not be reset
SHUTDOWN_GRACE = 5  # seconds requests still running may take to finish when the server stops
HEAD_KEPT = 16 * 1024  # bytes of a request's head kept to answer one h11 cannot parse (h11's own limit)
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([^\r\n]*)", re.IGNORECASE)


class SerialEmbedder:
    """One embedder shared by the server's worker threads, used by one request at a time (so it loads once)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.encode(texts)

    @property
    def model_id(self) -> str:
        """The wrapped model's name, under which a library stores its vectors (factcheck.library.index.model_key)."""
        from factcheck.library.index import model_key

        return model_key(self.inner)


class _Config(uvicorn.Config):
    """uvicorn's configuration, carrying the limits to each connection's protocol."""

    def __init__(self, app: FactcheckApp, limits: ServeLimits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


class FactcheckProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol (h11) with two changes. A request's line and headers must all arrive within
    limits.header_timeout, counted from when the connection opened (for its first request) or from the first
    byte of a later one; otherwise the connection is answered 408 and closed. uvicorn itself times out only a
    connection left idle after an answer (timeout_keep_alive, which still does), so a client that opened a
    connection and sent nothing, or sent its headers a byte at a time, would hold it for ever. And a request h11
    cannot parse (a Content-Length that is not a number, a broken header) is answered as factcheck answers every
    error, with the security headers, and as the API's JSON error when it was for /api/."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        assert isinstance(config, _Config)
        self.header_timeout = config.limits.header_timeout
        self._head = b""  # the start of the request being received, before h11 has parsed its headers
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # a request's line and headers, or part of them
            self._head = (self._head + data)[:HEAD_KEPT]
            if self._header_deadline is None:  # the first bytes of a later request
                self._arm_header_deadline()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # its line and headers have all arrived
            self._cancel_header_deadline()

    def on_response_complete(self) -> None:
        self._head = b""  # and the connection is idle: uvicorn's keep-alive timeout, not the header deadline
        super().on_response_complete()
        pipelined = self.conn.trailing_data[0]  # the start of a next request, sent with the last one
        if pipelined and self.conn.their_state is h11.IDLE and self._header_deadline is None:
            self._head = pipelined[:HEAD_KEPT]
            self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is not h11.IDLE or self.conn.our_state is not h11.IDLE or self.transport.is_closing():
            return
        message = f"The request's headers did not arrive within {self.header_timeout:g} seconds.\n"
        self._write_answer(HTTPStatus.REQUEST_TIMEOUT, message, PLAIN)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request h11 cannot parse, in factcheck's words."""
        declared = CONTENT_LENGTH.search(self._head)
        if declared and not declared.group(1).strip().isdigit():
            message = "The request's Content-Length is not a number."
        else:
            message = "The request could not be read: it is not valid HTTP/1.1."
        target = self._head.split(b" ", 2)[1] if self._head.count(b" ") >= 2 else b""
        if target == b"/api" or target.startswith(b"/api/"):
            self._write_answer(HTTPStatus.BAD_REQUEST, api.error_body(HTTPStatus.BAD_REQUEST, message), api.JSON)
        else:
            self._write_answer(HTTPStatus.BAD_REQUEST, message + "\n", PLAIN)

    def _write_answer(self, status: HTTPStatus, body: str, content_type: str) -> None:
        """An answer written to the connection by hand, which is then closed: h11 has no request to answer."""
        data = body.encode("utf-8")
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *SECURITY_HEADERS, ("Connection", "close")]
        head = f"HTTP/1.1 {status.value} {status.phrase}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
        self.transport.write(head.encode("latin-1") + b"\r\n" + data)
        self.transport.close()


class FactcheckServer:
    """`factcheck serve`'s server: bound when made (port 0 picks a free one), serving from serve_forever()
    until shutdown() (from another thread) or Ctrl+C."""

    def __init__(
        self,
        host: str,
        port: int,
        settings: Settings,
        embedder: Embedder | None = None,
        quiet: bool = False,
        *,
        limits: ServeLimits | None = None,
        allow_remote: bool = False,
        library: Path | None = None,
    ) -> None:
        self.settings = settings
        self.library_reports = _library_reports(library) if library is not None else None
        self.limits = limits or ServeLimits()
        self.socket = _bind(host, port)
        if not self.loopback and not allow_remote:
            self.socket.close()
            raise ServeAddressError(
                f"{host} is not a loopback address: factcheck serve answers other machines only when asked to "
                "(--allow-remote), as its page and API have no login."
            )
        self.embedder = SerialEmbedder(embedder or default_embedder(settings.embedding))
        served = None
        if library is not None:
            # Sentences are matched with the model `factcheck check --library` uses: the injected one, else the
            # real model without the disk cache in front (factcheck.library.index.library_embedder).
            from factcheck.library.index import library_embedder

            finder = self.embedder if embedder is not None else SerialEmbedder(library_embedder(settings))
            served = ServedLibrary(library, finder)
        self.app = FactcheckApp(settings, self.embedder, self.limits, loopback=self.loopback, quiet=quiet, library=served)
        config = _Config(
            self.app,
            self.limits,
            http=FactcheckProtocol,
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,  # the app logs each request, unless quiet
            server_header=False,
            proxy_headers=False,  # no proxy in front: the client's address is the connection's
            backlog=BACKLOG,
            timeout_keep_alive=self.limits.keep_alive_timeout,
            limit_concurrency=self.limits.max_connections,
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        self.uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def host(self) -> str:
        return str(self.socket.getsockname()[0])

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
        return self.app.max_request_bytes

    @property
    def started(self) -> bool:
        """Accepting connections (those made before wait in the socket's backlog)."""
        return self.uvicorn.started

    def serve_forever(self) -> None:
        """Serve until shutdown() or Ctrl+C (KeyboardInterrupt, raised once the server has stopped)."""
        try:
            self.uvicorn.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever(), running in another thread, and wait until it has."""
        self.uvicorn.should_exit = True
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()


def _library_reports(directory: Path) -> int:
    """How many reports the library in `directory` holds; LibraryError when it holds no library."""
    from factcheck.library import Library

    with Library.open(directory) as opened:
        return opened.count()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    quiet: bool = False,
    limits: ServeLimits | None = None,
    allow_remote: bool = False,
    library: Path | None = None,
) -> FactcheckServer:
    """A server bound to host:port (port 0 picks a free one), not yet serving: call serve_forever(). A host that
    is not a loopback address is refused (ServeAddressError) unless allow_remote. With `library` (a folder made
    by `factcheck library add`; LibraryError when it holds none), a request that sends no source is checked
    against the library reports its release quotes."""
    return FactcheckServer(
        host, port, settings or load_settings(), embedder, quiet, limits=limits, allow_remote=allow_remote, library=library
    )
