"""Which reports of a library a release is checked against, when its sources are not named: one choice for
`factcheck check --library` and for `factcheck serve --library`, so the page, the API and the command check a
release against the same reports and give the same report.

The best candidate `discover` ranks is always taken; a further one (up to LIBRARY_SOURCES in all) only when it
holds quotations that the ones before it do not, so a release quoting two reports is checked against both,
and a report that merely shares a few words with the release is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from factcheck.config import Settings
from factcheck.errors import LibraryError
from factcheck.library.discover import Candidate, discover
from factcheck.library.store import Library
from factcheck.text import LoadedDocument
from factcheck.types import LibraryReport

if TYPE_CHECKING:
    from factcheck.embed import Embedder

LIBRARY_SOURCES = 3  # at most this many reports of a library, each holding quotations, are checked against


@dataclass(frozen=True)
class LibrarySources:
    """The stored reports to check a release against, and what the report says about them (`Report.library`)."""

    documents: list[LoadedDocument]
    used: list[LibraryReport]


def choose(found: list[Candidate]) -> list[Candidate]:
    """The candidates to check against: the first, then each later one holding quotations none before it holds."""
    chosen = found[:1]
    held = {q.release_start for c in chosen for q in c.quotations}
    for candidate in found[1:]:
        own = {q.release_start for q in candidate.quotations} - held
        if candidate.evidence == "quotations" and own and len(chosen) < LIBRARY_SOURCES:
            chosen.append(candidate)
            held |= own
    return chosen


def library_sources(
    release: LoadedDocument,
    library_dir: Path,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    shown_as: str | None = None,
) -> LibrarySources:
    """The reports of the library in `library_dir` that `release` quotes (see the module's docstring), read
    back from the library. LibraryError when the library holds none: the message names the library as
    `shown_as` (default: its folder). `embedder` matches sentences by vector when no report holds a quotation
    (None: the real model, as `factcheck find` uses); the library is opened for this call only."""
    chosen = choose(discover(release, library_dir, settings, top=LIBRARY_SOURCES, embedder=embedder))
    if not chosen:
        raise LibraryError(f"no report in {shown_as or library_dir} holds the release's quotations or sentences")
    with Library.open(library_dir) as opened:
        documents = [opened.document_by_digest(c.digest) for c in chosen]
    used = [
        LibraryReport(
            name=c.name,
            digest=c.digest,
            evidence=c.evidence,
            quotations=len(c.quotations),
            sentences=len(c.sentences),
            score=c.score,
        )
        for c in chosen
    ]
    return LibrarySources(documents, used)
