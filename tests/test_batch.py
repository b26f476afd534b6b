"""`factcheck batch` and factcheck.batch.run_batch(): 50 generated pairs in two worker processes with the fake
embedder, a progress bar, per-item errors, index.html and index.json, exit statuses, deterministic outputs; and a
batch run again into the same folder, after a deleted report, a changed input or a kill -9, checking only what
it must."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from factcheck.batch import (
    BatchItem,
    find_items,
    items_from_manifest,
    parse_formats,
    run_batch,
    unique_names,
)
from factcheck.cli import Injected, app
from factcheck.config import with_overrides
from factcheck.embed import protocol, store
from factcheck.errors import InputError
from tests.conftest import ROOT
from tests.fakes import HashingEmbedder

PAIRS = 50
HEAVY = {"torch", "onnxruntime", "sentence_transformers", "transformers"}
EMBEDDER_LOG_ENV = "FACTCHECK_TEST_EMBEDDER_LOG"
runner = CliRunner()
FAKE = Injected(embedder_factory=HashingEmbedder)  # the CLI's workers use the fake embedder


def _generator():
    spec = importlib.util.spec_from_file_location("make_batch_samples", ROOT / "scripts" / "make_batch_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_pairs = _generator().make_pairs


def files(folder: Path, manifests: bool = True) -> dict[str, bytes]:
    """Every file under `folder` (the reports, the index, and the resume manifests) by relative path."""
    found = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {name: data for name, data in found.items() if manifests or not name.startswith(".factcheck-batch/")}


def recording_embedder() -> HashingEmbedder:
    """An embedder factory for the workers that leaves one file per call, named by the worker's process id."""
    folder = Path(os.environ[EMBEDDER_LOG_ENV])
    (folder / f"{os.getpid()}-{uuid.uuid4().hex}").write_text("", encoding="utf-8")
    return HashingEmbedder()


