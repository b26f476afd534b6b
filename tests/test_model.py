"""The real packaged embedding model (marked `model`: loads torch, a few seconds)."""

from __future__ import annotations

import numpy as np
import pytest

from factcheck import check
from factcheck.config import load_settings
from factcheck.embed import SentenceTransformerEmbedder

pytestmark = pytest.mark.model

SOURCE = (
    "Most pupils attend regularly and arrive on time. The library is popular with pupils.\n\n"
    "Staff are well trained and report concerns promptly. The school field floods in winter.\n"
)


@pytest.fixture(scope="module")
def embedder():
    return SentenceTransformerEmbedder(load_settings().embedding)


def test_model_loads_from_the_package_and_gives_unit_vectors(embedder):
    vectors = embedder.encode(["Pupils are safe.", "Staff are kind."])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_a_paraphrase_in_quotation_marks_finds_its_source_sentence(embedder):
    report = check("Inspectors said ‘employees have been properly trained and raise worries quickly’.", SOURCE, embedder=embedder)
    finding = report.quotes[0]
    assert finding.verdict in ("altered", "not_in_source")
    assert "Staff are well trained" in (finding.source_text or finding.explanation)
