"""A loaded document: its text, paragraphs and sentences, with the normalised view attached.

Finding the sentences of a long text is most of its loading time, so the structure of a long text is kept
on disk, keyed by the text and by the code that decides it.
"""

from __future__ import annotations

import hashlib
import json
import os
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from factcheck.text.normalise import TextView, normalise
from factcheck.text.segment import find_paragraphs, find_sentences
from factcheck.types import Document, Sentence, SentenceTable, Span, SpanTable


class LoadedDocument(Document):
    """A Document with its normalised view attached (not serialised)."""

    def model_post_init(self, context: object, /) -> None:
        self._view: TextView | None = None

    @property
    def view(self) -> TextView:
        if self._view is None:
            self._view = normalise(self.text)
        return self._view

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing (or nearest before) an original offset."""
        return max(0, bisect_right(_starts(self.sentences), offset) - 1)

    def paragraph_at(self, offset: int) -> int:
        return max(0, bisect_right(_starts(self.paragraphs), offset) - 1)


def _starts(items: Sequence[Span] | Sequence[Sentence]) -> Sequence[int]:
    """The items' starts: a Document's own array (it keeps its spans and sentences as tables)."""
    return items.starts if isinstance(items, (SpanTable, SentenceTable)) else [item.start for item in items]


MIN_CACHED_CHARS = 20_000  # shorter texts are segmented faster than a cache file is read
MAX_CACHED_STRUCTURES = 200
STRUCTURE_MODULES = ("document.py", "segment.py", "normalise.py")


@lru_cache(maxsize=1)
def _structure_version() -> str:
    """Changes whenever the modules that decide the structure (this one, segment.py, normalise.py) or pysbd
    change: old entries are not reused."""
    import pysbd

    here = Path(__file__).parent
    code = b"".join((here / name).read_bytes() for name in STRUCTURE_MODULES)
    return hashlib.sha256(code + pysbd.__version__.encode()).hexdigest()[:16]


def _structure_path(text: str) -> Path:
    from factcheck.embed import cache_dir

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir() / "structure" / f"{_structure_version()}-{digest}.json"


def _cached_structure(text: str) -> tuple[SpanTable, SentenceTable] | None:
    """Paragraphs and sentences of a long text seen before: sentence splitting is most of a long text's load."""
    if len(text) < MIN_CACHED_CHARS:
        return None
    try:
        data = json.loads(_structure_path(text).read_text(encoding="utf-8"))
        paragraphs = SpanTable.validate(data["paragraphs"])
        sentences = SentenceTable.validate(data["sentences"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return paragraphs, sentences


def _store_structure(text: str, paragraphs: Sequence[Span], sentences: Sequence[Sentence]) -> None:
    if len(text) < MIN_CACHED_CHARS:
        return
    path = _structure_path(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"paragraphs": [[p.start, p.end] for p in paragraphs], "sentences": [list(s) for s in sentences]}
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)
        entries = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-MAX_CACHED_STRUCTURES]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs time


def build_document(name: str, text: str) -> LoadedDocument:
    """The document of `text`, with its view, paragraphs and sentences (a long text's from the cache)."""
    view = normalise(text)
    cached = _cached_structure(text)
    if cached is not None:
        paragraphs, sentences = cached
    else:
        found = find_paragraphs(text)
        sentences = find_sentences(text, view, found)
        paragraphs = SpanTable.validate(found)
        _store_structure(text, paragraphs, sentences)
    doc = LoadedDocument(name=name, text=text, paragraphs=paragraphs, sentences=sentences)
    doc._view = view
    return doc

