"""Indexing reports: `add_reports` puts files into the library (text and words in SQLite, sentence vectors
there too), and `PassageIndex` keeps an approximate-nearest-neighbour index of those vectors beside it.

The approximate index is usearch's HNSW graph of float16 vectors, one file per embedding model. It was chosen
over hnswlib by measurement (README, "Library"): the same recall@10, half the file size, and the file is
memory-mapped rather than read, which matters to a `factcheck find` that runs once per process. It holds
nothing SQLite does not: it is written to a temporary file and moved into place with os.replace, and when it
is missing or stale (a killed `add` committed reports but never wrote it) it is brought up to date from the
vectors stored in SQLite.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from factcheck.config import Settings
from factcheck.errors import FactcheckError
from factcheck.library.store import Library, content_digest, passages_of

if TYPE_CHECKING:
    from factcheck.embed import Embedder

log = logging.getLogger(__name__)

# HNSW parameters (usearch's defaults), the same for both libraries when they were compared (benchmarks/library.py ann)
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 64
SCALAR = "f16"
# Files a folder is searched for; a file named on the command line is read whatever its extension.
DOCUMENT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx"})


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outcome(_Data):
    """What became of one path given to `add`."""

    path: str
    status: Literal["added", "duplicate", "failed"]
    digest: str = ""
    error: str = ""


def model_key(embedder: Embedder) -> str:
    """The name vectors are stored under: the model's id when it has one, else the embedder's class."""
    model_id = getattr(embedder, "model_id", None)
    if isinstance(model_id, str) and model_id:
        return model_id
    kind = type(embedder)
    return f"{kind.__module__}.{kind.__qualname__}:{getattr(embedder, 'dimensions', '')}"


def library_embedder(settings: Settings) -> Embedder:
    """The real model, without the per-user disk cache in front: the library keeps its own vectors, and
    filling the cache with them would push out the vectors of sources checked before."""
    from factcheck.config import with_overrides
    from factcheck.embed import default_embedder

    return default_embedder(with_overrides(settings, embedding={"disk_cache": False}).embedding)


def document_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """The files to add: each file named, and every document file (DOCUMENT_SUFFIXES) under each folder
    named, in sorted order, hidden ones left out."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
                if found.is_file() and not hidden and found.suffix.lower() in DOCUMENT_SUFFIXES:
                    yield found
        else:
            yield path