class FailingEmbedder:
    def encode(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("boom")


def failing_embedder() -> FailingEmbedder:
    return FailingEmbedder()


@pytest.fixture(scope="module")
def broken_batch(tmp_path_factory) -> Path:
    """50 pairs and one with an empty release; returns the manifest."""
    return make_pairs(tmp_path_factory.mktemp("batch"), PAIRS, broken=True)


@pytest.fixture(scope="module")
def library_run(broken_batch: Path, tmp_path_factory, settings):
    """The broken batch through run_batch() with two workers, recording where embedders were built."""
    log_dir = tmp_path_factory.mktemp("embedders")
    out = tmp_path_factory.mktemp("out-library")
    shared_before = {key: id(e) for key, e in protocol._shared.items()}
    heavy_before = HEAVY & set(sys.modules)
    os.environ[EMBEDDER_LOG_ENV] = str(log_dir)
    try:
        result = run_batch(
            items_from_manifest(broken_batch), out, 2, ("html", "json", "md"), settings,
            embedder_factory=recording_embedder, progress=True,
        )
    finally:
        del os.environ[EMBEDDER_LOG_ENV]
    shared_after = {key: id(e) for key, e in protocol._shared.items()}
    heavy_after = HEAVY & set(sys.modules)
    return result, out, log_dir, (shared_before, heavy_before), (shared_after, heavy_after)


def test_a_batch_of_50_pairs_writes_every_report_and_an_index_listing_every_item(library_run, broken_batch):
    result, out, _, _, _ = library_run
    names = [f"item-{i:03d}" for i in range(1, PAIRS + 1)] + [f"item-{PAIRS + 1:03d}-broken"]
    assert [r.name for r in result.items] == names  # the order of the manifest
    assert len(result.succeeded) == PAIRS and len(result.failed) == 1
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [item["name"] for item in index["items"]] == names
    assert index["totals"] == {
        "items": PAIRS + 1,
        "succeeded": PAIRS,
        "failed": 1,
        "quotes": sum(r.quotes for r in result.items),
        "flagged": sum(r.flagged for r in result.items),
        "severities": {s: sum(r.severities.get(s, 0) for r in result.items) for s in ("high", "medium", "low")},
    }
    page = (out / "index.html").read_text(encoding="utf-8")
    for item in index["items"][:PAIRS]:
        assert item["status"] == "ok" and item["quotes"] == 2
        assert item["reports"] == {fmt: f"{item['name']}.{fmt}" for fmt in ("html", "json", "md")}
        for file_name in item["reports"].values():
            assert (out / file_name).is_file()
            assert f'href="{file_name}"' in page
    # the generated pairs quote verbatim, drop a word or reword: some items are flagged, some are not
    assert any(item["flagged"] for item in index["items"]) and any(
        item["status"] == "ok" and not item["flagged"] for item in index["items"]
    )
    assert index["totals"]["severities"]["high"] > 0
    # reports name the inputs as the manifest does, not by where the batch lives
    report = json.loads((out / "item-002.json").read_text(encoding="utf-8"))
    assert (report["release"], report["source"]) == ("item-002/release.txt", "item-002/source.txt")


def test_the_broken_item_shows_its_error_and_writes_no_report(library_run):
    result, out, _, _, _ = library_run
    broken = result.items[-1]
    assert not broken.ok and broken.error_type == "EmptyInputError"
    assert broken.error == f"item-{PAIRS + 1:03d}-broken/release.txt is empty"
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["items"][-1]["status"] == "error"
    assert index["items"][-1]["error"] == broken.error
    assert index["items"][-1]["reports"] == {}
    assert not list(out.glob(f"{broken.name}.*"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"<strong>Error:</strong> {broken.error}" in page


def test_the_model_is_built_once_per_worker_and_never_in_the_parent(library_run):
    _, _, log_dir, shared_before, shared_after = library_run
    built = [p.name.split("-")[0] for p in log_dir.iterdir()]
    assert 1 <= len(built) <= 2, built  # once per worker, 2 workers
    assert len(set(built)) == len(built)
    assert str(os.getpid()) not in built
    assert shared_after == shared_before  # no embedder created in the parent, no model library imported


def test_the_progress_bar_is_drawn_on_stderr(broken_batch, tmp_path, settings, capsys):
    items = items_from_manifest(broken_batch)[:3]
    run_batch(items, tmp_path, 1, ("json",), settings, embedder_factory=HashingEmbedder, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "factcheck batch" in captured.err and "3/3" in captured.err


def test_cli_exits_1_and_says_how_many_failed_with_the_broken_item(broken_batch, tmp_path, library_run, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr("factcheck.cli._stderr_is_terminal", lambda: True)  # the progress bar shows on a terminal
    result = runner.invoke(
        app, ["batch", str(broken_batch), "--out", str(out), "--workers", "2"], obj=FAKE
    )
    assert result.exit_code == 1, result.output
    assert "factcheck batch" in result.output  # the progress bar
    assert "1 of 51 items failed" in result.output
    assert f"item-{PAIRS + 1:03d}-broken: item-{PAIRS + 1:03d}-broken/release.txt is empty" in result.output
    # deterministic: the same bytes as the library run of the same batch (other workers, other order of finishing)
    _, library_out, _, _, _ = library_run
    # (the manifests differ: they name the embedder factory, and the library run's is another one)
    ours, theirs = files(out, manifests=False), files(library_out, manifests=False)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert ours[name] == theirs[name], name


def test_cli_exits_0_for_a_folder_of_good_pairs(tmp_path):
    folder = tmp_path / "pairs"
    make_pairs(folder, PAIRS)
    (folder / "manifest.csv").unlink()  # a folder of item subfolders, no manifest
    out = folder / "reports"  # inside the batch folder: not taken for an item
    result = runner.invoke(
        app, ["batch", str(folder), "--out", str(out), "--workers", "2", "--format", "json,html"],
        obj=FAKE,
    )
    assert result.exit_code == 0, result.output
    assert "failed" not in result.output.splitlines()[-1]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["totals"]["items"] == PAIRS and index["totals"]["failed"] == 0
    assert len(list(out.glob("*.json"))) == PAIRS + 1 and len(list(out.glob("*.html"))) == PAIRS + 1
    assert not list(out.glob("*.md"))


def test_per_item_errors_of_every_kind_are_recorded_and_escaped(tmp_path, settings):
    good = tmp_path / "good"
    make_pairs(good, 3)
    hostile = tmp_path / "<b>bold&.txt"
    hostile.write_bytes(b"")  # an empty file: an error whose message names it
    reworded = tmp_path / "reworded"  # its quotation is nowhere in the source: the embedder is asked, and fails
    reworded.mkdir()
    (reworded / "release.txt").write_text("Inspectors said ‘social workers and children eat splendid lunches together each day’.\n")
    (reworded / "source.txt").write_text((good / "item-003" / "source.txt").read_text(encoding="utf-8"))
    items = [
        BatchItem("ok", good / "item-001/release.txt", good / "item-001/source.txt", "a.txt", "b.txt"),
        BatchItem("missing", tmp_path / "nope.txt", good / "item-001/source.txt", "nope.txt", "b.txt"),
        BatchItem("hostile", hostile, good / "item-001/source.txt", hostile.name, "b.txt"),
        BatchItem("unexpected", reworded / "release.txt", reworded / "source.txt", "r.txt", "s.txt"),
        BatchItem("bad-folder", tmp_path / "x", tmp_path / "y", "x", "y", error="bad-folder/ has no source.* file"),
    ]
    out = tmp_path / "out"
    result = run_batch(items, out, 2, ("html",), settings, embedder_factory=failing_embedder, progress=False)
    by_name = {r.name: r for r in result.items}
    assert [r.name for r in result.items] == [i.name for i in items]
    assert by_name["missing"].error == "nope.txt: no such file"
    assert by_name["hostile"].error_type == "EmptyInputError"
    assert by_name["unexpected"].error == "unexpected error: RuntimeError: boom"
    assert by_name["bad-folder"].error == "bad-folder/ has no source.* file"
    assert by_name["ok"].ok and by_name["ok"].quotes == 2  # item-001 quotes verbatim: the embedder is not asked
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;b&gt;bold&amp;.txt" in page


def test_manifest_names_are_safe_unique_and_relative_to_the_manifest(tmp_path):
    (tmp_path / "sub").mkdir()
    manifest = tmp_path / "list.csv"
    manifest.write_text(
        "Release,Source,Name\n"
        "sub/r1.txt,sub/s1.txt,The <first> one\n"
        "sub/r2.txt,sub/s2.txt,The <first> one\n"
        "sub/r3.txt,sub/s3.txt,\n"
        "sub/r4.txt,,index\n"
        "\n",
        encoding="utf-8",
    )
    items = find_items(manifest)
    assert [i.name for i in items] == ["The-first-one", "The-first-one-2", "sub-r3", "index-2"]
    assert items[0].release == tmp_path / "sub" / "r1.txt" and items[0].release_name == "sub/r1.txt"
    assert items[3].error  # no source
    assert unique_names(["A", "a", "../../etc"]) == ["A", "a-2", "etc"]


def test_bad_batches_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("first,second\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns release and source"):
        find_items(bad)
    with pytest.raises(InputError, match="unknown format pdf"):
        parse_formats("html,pdf")
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["batch", str(bad), "--out", str(tmp_path / "o")], ["batch", str(empty), "--out", str(tmp_path / "o")],
                 ["batch", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")],
                 ["batch", str(bad), "--out", str(tmp_path / "o"), "--format", "pdf"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("factcheck: error:") and len(result.output.strip().splitlines()) == 1


def test_folder_items_with_a_missing_or_doubled_file_are_errors(tmp_path):
    for name, files in {"a": ["release.txt", "source.md"], "b": ["release.txt"], "c": ["release.txt", "release.md", "source.txt"],
                        "d": ["notes.txt"]}.items():
        (tmp_path / name).mkdir()
        for f in files:
            (tmp_path / name / f).write_text("x", encoding="utf-8")
    items = find_items(tmp_path)
    assert [(i.name, i.error) for i in items] == [
        ("a", ""),
        ("b", "b/ has no source.* file"),
        ("c", "c/ has more than one release file: release.md, release.txt"),
    ]
    assert items[0].source.name == "source.md" and items[0].source_name == "a/source.md"


def test_workers_are_forked_only_on_linux_and_before_any_model_runtime_is_loaded(monkeypatch):
    from factcheck.batch import runner as batch

    for name in HEAVY:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert batch._start_method() == "fork"
    monkeypatch.setitem(sys.modules, "onnxruntime", object())
    assert batch._start_method() == "spawn"  # a forked child would inherit a thread pool without its threads
    monkeypatch.delitem(sys.modules, "onnxruntime")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert batch._start_method() == "spawn"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_forked_and_spawned_workers_write_the_same_bytes(broken_batch, tmp_path, settings, monkeypatch):
    from factcheck.batch import runner as batch

    items = items_from_manifest(broken_batch)[:6]
    outputs = {}
    for method in ("fork", "spawn"):
        monkeypatch.setattr(batch, "_start_method", lambda m=method: m)
        out = tmp_path / method
        result = run_batch(items, out, 2, ("json", "md"), settings, embedder_factory=HashingEmbedder, progress=False)
        assert result.ok
        outputs[method] = files(out)
    assert outputs["fork"] == outputs["spawn"]
    assert len(outputs["fork"]) == 2 * 6 + 6 + 2  # two reports and a manifest per item, and the index


def test_each_worker_gives_the_model_its_share_of_the_cores(monkeypatch, settings):
    from factcheck.batch import worker as batch

    for module, name in ((protocol, "_shared"), (store, "_stores")):
        monkeypatch.setattr(module, name, {})  # what a worker forgets must not be this process's own
    monkeypatch.setattr(batch, "_worker_settings", None)
    monkeypatch.setattr(batch, "_worker_embedder", None)
    batch.init_worker(settings, HashingEmbedder, 1)
    assert batch._worker_settings.embedding.threads == 1
    pinned = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"threads": 3})})
    batch.init_worker(pinned, HashingEmbedder, 1)
    assert batch._worker_settings.embedding.threads == 3  # a setting the user chose is kept


def test_the_package_exports_a_sorted_complete_all():
    """Sorted as ruff sorts it (RUF022): constants, then classes, then functions, each alphabetically."""
    import factcheck.batch

    names = factcheck.batch.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert all(hasattr(factcheck.batch, name) for name in factcheck.batch.__all__)


# --- bad rows, and resuming an interrupted batch ------------------------------------------------------------


def test_bad_rows_among_good_ones_are_reported_and_the_rest_complete(tmp_path, settings):
    """A missing file, an empty file, a binary file and a folder named as a file: each one row's error."""
    manifest = make_pairs(tmp_path, 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    rows = manifest.read_text(encoding="utf-8").splitlines()
    bad = ["nope.txt,item-001/source.txt,missing", "empty.txt,item-001/source.txt,empty",
           "binary.bin,item-001/source.txt,binary", "item-002,item-002/source.txt,folder"]
    manifest.write_text("\n".join(rows[:3] + bad + rows[3:]) + "\n", encoding="utf-8")  # bad rows in the middle
    result = run_batch(items_from_manifest(manifest), tmp_path / "out", 2, ("json",), settings,
                       embedder_factory=HashingEmbedder, progress=False)
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    statuses = {item["name"]: (item["status"], item["error"]) for item in index["items"]}
    assert statuses == {
        "item-001": ("ok", ""), "item-002": ("ok", ""),
        "missing": ("error", "nope.txt: no such file"),
        "empty": ("error", "empty.txt is empty"),
        "binary": ("error", "binary.bin looks like a binary file, not text"),
        "folder": ("error", "item-002 is a directory, not a file"),
        "item-003": ("ok", ""), "item-004": ("ok", ""),
    }
    assert [r.error_type for r in result.failed] == ["InputError", "EmptyInputError", "BinaryInputError", "InputError"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json")) == [
        "index.json", "item-001.json", "item-002.json", "item-003.json", "item-004.json"
    ]


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each report's inode and modification time: both change when a file is written again (os.replace)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def _add_a_quotation(release: Path) -> None:
    with release.open("a", encoding="utf-8") as f:
        f.write("\nOfsted said: \u201cdedication is everything.\u201d\n")


@pytest.fixture
def finished_batch(tmp_path, settings):
    """Six pairs, run once into out/ and once into fresh/ (the reference for byte-identical outputs)."""
    manifest = make_pairs(tmp_path / "pairs", 6)
    items = items_from_manifest(manifest)
    for out in ("out", "fresh"):
        result = run_batch(items, tmp_path / out, 2, ("html", "json", "md"), settings,
                           embedder_factory=HashingEmbedder, progress=False)
        assert result.ok and not result.reused
    return items, tmp_path / "out", tmp_path / "fresh"


def test_a_rerun_checks_only_the_item_whose_report_was_deleted(finished_batch, settings, capsys):
    items, out, fresh = finished_batch
    (out / "item-003.json").unlink()
    before = _stamps(out)
    result = run_batch(items, out, 2, ("html", "json", "md"), settings, embedder_factory=HashingEmbedder,
                       progress=True)
    assert [r.name for r in result.items if not r.reused] == ["item-003"]
    assert len(result.reused) == 5 and result.workers == 1  # one item to check: one worker
    assert "5 reused" in capsys.readouterr().err  # the progress bar counts them
    after = _stamps(out)
    rewritten = {name for name in after if after[name] != before.get(name)}
    assert rewritten == {"item-003.html", "item-003.json", "item-003.md", "index.html", "index.json"}
    assert files(out) == files(fresh)  # reports, manifests and the index listing every item, byte for byte


def test_changed_inputs_tampered_reports_and_other_settings_are_checked_again(finished_batch, settings):
    items, out, fresh = finished_batch
    _add_a_quotation(items[1].release)
    (out / "item-005.md").write_text("# edited by hand\n", encoding="utf-8")
    result = run_batch(items, out, 2, ("html", "json", "md"), settings, embedder_factory=HashingEmbedder,
                       progress=False)
    assert sorted(r.name for r in result.items if not r.reused) == ["item-002", "item-005"]
    assert b"dedication" in (out / "item-002.md").read_bytes()
    assert (out / "item-005.md").read_bytes() == (fresh / "item-005.md").read_bytes()
    stricter = with_overrides(settings, align={"fuzzy_word_ratio": 95})
    again = run_batch(items, out, 2, ("html", "json", "md"), stricter, embedder_factory=HashingEmbedder,
                      progress=False)
    assert not again.reused  # other settings could give other reports
    only_json = run_batch(items, out, 2, ("json",), settings, embedder_factory=HashingEmbedder, progress=False)
    assert not only_json.reused


def test_a_failed_item_is_never_reused_and_loses_what_an_earlier_run_left(finished_batch, settings):
    items, out, _ = finished_batch
    items[0].source.write_bytes(b"")
    result = run_batch(items, out, 2, ("html", "json", "md"), settings, embedder_factory=HashingEmbedder,
                       progress=False)
    assert result.items[0].error == "item-001/source.txt is empty" and not result.items[0].reused
    assert not list(out.glob("item-001.*")) and not (out / ".factcheck-batch" / "item-001.json").exists()
    assert len(result.reused) == 5


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from factcheck.batch import items_from_manifest, resume, run_batch
from tests.fakes import HashingEmbedder

replace = resume.write_atomically

def write_then_die_halfway(path, text):
    if path.name == sys.argv[3]:  # half the report in its temporary file, then the whole batch is killed
        path.with_name(f".{path.name}.tmp").write_text(text[: len(text) // 2], encoding="utf-8")
        os.killpg(0, signal.SIGKILL)
    replace(path, text)

resume.write_atomically = write_then_die_halfway
run_batch(items_from_manifest(Path(sys.argv[1])), Path(sys.argv[2]), 1, ("html", "json", "md"),
          embedder_factory=HashingEmbedder, progress=False)
"""


def test_a_batch_killed_midway_leaves_nothing_a_resume_would_trust(finished_batch, settings):
    """SIGKILL (parent and workers) while item-004's second report is half written, after item-004's input
    changed: its old manifest must not vouch for the new half-written state, and a resume finishes the batch."""
    import signal
    import subprocess

    items, out, fresh = finished_batch
    manifest = items[0].release.parent.parent / "manifest.csv"
    _add_a_quotation(items[3].release)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(manifest), str(out), "item-004.json"],
        check=False, cwd=ROOT, start_new_session=True, capture_output=True, timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert (out / ".item-004.json.tmp").exists()  # the half-written report was never put in place
    assert not (out / ".factcheck-batch" / "item-004.json").exists()
    assert b"dedication" in (out / "item-004.html").read_bytes()  # its first report was replaced
    result = run_batch(items, out, 2, ("html", "json", "md"), settings, embedder_factory=HashingEmbedder,
                       progress=False)
    assert [r.name for r in result.items if not r.reused] == ["item-004"]
    assert not list(out.glob(".*.tmp"))
    fresh_run = run_batch(items, fresh, 2, ("html", "json", "md"), settings, embedder_factory=HashingEmbedder,
                          progress=False)
    assert [r.name for r in fresh_run.items if not r.reused] == ["item-004"]
    assert files(out) == files(fresh)
