"""The ASGI application of `factcheck serve`, on Starlette: the routes of the page (factcheck/web/page.py) and of
the API (factcheck/web/api.py); each request's body read as it streams in, held to the size limit and the body
deadline whatever its framing (a Content-Length or chunks); the check itself in a worker thread, a few at a time;
and the same security headers on every answer."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from factcheck.config import Settings
from factcheck.embed import Embedder
from factcheck.web import api
from factcheck.web.fields import Field, parse_fields
from factcheck.web.limits import ServeLimits
from factcheck.web.page import (
    DOWNLOADS,
    FormInputs,
    download_format,
    form_submission,
    kept_inputs,
    render_form,
    report_page,
)
from factcheck.web.submission import (
    MAX_SOURCES,
    RequestError,
    ServedLibrary,
    error_status,
    human_size,
    max_request_bytes,
    run,
)

HTML = "text/html; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),  # reports hold the texts checked: never kept by a browser or a proxy
)
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}
FORM_PATHS = ("/", "/index.html", "/check", "/edit", "/download")  # GET: the form
POSTED_PAGES = ("/check", "/edit", "/download")
API_ROUTES = {"/api/check": "POST", "/api/schema": "GET"}  # path -> its one method
CLOSE = (("Connection", "close"),)
LENGTH_REQUIRED = "The request did not say how big it is (Content-Length)."


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@dataclass(frozen=True)
class Answer:
    status: HTTPStatus
    body: str
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()

    def response(self) -> Response:
        headers = dict(self.headers)
        return Response(self.body, int(self.status), headers=headers, media_type=self.content_type)


class CheckSlots:
    """How many posted requests the server takes at once: `checks_at_once` run in worker threads, up to
    `checks_waiting` more wait for a turn, and any beyond those are refused (503) before their bodies are read,
    so that at most that many bodies are held in memory. Used from the event loop's thread only."""

    def __init__(self, limits: ServeLimits) -> None:
        self.capacity = limits.checks_at_once + limits.checks_waiting
        self.taken = 0
        self.running = asyncio.Semaphore(limits.checks_at_once)

    @contextmanager
    def admit(self) -> Iterator[bool]:
        if self.taken >= self.capacity:
            yield False
            return
        self.taken += 1
        try:
            yield True
        finally:
            self.taken -= 1


def title_case(name: bytes) -> bytes:
    """A header's name as http.server sent it (`Content-Type`; Starlette writes `content-type`)."""
    return b"-".join(part.capitalize() for part in name.split(b"-"))


