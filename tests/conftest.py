from __future__ import annotations

from pathlib import Path

import pytest

from factcheck.config import Settings, load_settings
from factcheck.embed import HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()
