"""The embedding seam: the ONNX backend, the per-text caches (memory and disk), and lazy imports."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from factcheck.config import EmbeddingSettings, load_settings
from factcheck.embed import (
    CHECK_TEXTS,
    CachingEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    VectorStore,
    default_embedder,
    onnx_backend,
    store,
    vector_store,
)
from factcheck.embed.environment import module_available
from tests.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent


class CountingEmbedder(CachingEmbedder):
    """The caching of the real backends over a deterministic fake model that counts what it is asked for."""

    def __init__(self, settings: EmbeddingSettings, model_id: str = "fake-model") -> None:
        super().__init__(settings)
        self._model_id = model_id
        self.asked: list[str] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    def compute(self, texts: list[str]) -> np.ndarray:
        self.asked.extend(texts)
        return HashingEmbedder(384).encode(texts)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder, so no test reads or writes the user's."""
    monkeypatch.setenv("FACTCHECK_CACHE", str(tmp_path / "cache"))
    store._stores.clear()
    yield tmp_path / "cache"
    for opened in store._stores.values():
        opened.close()
    store._stores.clear()


def test_importing_factcheck_imports_neither_torch_nor_onnxruntime():
    code = (
        "import sys, factcheck, factcheck.cli, factcheck.pipeline, factcheck.embed\n"
        "from factcheck.config import load_settings\n"
        "e = factcheck.embed.default_embedder(load_settings().embedding)\n"
        "heavy = ('torch', 'onnxruntime', 'sentence_transformers', 'transformers', 'tokenizers', 'onnx')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_the_cache_returns_identical_vectors_keyed_by_text(cache):
    settings = EmbeddingSettings()
    first = CountingEmbedder(settings)
    a = first.encode(["Pupils are safe.", "Staff are kind."])
    assert first.asked == ["Pupils are safe.", "Staff are kind."]

    again = first.encode(["Staff are kind.", "Pupils are safe.", "Staff are kind."])  # memory
    assert first.asked == ["Pupils are safe.", "Staff are kind."]
    assert again.tobytes() == np.stack([a[1], a[0], a[1]]).tobytes()

    second = CountingEmbedder(settings)  # a new process, as far as memory goes: the disk answers
    b = second.encode(["Staff are kind.", "Leaders act quickly.", "Pupils are safe."])
    assert second.asked == ["Leaders act quickly."]
    assert b[0].tobytes() == a[1].tobytes() and b[2].tobytes() == a[0].tobytes()
    assert (cache / "vectors.sqlite3").exists()

    # keyed by the exact text, and by the model
    third = CountingEmbedder(settings)
    third.encode(["pupils are safe."])
    assert third.asked == ["pupils are safe."]
    other_model = CountingEmbedder(settings, model_id="another-model")
    other_model.encode(["Pupils are safe."])
    assert other_model.asked == ["Pupils are safe."]


def test_empty_input_gives_an_empty_matrix(cache):
    assert CountingEmbedder(EmbeddingSettings()).encode([]).shape == (0, 384)


def test_the_disk_cache_can_be_turned_off(cache):
    settings = EmbeddingSettings(disk_cache=False)
    assert vector_store(settings) is None
    CountingEmbedder(settings).encode(["Pupils are safe."])
    again = CountingEmbedder(settings)
    again.encode(["Pupils are safe."])
    assert again.asked == ["Pupils are safe."]
    assert not (cache / "vectors.sqlite3").exists()


def test_the_disk_cache_is_bounded_and_drops_the_least_recently_used(tmp_path):
    disk = VectorStore(tmp_path / "v.sqlite3", max_vectors=10)
    vectors = HashingEmbedder(384).encode([f"text {i}" for i in range(30)])
    for i in range(30):
        disk.put("m", [f"text {i}"], vectors[i : i + 1])
        if i == 5:
            assert disk.get("m", ["text 0"])  # reading text 0 keeps it recent
    assert disk.count() <= 10
    assert set(disk.get("m", [f"text {i}" for i in range(30)])) >= {"text 29", "text 28"}
    assert not disk.get("m", ["text 1"])
    disk.close()


def test_an_unusable_cache_folder_never_fails_a_check(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("FACTCHECK_CACHE", str(blocker))
    store._stores.clear()
    embedder = CountingEmbedder(EmbeddingSettings())
    with caplog.at_level(logging.WARNING, logger="factcheck.embed"):
        out = embedder.encode(["Pupils are safe.", "Staff are kind."])
    assert out.shape == (2, 384)
    assert "disabled" in caplog.text
    store._stores.clear()


def test_settings_choose_the_backend(cache):
    settings = load_settings().embedding
    assert settings.backend == "onnx"
    with pytest.raises(ValidationError):
        EmbeddingSettings(backend="tensorflow")
    torch_settings = settings.model_copy(update={"backend": "torch"})
    assert isinstance(default_embedder(torch_settings), SentenceTransformerEmbedder)
    if module_available("onnxruntime") and module_available("tokenizers"):
        assert isinstance(default_embedder(settings), OnnxEmbedder)
    assert default_embedder(settings) is default_embedder(settings)  # one per process


def test_onnx_falls_back_to_torch_when_the_export_cannot_be_had(cache, monkeypatch, caplog):
    monkeypatch.setattr(onnx_backend, "module_available", lambda module: module != "torch")
    embedder = OnnxEmbedder(EmbeddingSettings())
    with caplog.at_level(logging.WARNING, logger="factcheck.embed"):
        embedder._load()  # no exported file in the private cache folder, and "no torch" to export it
    assert embedder.backend == "torch"
    assert "does not exist" in caplog.text
    assert embedder.model_id.startswith("all-MiniLM-L6-v2:torch:")


def test_a_failed_export_is_not_tried_again_by_every_process(cache, monkeypatch, caplog):
    (cache / "onnx").mkdir(parents=True)
    (cache / "onnx" / "export-failed.txt").write_text("FactcheckError: disagrees\n")
    monkeypatch.setattr(onnx_backend, "module_available", lambda module: True)

    def no_export(*args, **kwargs):
        raise AssertionError("export_onnx must not be called")

    monkeypatch.setattr(onnx_backend, "export_onnx", no_export)
    embedder = OnnxEmbedder(EmbeddingSettings())
    with caplog.at_level(logging.WARNING, logger="factcheck.embed"):
        embedder._load()
    assert embedder.backend == "torch"
    assert "an earlier export failed" in caplog.text


def test_more_texts_than_the_memory_cache_holds(cache, monkeypatch):
    monkeypatch.setattr(store, "MEMORY_CACHE_LIMIT", 3)
    embedder = CountingEmbedder(EmbeddingSettings(disk_cache=False))
    texts = [f"Sentence number {i}." for i in range(7)]
    out = embedder.encode(texts)
    assert out.shape == (7, 384)
    assert out.tobytes() == HashingEmbedder(384).encode(texts).tobytes()
    assert len(embedder._cache) <= 3


@pytest.mark.model
def test_the_onnx_embedder_agrees_with_the_torch_one():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tokenizers")
    settings = load_settings().embedding.model_copy(update={"disk_cache": False})
    source = (ROOT / "samples" / "birmingham-2021" / "source.txt").read_text(encoding="utf-8")
    sentences = [" ".join(s.split()) for s in source.split(". ") if len(s.split()) >= 4][:20]
    texts = [*CHECK_TEXTS, *sentences]
    fast = OnnxEmbedder(settings)
    ours = fast.encode(texts)
    assert fast.backend == "onnx"
    theirs = SentenceTransformerEmbedder(settings).encode(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = (ours * theirs).sum(axis=1)
    # The export is checked at 0.98 on its own check texts; on the reference letter's sentences the lowest seen
    # is 0.977 (onnxruntime 1.32, torch 2.13), with a mean above 0.99.
    assert cosines.min() >= 0.97, cosines
    assert cosines.mean() >= 0.99, cosines
    # the nearest neighbours agree too: each sentence's closest other sentence is the same under both
    np.fill_diagonal(sim_ours := ours @ ours.T, -1)
    np.fill_diagonal(sim_theirs := theirs @ theirs.T, -1)
    assert (sim_ours.argmax(axis=1) == sim_theirs.argmax(axis=1)).mean() >= 0.9


def test_the_package_exports_a_sorted_complete_all():
    """Sorted as ruff sorts it (RUF022): constants, then classes, then functions, each alphabetically."""
    import factcheck.embed

    names = factcheck.embed.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert all(hasattr(factcheck.embed, name) for name in factcheck.embed.__all__)
