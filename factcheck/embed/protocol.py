"""The one-method protocol every embedder follows, and the process's shared real model."""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.embed.environment import module_available
from factcheck.embed.onnx_backend import OnnxEmbedder
from factcheck.embed.store import CachingEmbedder, forget_stores
from factcheck.embed.torch_backend import SentenceTransformerEmbedder

log = logging.getLogger(__name__)


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        ...


_shared: dict[EmbeddingSettings, CachingEmbedder] = {}


def forget_inherited_state() -> None:
    """In a forked child: drop the parent's models and cache connections, which must not be shared."""
    _shared.clear()
    forget_stores()


def default_embedder(settings: EmbeddingSettings) -> CachingEmbedder:
    """One model per process, shared by every check: the ONNX backend when settings ask for it (the default)
    and onnxruntime is installed, else torch. Nothing is loaded until the first encode()."""
    if settings not in _shared:
        if settings.backend == "onnx" and module_available("onnxruntime") and module_available("tokenizers"):
            _shared[settings] = OnnxEmbedder(settings)
        else:
            if settings.backend == "onnx":
                log.warning("onnxruntime or tokenizers is not installed; using the torch embedding backend")
            _shared[settings] = SentenceTransformerEmbedder(settings)
    return _shared[settings]
