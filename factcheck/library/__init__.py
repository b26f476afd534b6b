"""A library of reports on disk, and discovery: which stored report a release quotes.

`add_reports` indexes files into a library folder (SQLite with FTS5, sentence vectors, an approximate index);
`discover` ranks the stored reports a release quotes, as `Candidate`s with the quotations each one holds;
`library_sources` chooses among them the reports to check a release against (`check --library`, `serve --library`).
"""

from __future__ import annotations

from factcheck.library.discover import Candidate, QuotationMatch, SentenceMatch, discover
from factcheck.library.index import Outcome, PassageIndex, add_reports, document_paths
from factcheck.library.sources import LibrarySources, library_sources
from factcheck.library.store import Library, content_digest

__all__ = [
    "Candidate",
    "Library",
    "LibrarySources",
    "Outcome",
    "PassageIndex",
    "QuotationMatch",
    "SentenceMatch",
    "add_reports",
    "content_digest",
    "discover",
    "document_paths",
    "library_sources",
]
