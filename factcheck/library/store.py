"""The library on disk: one SQLite file holding every report's text and structure, its words for full-text
search (FTS5), and the vectors of its sentences.

Safe to interrupt: the file is in WAL mode and each report goes in with one transaction (its text, its words,
its passages and, when embedding, their vectors), so a killed `add` leaves every report either wholly in or
not in at all. Content-addressed: a report is keyed by the sha256 of its normalised text, so the same report
added twice, from any path or in any format, is stored once (each path it came from is remembered).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import numpy as np

from factcheck.errors import LibraryError
from factcheck.text import LoadedDocument
from factcheck.types import Sentence, Span

DATABASE_FILE = "library.sqlite3"
SCHEMA_VERSION = "1"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's transaction (two `add`s at once)
MIN_PASSAGE_WORDS = 4  # shorter sentences (headings, labels, 'Summary') are not embedded: they resemble anything
VECTOR_DTYPE = np.float16  # what the approximate index holds too: half the size, cosines within 1e-3
EXCERPT_SEPARATOR = "\n\n"  # between the paragraphs of an excerpt: a paragraph break, as in any document
TERM_BATCH = 500  # words looked up in one statement (below SQLite's limit on bound parameters)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    structure TEXT NOT NULL,
    words INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS origins (
    path TEXT NOT NULL,
    document INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (path, document)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS document_words USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS document_terms USING fts5vocab(document_words, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS paragraph_words USING fts5(
    words, document, start_at UNINDEXED, end_at UNINDEXED, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents(id),
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_of_document ON passages (document);
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    passage INTEGER NOT NULL REFERENCES passages(id),
    vector BLOB NOT NULL,
    PRIMARY KEY (model, passage)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS embedded (
    model TEXT NOT NULL,
    document INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (model, document)
) WITHOUT ROWID;
"""


def content_digest(doc: LoadedDocument) -> str:
    """The sha256 of a document's normalised text (NFKC, one style of quote mark and dash, single spaces), so a
    copy that differs only in typography is the same report."""
    return hashlib.sha256(doc.view.norm.strip().encode("utf-8", "surrogatepass")).hexdigest()


