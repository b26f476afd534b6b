from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factcheck.config import Settings, load_settings
from tests.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# Debian's Chromium, driven by Playwright (never `playwright install`); flags that keep it off the network
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium for the browser tests (skipped where playwright is not installed)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
