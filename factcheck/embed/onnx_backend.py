"""The default backend: all-MiniLM-L6-v2 exported to ONNX, quantised to int8, run with onnxruntime (loads in a
fraction of a second); torch when the export cannot be had."""

from __future__ import annotations

import json
import logging

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.embed.environment import (
    PROGRESS_LOGGER,
    failure_path,
    manifest_path,
    module_available,
    onnx_dir,
    onnx_model_path,
)
from factcheck.embed.export import export_onnx
from factcheck.embed.onnx_session import OnnxSession
from factcheck.embed.store import CachingEmbedder
from factcheck.embed.torch_backend import SentenceTransformerEmbedder

log = logging.getLogger(__name__)
progress = logging.getLogger(PROGRESS_LOGGER)


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
        failed = failure_path()
        try:
            if not path.exists() and failed.exists():
                reason = (
                    f"an earlier export failed ({failed.read_text(encoding='utf-8').strip()[:300]}); "
                    "run scripts/export_onnx.py to try again"
                )
            else:
                if not path.exists() and module_available("torch"):
                    # about 10 s on two cores (measured: 11 s for a first `factcheck check`, 0.6 s after)
                    progress.info("preparing the embedding model (first run, about 10 s)\u2026")
                    log.info("exporting the embedding model to ONNX, once: %s", path)
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

    def compute(self, texts: list[str]) -> np.ndarray:
        if self._session is None and self._fallback is None:
            self._load()
        if self._fallback is not None:
            return self._fallback.compute(texts)
        assert self._session is not None
        return self._session.encode(texts)


def _onnx_model_id(settings: EmbeddingSettings) -> str:
    """Names the exported file's vectors in the disk cache: changes whenever the file does."""
    try:
        digest = json.loads(manifest_path().read_text(encoding="utf-8"))["sha256"][:16]
    except (OSError, ValueError, KeyError, TypeError):
        digest = "unexported"
    return f"{settings.model}:onnx-int8:{digest}"