def add_reports(
    paths: Iterable[Path],
    library_dir: Path,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Add the reports at `paths` (files, or folders of them) to the library in `library_dir`, creating it
    when needed. Each report is committed on its own, so an interrupted add keeps every report it finished. A
    file that cannot be read is reported (status "failed") and skipped. With an `embedder`, the sentences of
    each new report are embedded (and those of any report added before without), then the approximate index
    is brought up to date; without, only the words are indexed (see README, "Library", for what each costs
    and finds)."""
    from factcheck.inputs import load

    model = model_key(embedder) if embedder is not None else None
    outcomes: list[Outcome] = []
    with Library.open(library_dir, create=True) as library:
        for path in document_paths(paths):
            try:
                doc = load(path, settings)
                digest = content_digest(doc)
                known = library.document_id(digest)
                if known is not None:
                    library.add_origin(known, str(path))
                    outcome = Outcome(path=str(path), status="duplicate", digest=digest)
                else:
                    passages = passages_of(doc)
                    vectors = None
                    if embedder is not None:
                        vectors = _encode(embedder, [doc.text[p.start : p.end] for p in passages])
                    _, added = library.insert(doc, digest, str(path), passages, vectors, model)
                    outcome = Outcome(path=str(path), status="added" if added else "duplicate", digest=digest)
            except FactcheckError as e:
                outcome = Outcome(path=str(path), status="failed", error=str(e))
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        if embedder is not None and model is not None:
            embed_missing(library, embedder, model)
            PassageIndex.up_to_date(library, model)
    return outcomes


def embed_missing(library: Library, embedder: Embedder, model: str) -> int:
    """Embed the passages of every report that has no vectors under `model` yet; how many reports."""
    missing = library.unembedded(model)
    for document in missing:
        doc = library.document(document)
        texts = [doc.text[a:b] for _, a, b in library.passages(document)]
        library.put_vectors(model, document, _encode(embedder, texts))
    return len(missing)


def _encode(embedder: Embedder, texts: list[str]) -> np.ndarray:
    return embedder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)


def index_path(library_dir: Path, model: str) -> Path:
    return library_dir / f"passages-{hashlib.sha256(model.encode()).hexdigest()[:16]}.usearch"


class PassageIndex:
    """The approximate index of one model's passage vectors (usearch HNSW, cosine, float16)."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @property
    def size(self) -> int:
        return int(self.index.size)

    @classmethod
    def up_to_date(cls, library: Library, model: str) -> PassageIndex | None:
        """The index of `model`'s vectors, made current first when it is missing or stale; None when no
        passage has a vector under `model`. A folder that cannot be written to still gets a current index, in
        memory."""
        stored = library.vector_count(model)
        if stored == 0:
            return None
        path = index_path(library.directory, model)
        current = _restore(path, stored)
        if current is not None:
            return cls(current)
        index = _restore(path, None, view=False)
        if index is None or index.size > stored:  # absent, unreadable, or not built from this library: afresh
            index = _new_index(_dimensions(library, model))
        ids, vectors = library.vectors(model)
        missing = ~np.asarray(index.contains(ids), dtype=bool) if index.size else np.ones(len(ids), dtype=bool)
        if missing.any():  # one thread: the same vectors in the same order make the same graph, so the same answers
            index.add(ids[missing], vectors[missing], threads=1)
        _save(index, path)
        return cls(index)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each row of `vectors`, the k nearest passages as (passage id, cosine similarity), nearest first."""
        if not len(vectors) or not self.size:
            return [[] for _ in range(len(vectors))]
        found = self.index.search(np.asarray(vectors, dtype=np.float32), min(k, self.size))
        keys = np.atleast_2d(found.keys)
        distances = np.atleast_2d(found.distances)
        # one query row gives usearch's Matches, which has no counts: every key it holds was found
        counts = np.atleast_1d(found.counts) if hasattr(found, "counts") else np.array([len(found.keys)])
        return [
            [(int(keys[row, i]), 1.0 - float(distances[row, i])) for i in range(int(counts[row]))]
            for row in range(len(vectors))
        ]


def _new_index(dimensions: int) -> Any:
    from usearch.index import Index

    return Index(
        ndim=dimensions, metric="cos", dtype=SCALAR,
        connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH,
    )


def _dimensions(library: Library, model: str) -> int:
    _, first = library.vectors(model, [_first_passage(library, model)])
    return int(first.shape[1])


def _first_passage(library: Library, model: str) -> int:
    row = library.conn.execute("SELECT MIN(passage) FROM vectors WHERE model = ?", (model,)).fetchone()
    return int(row[0])


def _restore(path: Path, expected: int | None, *, view: bool = True) -> Any:
    """The index file, memory-mapped (or read, to be added to); None when it is absent or unreadable, or
    does not hold `expected` vectors. Vectors are only ever added to a library and the file is only written
    from what SQLite holds, so the same count means the same vectors."""
    from usearch.index import Index

    if not path.exists():
        return None
    try:
        metadata = Index.metadata(str(path))
        if metadata is None or (expected is not None and metadata["count_present"] != expected):
            return None
        return Index.restore(str(path), view=view)  # its HNSW parameters are saved in the file
    except (ValueError, RuntimeError, OSError, KeyError, TypeError) as e:
        log.info("rebuilding the passage index %s: %s", path, e)
        return None


def _running(pid: str) -> bool:
    """Whether the process that is writing a temporary index file may still be at it."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _save(index: Any, path: Path) -> None:
    """Write the index beside the library and move it into place: a reader sees the old file or the new."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        for stale in path.parent.glob(f"{path.name}.*.tmp"):
            if stale != partial and not _running(stale.suffixes[-2].lstrip(".")):
                stale.unlink(missing_ok=True)  # left by a killed add
        index.save(str(partial))
        os.replace(partial, path)
    except OSError as e:  # a read-only library still answers, from the index built in memory
        log.info("passage index %s not written: %s", path, e)
        partial.unlink(missing_ok=True)
