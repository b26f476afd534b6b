"""What a request asks factcheck to check, however it was sent (the page's form, the API's JSON or multipart):
a release and up to MAX_SOURCES sources, each a name and its text, and the options of `factcheck check`; no
source at all when the server has a library (`ServedLibrary`), whose reports the release quotes are then its
sources. Every input is held to the same limits here, and run() is the one place the server calls the library."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

from factcheck.config import Settings, with_overrides
from factcheck.embed import Embedder
from factcheck.errors import (
    BinaryInputError,
    EmptyInputError,
    FactcheckError,
    InputTooLargeError,
    LibraryError,
)

if TYPE_CHECKING:
    from factcheck.library import LibrarySources
    from factcheck.run import RenderedReport
    from factcheck.text import LoadedDocument

MAX_SOURCES = 8  # sources in one request, pasted and uploaded together
LIBRARY_SHOWN_AS = "the server's library"  # what an answer calls the library: its folder is never named
NO_SOURCE = "The source is empty: paste its text or choose a file."
FORM_OVERHEAD = 64 * 1024  # bytes allowed on top of the inputs for multipart boundaries, headers and JSON


class RequestError(Exception):
    """A request the server cannot use (not a problem with the texts themselves); the message is shown on the
    form or sent as the API's error, with `status`."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


def error_status(error: Exception) -> HTTPStatus:
    """The HTTP status for an error a request ran into: 413 for input over the limit, 400 for other input
    factcheck cannot use."""
    if isinstance(error, RequestError):
        return error.status
    if isinstance(error, InputTooLargeError):
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    if isinstance(error, FactcheckError):
        return HTTPStatus.BAD_REQUEST
    return HTTPStatus.INTERNAL_SERVER_ERROR


@dataclass(frozen=True)
class NamedText:
    """One input: the name the report gives it, and its text."""

    name: str
    text: str


@dataclass(frozen=True)
class Submission:
    release: NamedText
    sources: tuple[NamedText, ...]
    source_names: tuple[str, ...] = ()  # names the release uses for the source, as --source-name
    all_unreported: bool = False  # every source finding the release leaves out, as --all-unreported


def max_request_bytes(settings: Settings) -> int:
    """The largest request body read: the release and MAX_SOURCES sources, each at the limit, and the overhead."""
    return (1 + MAX_SOURCES) * settings.limits.max_input_bytes + FORM_OVERHEAD


def human_size(n: int) -> str:
    for unit, size in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def file_name(filename: str) -> str:
    """The file name a client sent, without any folders (some browsers send a whole path)."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"


def text_input(label: str, name: str, text: str, settings: Settings) -> NamedText:
    """Text sent as text (pasted, or a JSON string), held to the size limit in UTF-8 bytes; never a path."""
    limit = settings.limits.max_input_bytes
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > limit:
        raise InputTooLargeError(f"The {label} is {size:,} bytes, over the limit of {limit:,}.")
    if "\x00" in text:
        raise BinaryInputError(f"The {label} holds NUL characters: it looks like a binary file, not text.")
    if not text.strip():
        raise EmptyInputError(f"The {label} is empty.")
    return NamedText(name, text)


def file_input(label: str, filename: str, data: bytes, settings: Settings) -> NamedText:
    """An uploaded file as text, read as `factcheck check` reads the file: by its content (PDF, Word, HTML,
    Markdown, or text in UTF-8 or cp1252), its name's extension as the hint."""
    from factcheck.inputs import extract_text

    name = file_name(filename)
    limit = settings.limits.max_input_bytes
    if len(data) > limit:
        raise InputTooLargeError(f"The {label} file {name} is {len(data):,} bytes, over the limit of {limit:,}.")
    if not data.strip():
        raise EmptyInputError(f"The {label} file {name} is empty.")
    return NamedText(name, extract_text(data, name, name))


def check_source_count(count: int, *, library: bool = False) -> None:
    """Refuses a request with more than MAX_SOURCES sources, or with none when the server has no `library`,
    before any of them is read."""
    if count == 0 and not library:
        raise EmptyInputError(NO_SOURCE)
    if count > MAX_SOURCES:
        raise RequestError(f"At most {MAX_SOURCES} sources can be checked at once; {count} were sent.")


@dataclass(frozen=True)
class ServedLibrary:
    """The library a server was started with (`factcheck serve --library DIR`): a request that sends no source is
    checked against the reports of it that its release quotes, chosen as `factcheck check --library` chooses
    them. A request never names a folder: this one is the server's, and no answer names it.

    Each request opens the library for itself (SQLite connections are never shared between threads), and finds
    its sources one request at a time (`lock`): finding them may bring the library's approximate index file up
    to date, which two threads of one process must not write at once. The checks themselves run side by side."""

    directory: Path
    embedder: Embedder  # matches sentences by vector; used by one thread at a time (web.server.SerialEmbedder)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def sources(self, release: LoadedDocument, settings: Settings) -> LibrarySources:
        """The library reports `release` quotes; LibraryError (a 400) when none holds any of it."""
        from factcheck.library import library_sources

        with self.lock:
            try:
                return library_sources(release, self.directory, settings, embedder=self.embedder, shown_as=LIBRARY_SHOWN_AS)
            except LibraryError as e:  # e.g. the folder was removed since the server started: never name it
                raise LibraryError(str(e).replace(str(self.directory), LIBRARY_SHOWN_AS)) from None


def run(
    submission: Submission,
    formats: Sequence[str],
    settings: Settings,
    embedder: Embedder,
    library: ServedLibrary | None = None,
) -> RenderedReport:
    """The submission checked and rendered in `formats`, as `factcheck check` would with the same options:
    against its sources, or, when it has none, against the reports of `library` it quotes (as `factcheck check
    --library`), which the report then names."""
    from factcheck.run import check_and_render
    from factcheck.text import build_document

    if submission.all_unreported:
        settings = with_overrides(settings, assess={"unreported_limit": 0})
    # Documents built from the text itself: a pasted line is never taken for a path on this machine.
    release = build_document(submission.release.name, submission.release.text)
    sources = [build_document(source.name, source.text) for source in submission.sources]
    used = None
    if not sources:
        if library is None:
            raise EmptyInputError(NO_SOURCE)
        found = library.sources(release, settings)
        sources, used = found.documents, found.used
    return check_and_render(
        release,
        sources,
        formats,
        settings=settings,
        embedder=embedder,
        source_names=submission.source_names,
        library=used,
    )