def _fts_term(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _document_token(document: int) -> str:
    """The token that names a report in the paragraph index, so a search can keep to one report."""
    return f"d{document}"


def _words_of(doc: LoadedDocument, span: Span) -> list[str]:
    view = doc.view
    return [view.words[i] for i in view.words_between(span.start, span.end)]


def passages_of(doc: LoadedDocument) -> list[Span]:
    """The sentences of a document that are embedded: those of MIN_PASSAGE_WORDS words or more."""
    view = doc.view
    return [
        Span(start=s.start, end=s.end)
        for s in doc.sentences
        if len(view.words_between(s.start, s.end)) >= MIN_PASSAGE_WORDS
    ]


class Excerpt:
    """Some paragraphs of a stored report, joined as a document of their own (`doc`), and the way back to the
    report's own offsets: aligning a quotation against the paragraphs that hold its words costs a fraction of
    aligning it against a long report."""

    def __init__(self, doc: LoadedDocument, pieces: list[tuple[int, int, int]], original: str) -> None:
        self.doc = doc
        self.pieces = pieces  # (start, end) in the excerpt, and where that piece starts in the report
        self.original = original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A span of the excerpt as a span of the report."""
        return self._place(start, at_end=False), self._place(end, at_end=True)

    def _place(self, offset: int, *, at_end: bool) -> int:
        for a, b, origin in self.pieces:
            if a <= offset < b or (at_end and a < offset <= b):
                return origin + offset - a
        last_a, last_b, origin = self.pieces[-1] if self.pieces else (0, 0, 0)
        return origin + min(max(offset - last_a, 0), last_b - last_a)


class Library:
    """An open library folder. Use `Library.open(folder)`, as a context manager so the file is closed."""

    def __init__(self, directory: Path, conn: sqlite3.Connection) -> None:
        self.directory = directory
        self.conn = conn

    @classmethod
    def open(cls, directory: Path, *, create: bool = False) -> Library:
        """The library in `directory`; with `create`, a new empty one when there is none yet."""
        path = directory / DATABASE_FILE
        if not path.exists():
            if not create:
                raise LibraryError(f"{directory} holds no library (add reports with `factcheck library add`)")
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise LibraryError(f"cannot create the library {directory}: {e.strerror or e}") from None
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as e:
            raise LibraryError(f"{path} is not a usable library: {e}") from None
        library = cls(directory, conn)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: a killed process loses nothing committed
            conn.execute("PRAGMA foreign_keys=ON")
            library._prepare_schema()
        except sqlite3.Error as e:
            conn.close()
            raise LibraryError(f"{path} is not a usable library: {e}") from None
        except LibraryError:
            conn.close()
            raise
        return library

    def _prepare_schema(self) -> None:
        version = None
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            version = row[0] if row else None
        if version == SCHEMA_VERSION:
            return
        if version is not None:
            raise LibraryError(f"{self.directory} is a library of schema {version}; this factcheck reads {SCHEMA_VERSION}")
        with self.transaction() as conn:  # statement by statement: executescript would commit half-way
            for statement in SCHEMA.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so two writers queue instead of failing."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    # --- writing ------------------------------------------------------------------------------------------

    def document_id(self, digest: str) -> int | None:
        row = self.conn.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
        return int(row[0]) if row else None

    def add_origin(self, document: int, path: str) -> None:
        """Remember another path a stored report was added from."""
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO origins VALUES (?, ?)", (path, document))

    def insert(
        self,
        doc: LoadedDocument,
        digest: str,
        path: str,
        passages: Sequence[Span],
        vectors: np.ndarray | None = None,
        model: str | None = None,
    ) -> tuple[int, bool]:
        """Store a report with its words and passages (and their vectors under `model`), in one transaction:
        (its id, True), or (the id it already has, False) when a report of that digest is stored."""
        structure = json.dumps(
            {"paragraphs": [[p.start, p.end] for p in doc.paragraphs],
             "sentences": [[s.start, s.end, s.paragraph] for s in doc.sentences]},
            separators=(",", ":"),
        )
        with self.transaction() as conn:
            known = self.document_id(digest)
            if known is not None:  # another process stored it since we looked
                conn.execute("INSERT OR IGNORE INTO origins VALUES (?, ?)", (path, known))
                return known, False
            cursor = conn.execute(
                "INSERT INTO documents (digest, name, text, structure, words) VALUES (?, ?, ?, ?, ?)",
                (digest, path, doc.text, structure, len(doc.view.words)),
            )
            document = int(cursor.lastrowid or 0)
            conn.execute("INSERT INTO origins VALUES (?, ?)", (path, document))
            conn.execute("INSERT INTO document_words (rowid, words) VALUES (?, ?)", (document, " ".join(doc.view.words)))
            conn.executemany(
                "INSERT INTO paragraph_words (words, document, start_at, end_at) VALUES (?, ?, ?, ?)",
                [(" ".join(_words_of(doc, p)), _document_token(document), p.start, p.end) for p in doc.paragraphs],
            )
            ids = []
            for span in passages:
                cursor = conn.execute(
                    "INSERT INTO passages (document, start_at, end_at) VALUES (?, ?, ?)", (document, span.start, span.end)
                )
                ids.append(int(cursor.lastrowid or 0))
            if vectors is not None and model is not None:
                self._put_vectors(model, document, ids, vectors)
        return document, True

    def put_vectors(self, model: str, document: int, vectors: np.ndarray) -> None:
        """The vectors of a stored report's passages, in passage order, under `model`."""
        with self.transaction():
            self._put_vectors(model, document, [p for p, _, _ in self.passages(document)], vectors)

    def _put_vectors(self, model: str, document: int, passage_ids: Sequence[int], vectors: np.ndarray) -> None:
        if len(passage_ids) != len(vectors):
            raise LibraryError(f"{len(vectors)} vectors for {len(passage_ids)} passages")
        rows = [(model, p, np.asarray(v, dtype=VECTOR_DTYPE).tobytes()) for p, v in zip(passage_ids, vectors)]
        self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
        self.conn.execute("INSERT OR IGNORE INTO embedded VALUES (?, ?)", (model, document))

    # --- reading ------------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def words(self, document: int) -> int:
        row = self.conn.execute("SELECT words FROM documents WHERE id = ?", (document,)).fetchone()
        return int(row[0]) if row else 0

    def document_ids(self) -> list[int]:
        return [int(r[0]) for r in self.conn.execute("SELECT id FROM documents ORDER BY id")]

    def describe(self, document: int) -> tuple[str, str, list[str]]:
        """A stored report's (digest, name, every path it was added from)."""
        row = self.conn.execute("SELECT digest, name FROM documents WHERE id = ?", (document,)).fetchone()
        if row is None:
            raise LibraryError(f"no report {document} in {self.directory}")
        paths = [r[0] for r in self.conn.execute("SELECT path FROM origins WHERE document = ? ORDER BY path", (document,))]
        return str(row[0]), str(row[1]), paths

    def document(self, document: int) -> LoadedDocument:
        """A stored report as a LoadedDocument, its structure read back, not found again."""
        name, text, paragraphs, sentences = self._stored(document)
        return LoadedDocument(
            name=name,
            text=text,
            paragraphs=[Span(start=a, end=b) for a, b in paragraphs],
            sentences=[Sentence(start=a, end=b, paragraph=p) for a, b, p in sentences],
        )

    def excerpt(self, document: int, spans: Sequence[tuple[int, int]] | None = None) -> Excerpt:
        """The paragraphs of a stored report that begin at the starts of `spans` (as paragraphs_with gives
        them), as a document of their own; the whole report when `spans` is None."""
        name, text, paragraphs, sentences = self._stored(document)
        if spans is None:
            return Excerpt(self.document(document), [(0, len(text), 0)], text)
        wanted = {a for a, _ in spans}
        chosen = [(i, a, b) for i, (a, b) in enumerate(paragraphs) if a in wanted]
        pieces: list[tuple[int, int, int]] = []
        parts: list[str] = []
        new_paragraphs: list[Span] = []
        new_sentences: list[Sentence] = []
        at = 0
        by_paragraph: dict[int, list[tuple[int, int]]] = {}
        for a, b, p in sentences:
            by_paragraph.setdefault(p, []).append((a, b))
        for number, (i, a, b) in enumerate(chosen):
            if parts:
                parts.append(EXCERPT_SEPARATOR)
                at += len(EXCERPT_SEPARATOR)
            parts.append(text[a:b])
            pieces.append((at, at + b - a, a))
            new_paragraphs.append(Span(start=at, end=at + b - a))
            new_sentences += [Sentence(start=at + sa - a, end=at + sb - a, paragraph=number) for sa, sb in by_paragraph.get(i, [])]
            at += b - a
        doc = LoadedDocument(name=name, text="".join(parts), paragraphs=new_paragraphs, sentences=new_sentences)
        return Excerpt(doc, pieces, text)

    def _stored(self, document: int) -> tuple[str, str, list[list[int]], list[list[int]]]:
        row = self.conn.execute("SELECT name, text, structure FROM documents WHERE id = ?", (document,)).fetchone()
        if row is None:
            raise LibraryError(f"no report {document} in {self.directory}")
        name, text, structure = row
        data = json.loads(structure)
        return str(name), str(text), data["paragraphs"], data["sentences"]

    def document_by_digest(self, digest: str) -> LoadedDocument:
        """A stored report by its digest (as a Candidate names it)."""
        document = self.document_id(digest)
        if document is None:
            raise LibraryError(f"no report {digest[:12]} in {self.directory}")
        return self.document(document)

    def passages(self, document: int) -> list[tuple[int, int, int]]:
        """(passage id, start, end) of a report's embedded sentences, in order."""
        rows = self.conn.execute(
            "SELECT id, start_at, end_at FROM passages WHERE document = ? ORDER BY id", (document,)
        )
        return [(int(a), int(b), int(c)) for a, b, c in rows]

    def passage_places(self, ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """Each passage's (document, start, end)."""
        wanted = sorted(set(ids))
        found: dict[int, tuple[int, int, int]] = {}
        for i in range(0, len(wanted), TERM_BATCH):
            chunk = wanted[i : i + TERM_BATCH]
            marks = ",".join("?" * len(chunk))
            for p, d, a, b in self.conn.execute(
                f"SELECT id, document, start_at, end_at FROM passages WHERE id IN ({marks})", chunk
            ):
                found[int(p)] = (int(d), int(a), int(b))
        return found

    def unembedded(self, model: str) -> list[int]:
        """The reports whose passages have no vectors under `model` yet (added without embedding, say)."""
        rows = self.conn.execute(
            "SELECT id FROM documents WHERE id NOT IN (SELECT document FROM embedded WHERE model = ?) ORDER BY id",
            (model,),
        )
        return [int(r[0]) for r in rows]

    def vector_count(self, model: str) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0])

    def vectors(self, model: str, passage_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, their vectors as float32 rows) under `model`: all of them, or those asked for."""
        if passage_ids is None:
            rows = self.conn.execute("SELECT passage, vector FROM vectors WHERE model = ? ORDER BY passage", (model,)).fetchall()
        else:
            rows = []
            for i in range(0, len(passage_ids), TERM_BATCH):
                chunk = list(passage_ids[i : i + TERM_BATCH])
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT passage, vector FROM vectors WHERE model = ? AND passage IN ({marks}) ORDER BY passage",
                    [model, *chunk],
                ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.uint64)
        if not rows:
            return ids, np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=VECTOR_DTYPE).reshape(len(rows), -1)
        return ids, matrix.astype(np.float32)

    def holders(self, words: Iterable[str]) -> dict[str, set[int]]:
        """The reports each word occurs in, from the full-text index's lists (no report's text is read)."""
        return {
            word: {int(r[0]) for r in self.conn.execute("SELECT rowid FROM document_words WHERE document_words MATCH ?", (_fts_term(word),))}
            for word in sorted(set(words))
        }

    def paragraphs_with(self, document: int, words: Iterable[str], limit: int) -> list[tuple[int, int]]:
        """(start, end) of the `limit` paragraphs of a report that bm25 ranks highest for any of `words`."""
        terms = " OR ".join(_fts_term(w) for w in sorted(set(words)))
        if not terms:
            return []
        query = f"document : {_fts_term(_document_token(document))} AND words : ({terms})"
        rows = self.conn.execute(
            "SELECT start_at, end_at FROM paragraph_words WHERE paragraph_words MATCH ? ORDER BY rank, start_at LIMIT ?",
            (query, limit),
        )
        return [(int(a), int(b)) for a, b in rows]

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """In how many stored reports each word occurs (0 for a word no report has)."""
        wanted = sorted(set(words))
        found = dict.fromkeys(wanted, 0)
        for i in range(0, len(wanted), TERM_BATCH):
            chunk = wanted[i : i + TERM_BATCH]
            marks = ",".join("?" * len(chunk))
            for term, documents in self.conn.execute(
                f"SELECT term, doc FROM document_terms WHERE term IN ({marks})", chunk
            ):
                found[term] = int(documents)
        return found

    def search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(report id, bm25 rank: lower is better) of the reports an FTS5 query matches, best first."""
        try:
            rows = self.conn.execute(
                "SELECT rowid, rank FROM document_words WHERE document_words MATCH ? ORDER BY rank, rowid LIMIT ?",
                (query, limit),
            ).fetchall()
        except sqlite3.OperationalError as e:  # a query we built badly is a bug, not a user's error; say which
            raise LibraryError(f"full-text query {query!r} failed: {e}") from None
        return [(int(r), float(s)) for r, s in rows]

    def problems(self) -> list[str]:
        """What is wrong with the library, if anything: SQLite's own integrity check, and every report having
        its words, its origin and (where it is marked embedded) a vector for each passage."""
        found = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        documents = set(self.document_ids())
        worded = {int(r[0]) for r in self.conn.execute("SELECT rowid FROM document_words")}
        if worded != documents:
            found.append(f"{len(documents ^ worded)} reports and full-text rows do not match")
        paragraphed = {int(r[0][1:]) for r in self.conn.execute("SELECT DISTINCT document FROM paragraph_words")}
        if not paragraphed <= documents:
            found.append(f"{len(paragraphed - documents)} reports have paragraphs but no row")
        origins = {int(r[0]) for r in self.conn.execute("SELECT DISTINCT document FROM origins")}
        if origins != documents:
            found.append(f"{len(documents ^ origins)} reports without an origin, or origins without a report")
        missing = self.conn.execute(
            "SELECT COUNT(*) FROM embedded e JOIN passages p ON p.document = e.document "
            "LEFT JOIN vectors v ON v.model = e.model AND v.passage = p.id WHERE v.passage IS NULL"
        ).fetchone()[0]
        if missing:
            found.append(f"{missing} passages of embedded reports have no vector")
        return found
