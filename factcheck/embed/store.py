"""The vector caches in front of the real backends: per text, in memory (``CachingEmbedder``) and on disk
(``VectorStore``: one sqlite file in the cache folder, keyed by model id and the sha256 of the text), so a
source checked again is read, not encoded."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.embed.environment import DIMENSIONS, cache_dir

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 10.0  # seconds a process waits for another's write to the vector cache
MEMORY_CACHE_LIMIT = 50_000  # vectors kept in memory per embedder (about 77 MB at 384 float32)


class VectorStore:
    """Embeddings kept on disk between runs, in one sqlite file, keyed by (model id, sha256 of the text).

    Bounded: when it holds more than `max_vectors`, the least recently used are dropped (down to 90%). Any
    error (a read-only folder, a locked or damaged file) disables the store for the process with one warning:
    the cache never makes a check fail."""

    def __init__(self, path: Path, max_vectors: int) -> None:
        self.path = path
        self.max_vectors = max_vectors
        self._conn: Any = None
        self._broken = False
        self._count = 0

    def _connect(self) -> Any:
        if self._conn is None:
            import sqlite3

            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with _immediate(conn):
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, digest BLOB NOT NULL, "
                    "vector BLOB NOT NULL, used REAL NOT NULL, PRIMARY KEY (model, digest)) WITHOUT ROWID"
                )
                conn.execute("CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used)")
                (self._count,) = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()
            self._conn = conn
        return self._conn

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except Exception as e:  # noqa: BLE001 - sqlite3.Error, OSError: the cache is an optimisation, never a failure
            log.warning("embedding cache %s disabled: %s", self.path, e)
            self._broken = True
            self.close()

    @staticmethod
    def digest(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def get(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        found: dict[str, np.ndarray] = {}
        if self._broken or not texts:
            return found
        by_digest = {self.digest(t): t for t in texts}
        digests = list(by_digest)
        hits: list[bytes] = []
        with self._guard():
            conn = self._connect()
            for i in range(0, len(digests), 500):
                chunk = digests[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})", (model, *chunk)
                ).fetchall()
                for digest, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (DIMENSIONS,):
                        found[by_digest[bytes(digest)]] = vector
                        hits.append(bytes(digest))
            if hits:
                now = time.time()
                with _immediate(conn):
                    for i in range(0, len(hits), 500):
                        chunk = hits[i : i + 500]
                        conn.execute(
                            f"UPDATE vectors SET used = ? WHERE model = ? AND digest IN ({','.join('?' * len(chunk))})",
                            (now, model, *chunk),
                        )
        return found

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        if self._broken or not texts:
            return
        now = time.time()
        rows = [
            (model, self.digest(t), np.ascontiguousarray(v, dtype=np.float32).tobytes(), now)
            for t, v in zip(texts, vectors)
        ]
        with self._guard():
            conn = self._connect()
            with _immediate(conn):
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                self._count += len(rows)  # an upper bound (replaced rows count twice): trimming checks exactly
                if self._count > self.max_vectors:
                    (self._count,) = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()
                    if self._count > self.max_vectors:
                        keep = int(self.max_vectors * 0.9)
                        conn.execute(
                            "DELETE FROM vectors WHERE (model, digest) IN "
                            "(SELECT model, digest FROM vectors ORDER BY used LIMIT ?)",
                            (self._count - keep,),
                        )
                        self._count = keep

    def count(self) -> int:
        with self._guard():
            return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        return 0

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


@contextlib.contextmanager
def _immediate(conn: Any) -> Iterator[None]:
    """A write transaction that takes the write lock at once: a deferred one that reads first and writes later
    can fail at once with "database is locked" when another process wrote in between, busy timeout or not."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


_stores: dict[tuple[Path, int], VectorStore] = {}


def vector_store(settings: EmbeddingSettings) -> VectorStore | None:
    """The process's store for the current cache folder, or None when settings turn it off."""
    if not settings.disk_cache:
        return None
    key = (cache_dir() / "vectors.sqlite3", settings.disk_cache_max_vectors)
    if key not in _stores:
        _stores[key] = VectorStore(*key)
    return _stores[key]


def forget_stores() -> None:
    """In a forked child: drop the parent's cache connections, which must not be shared."""
    _stores.clear()


class CachingEmbedder:
    """Shared by the real backends: a per-text cache in memory and on disk in front of `compute`."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._cache: dict[str, np.ndarray] = {}
        self.computed = 0  # texts actually run through the model (for tests and benchmarks)

    @property
    def model_id(self) -> str:
        raise NotImplementedError

    def compute(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        found = {t: self._cache[t] for t in unique if t in self._cache}
        missing = [t for t in unique if t not in found]
        if missing:
            new: dict[str, np.ndarray] = {}
            store = vector_store(self.settings)
            if store is not None:
                new.update(store.get(self.model_id, missing))
                missing = [t for t in missing if t not in new]
            if missing:
                vectors = np.asarray(self.compute(missing), dtype=np.float32)
                self.computed += len(missing)
                new.update(zip(missing, vectors))
                if store is not None:
                    store.put(self.model_id, missing, vectors)  # under the id of the backend that computed them
            found.update(new)
            self._remember(new)
        return np.stack([found[t] for t in texts])

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        self._cache.update(vectors)
        excess = len(self._cache) - MEMORY_CACHE_LIMIT
        if excess > 0:
            for key in list(self._cache)[:excess]:  # the oldest first (insertion order)
                del self._cache[key]
