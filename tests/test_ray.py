"""`factcheck batch --engine ray`: Ray actors, one per worker, each building its embedder once, write the local
engine's bytes for real pairs (samples/real/dev) with the fake embedder; without Ray, a one-line error."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.batch import BatchItem, items_from_dir, run_batch
from factcheck.cli import Injected, app
from factcheck.errors import EngineError
from tests.conftest import ROOT, SAMPLES
from tests.fakes import HashingEmbedder
from tests.test_batch import files

runner = CliRunner()
FORMATS = ("html", "json", "md")
PAIRS = 5
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is in the test extra")


@dataclass(frozen=True)
class RecordingFactory:
    """An embedder factory that leaves a file named by the process id each time it builds an embedder, holding
    the process's FACTCHECK_CACHE."""

    folder: str

    def __call__(self) -> HashingEmbedder:
        cache = os.environ.get("FACTCHECK_CACHE", "")
        (Path(self.folder) / f"{os.getpid()}-{uuid.uuid4().hex}").write_text(cache, encoding="utf-8")
        return HashingEmbedder()


def failing_factory() -> HashingEmbedder:
    raise RuntimeError("the model is not installed here")


@pytest.fixture(scope="module")
def real_pairs(tmp_path_factory) -> Path:
    """A few real pairs of the dev split (release and source only), and a pair whose source is missing."""
    folder = tmp_path_factory.mktemp("real")
    for item in items_from_dir(SAMPLES / "real" / "dev")[:PAIRS]:
        (folder / item.name).mkdir()
        for path in (item.release, item.source):
            (folder / item.name / path.name).write_bytes(path.read_bytes())
    (folder / "zz-no-source").mkdir()
    (folder / "zz-no-source" / "release.txt").write_text("Ofsted said: “It is good.”\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_reports(real_pairs, tmp_path_factory, settings) -> Path:
    out = tmp_path_factory.mktemp("local")
    run_batch(items_from_dir(real_pairs), out, 2, FORMATS, settings, embedder_factory=HashingEmbedder,
              progress=False)
    return out


@needs_ray
def test_the_command_starts_its_own_cluster_and_writes_the_local_engine_s_bytes(real_pairs, local_reports, tmp_path):
    """In another process, as a user runs it: a local Ray instance started with num_cpus = workers, then stopped."""
    out = tmp_path / "ray"
    done = subprocess.run(
        [sys.executable, "-m", "tests.launch", "batch", str(real_pairs), "--out", str(out), "--engine", "ray",
         "--workers", "2", "--format", ",".join(FORMATS)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 1, done.stderr  # the pair without a source fails; the others are checked
    assert "1 of 6 items failed" in done.stderr and "zz-no-source: zz-no-source/ has no source.* file" in done.stderr
    assert "with 2 workers" in done.stderr
    assert files(out) == files(local_reports)


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster for this module's tests, as a program using factcheck as a library would start it."""
    ray = pytest.importorskip("ray", reason="ray is in the test extra")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_actors_build_the_embedder_once_each_and_write_the_local_engine_s_bytes(
    cluster, real_pairs, local_reports, tmp_path, settings, monkeypatch
):
    built = tmp_path / "built"
    built.mkdir()
    monkeypatch.setenv("FACTCHECK_CACHE", str(tmp_path / "cache"))  # set after the cluster started
    out = tmp_path / "ray"
    result = run_batch(items_from_dir(real_pairs), out, 2, FORMATS, settings,
                       embedder_factory=RecordingFactory(str(built)), progress=False, engine="ray")
    assert result.engine == "ray" and result.workers == 2
    assert [r.ok for r in result.items] == [True] * PAIRS + [False]
    assert sum(r.quotes for r in result.items) > PAIRS  # real releases, several quotations each
    pids = [p.name.split("-")[0] for p in built.iterdir()]
    assert len(pids) == 2 and len(set(pids)) == 2 and str(os.getpid()) not in pids  # once per actor
    assert {p.read_text(encoding="utf-8") for p in built.iterdir()} == {str(tmp_path / "cache")}  # as local workers
    # the reports and the index are the local engine's bytes (the manifests name another embedder factory)
    assert files(out, manifests=False) == files(local_reports, manifests=False)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["items"][-1]["error"] == "zz-no-source/ has no source.* file"


def test_a_rerun_on_ray_reuses_every_finished_item_without_starting_an_actor(
    cluster, real_pairs, local_reports, tmp_path, settings
):
    out = tmp_path / "out"
    first = run_batch(items_from_dir(real_pairs), out, 2, FORMATS, settings, embedder_factory=HashingEmbedder,
                      progress=False, engine="ray")
    assert not first.reused
    again = run_batch(items_from_dir(real_pairs), out, 2, FORMATS, settings, embedder_factory=HashingEmbedder,
                      progress=False, engine="ray")
    assert len(again.reused) == PAIRS and again.workers == 1  # only the failed item is checked again
    assert files(out) == files(local_reports)  # manifests too: the same embedder factory as the local run


def test_workers_that_cannot_build_their_embedder_are_one_error(cluster, real_pairs, tmp_path, settings):
    with pytest.raises(EngineError, match="^the Ray workers could not start: .*the model is not installed here"):
        run_batch(items_from_dir(real_pairs), tmp_path, 2, FORMATS, settings, embedder_factory=failing_factory,
                  progress=False, engine="ray")


def test_an_actor_refuses_to_run_other_factcheck_code(settings):
    from factcheck.batch.ray_engine import ItemChecker

    with pytest.raises(EngineError, match="other factcheck code"):
        ItemChecker(settings, HashingEmbedder, 1, "0" * 64)


def test_without_ray_the_engine_is_a_one_line_error_naming_the_extra(monkeypatch, tmp_path, real_pairs):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where it is not installed
    result = runner.invoke(app, ["batch", str(real_pairs), "--out", str(tmp_path), "--engine", "ray"],
                           obj=Injected(embedder_factory=HashingEmbedder))
    assert result.exit_code == 2
    assert result.output == (
        "factcheck: error: the ray engine needs Ray, which is not installed: pip install 'factcheck[scale]'\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "spark"], "unknown engine 'spark'; choose from local, ray"),
        (["--address", "ray://head:10001"], "ray://head:10001 is a Ray cluster's address: it needs the ray engine"),
    ],
)
def test_an_unknown_engine_or_an_address_without_ray_is_a_one_line_error(args, message, tmp_path, real_pairs):
    result = runner.invoke(app, ["batch", str(real_pairs), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"factcheck: error: {message}") and len(result.output.splitlines()) == 1


def test_an_item_list_with_nothing_to_check_starts_no_engine(tmp_path, settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # Ray is not even imported
    result = run_batch([], tmp_path, 2, FORMATS, settings, progress=False, engine="ray")
    assert result.items == [] and result.workers == 0
    item = BatchItem("x", tmp_path / "r.txt", tmp_path / "s.txt", error="x/ has no source.* file")
    with pytest.raises(EngineError, match="pip install 'factcheck\\[scale\\]'"):
        run_batch([item], tmp_path, 2, FORMATS, settings, progress=False, engine="ray")