class FactcheckApp:
    """The ASGI application: a Starlette router for the routes, inside a layer that refuses requests for
    another host name, adds the security headers to every answer and logs each request (unless quiet).
    The settings, the embedder, the limits and the library (None: every request names its sources) are shared
    by every request and never changed; everything a request needs is made for it and passed down."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        limits: ServeLimits,
        *,
        loopback: bool,
        quiet: bool = False,
        library: ServedLibrary | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.limits = limits
        self.library = library
        self.loopback = loopback  # served on a loopback address: answer only requests naming a loopback host
        self.quiet = quiet
        self.max_request_bytes = max_request_bytes(settings)
        self.slots = CheckSlots(limits)
        form_routes = [Route(path, self.form, methods=["GET"]) for path in FORM_PATHS if path not in POSTED_PAGES]
        self.router: ASGIApp = Starlette(
            routes=[
                *form_routes,
                *(Route(path, self.form_or_posted, methods=["GET", "POST"]) for path in POSTED_PAGES),
                Route("/api/check", self.posted, methods=["POST"]),
                Route("/api/schema", self.schema, methods=["GET"]),
            ],
            exception_handlers={HTTPException: self.not_here},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        send = self._secured(scope, send)
        refusal = self._host_refusal(scope)
        if refusal is not None:
            await refusal.response()(scope, receive, send)
            return
        await self.router(scope, receive, send)

    # --- every answer --------------------------------------------------------------------------------------

    def _secured(self, scope: Scope, send: Send) -> Send:
        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(title_case(name), value) for name, value in message.get("headers", [])]
                headers += [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS]
                message = {**message, "headers": headers}
                self._log(scope, int(message["status"]))
            await send(message)

        return send_secured

    def _log(self, scope: Scope, status: int) -> None:
        if self.quiet:
            return
        client = scope.get("client")
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + (f"?{query}" if query else "")
        address = client[0] if client else "-"
        sys.stderr.write(f'factcheck serve: {address} "{scope["method"]} {target} HTTP/{scope["http_version"]}" {status}\n')

    def _host_refusal(self, scope: Scope) -> Answer | None:
        """On a loopback address, only requests naming a loopback host are answered (no DNS rebinding)."""
        if not self.loopback:
            return None
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").strip().lower()
        if not host:
            return None
        if host.startswith("["):
            host = host[: host.find("]") + 1]
        elif host.count(":") == 1:
            host = host.rsplit(":", 1)[0]
        if host in LOOPBACK_NAMES:
            return None
        message = "factcheck serve answers only requests for 127.0.0.1 or localhost."
        if is_api(scope["path"]):
            return self.refusal(True, HTTPStatus.BAD_REQUEST, message, CLOSE)
        return Answer(HTTPStatus.BAD_REQUEST, message + "\n", PLAIN, CLOSE)

    def refusal(
        self, api_path: bool, status: HTTPStatus, message: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> Answer:
        """An error as the API's JSON body, or as the form with the message."""
        if api_path:
            return Answer(status, api.error_body(status, message), api.JSON, headers)
        return Answer(status, self._form(message), HTML, headers)

    def _form(self, error: str = "", inputs: FormInputs | None = None) -> str:
        """The form (with `error` and `inputs`), saying whether the sources may be left to the library."""
        return render_form(self.settings, error, inputs or FormInputs(), library=self.library is not None)

    async def not_here(self, request: Request, error: Exception) -> Response:
        """404 for a path nobody serves, 405 (naming the method that works) for a wrong method on one; the
        connection is closed after a request whose body is not read."""
        path, method = request.url.path, request.method
        unread = CLOSE if method not in ("GET", "HEAD") else ()
        if is_api(path):
            if path in API_ROUTES:
                allowed = API_ROUTES[path]
                message = f"{path} takes {allowed}, not {method}."
                return self.refusal(True, HTTPStatus.METHOD_NOT_ALLOWED, message, (("Allow", allowed), *unread)).response()
            routes = ", ".join(f"{route_method} {route}" for route, route_method in API_ROUTES.items())
            return self.refusal(True, HTTPStatus.NOT_FOUND, f"No API at {path}; there are {routes}.", unread).response()
        if method == "POST" or path not in FORM_PATHS:
            return Answer(HTTPStatus.NOT_FOUND, "Not found. The form is at /; post it to /check.\n", PLAIN, unread).response()
        allow = "GET, HEAD, POST" if path in POSTED_PAGES else "GET, HEAD"
        message = f"{path} takes {allow}, not {method}.\n"
        return Answer(HTTPStatus.METHOD_NOT_ALLOWED, message, PLAIN, (("Allow", allow), *unread)).response()

    # --- the routes ----------------------------------------------------------------------------------------

    async def form(self, request: Request) -> Response:
        return Answer(HTTPStatus.OK, self._form()).response()

    async def schema(self, request: Request) -> Response:
        return Answer(HTTPStatus.OK, api.schema(), api.JSON).response()

    async def form_or_posted(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.posted(request)
        return await self.form(request)

    async def posted(self, request: Request) -> Response:
        """A posted page or API request: admitted if there is room, its body read within the limits, then
        answered in a worker thread."""
        path = request.url.path
        api_path = is_api(path)
        with self.slots.admit() as admitted:
            if not admitted:
                message = (
                    f"factcheck serve is busy: {self.slots.capacity} requests are being checked or waiting. "
                    "Try again in a moment."
                )
                return self.refusal(api_path, HTTPStatus.SERVICE_UNAVAILABLE, message, (("Retry-After", "1"), *CLOSE)).response()
            try:
                body = await self._body(request)
            except RequestError as e:
                return self.refusal(api_path, e.status, str(e), CLOSE).response()
            content_type = request.headers.get("content-type", "")
            async with self.slots.running:
                answer = await run_in_threadpool(self._answer, path, content_type, body)
            return answer.response()

    async def _body(self, request: Request) -> bytes:
        """The request's body, read as it arrives and refused as soon as it is over the limit (413), whether its
        size was declared (Content-Length, refused before a byte is read) or not (chunked); 408 when it has not
        all arrived within limits.body_timeout; 411 for a request that declares neither."""
        limit = self.max_request_bytes
        each = human_size(self.settings.limits.max_input_bytes)
        over = f"over the limit of {limit:,} ({each} for each input, and at most {MAX_SOURCES} sources)."
        declared = request.headers.get("content-length")
        if declared is None and "transfer-encoding" not in request.headers:
            raise RequestError(LENGTH_REQUIRED, HTTPStatus.LENGTH_REQUIRED)
        if declared is not None and int(declared) > limit:  # the HTTP parser has checked it is a number
            raise RequestError(f"The request is {int(declared):,} bytes, {over}", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.limits.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise RequestError(f"The request is more than {limit:,} bytes, {over}", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                    chunks.append(chunk)
        except TimeoutError:
            message = f"The request did not arrive in full within {self.limits.body_timeout:g} seconds."
            raise RequestError(message, HTTPStatus.REQUEST_TIMEOUT) from None
        except ClientDisconnect:  # nobody is left to read the answer
            raise RequestError("The request ended before all of it arrived.") from None
        return b"".join(chunks)

    # --- the answers, in a worker thread ----------------------------------------------------------------

    def _answer(self, path: str, content_type: str, body: bytes) -> Answer:
        """The answer to a posted page or API request; an error the request ran into becomes the form with its
        message (and the texts that were pasted), or the API's JSON error. Never a traceback."""
        api_path = is_api(path)
        settings = self.settings
        fields: list[Field] = []
        with tempfile.TemporaryDirectory(prefix="factcheck-serve-"):
            # The only place a file may be written while the request runs; removed before the answer is sent.
            try:
                if api_path:
                    return Answer(HTTPStatus.OK, api.check(content_type, body, settings, self.embedder, self.library), api.JSON)
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
                return Answer(status, self._form(message, kept_inputs(fields)))

    def _page(self, path: str, fields: Sequence[Field]) -> Answer:
        settings, embedder = self.settings, self.embedder
        if path == "/edit":  # check again: the form, filled in with the texts posted from the report page
            return Answer(HTTPStatus.OK, self._form(inputs=kept_inputs(fields)))
        chosen = download_format(fields) if path == "/download" else "html"
        submission = form_submission(fields, settings, library=self.library is not None)
        text = run(submission, (chosen,), settings, embedder, self.library).texts[chosen]
        if path == "/download":
            media, filename = DOWNLOADS[chosen]
            return Answer(HTTPStatus.OK, text, media, (("Content-Disposition", f'attachment; filename="{filename}"'),))
        return Answer(HTTPStatus.OK, report_page(text, submission))
