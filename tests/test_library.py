"""The library of reports: adding (content-addressed, incremental, safe to kill), and discovering which stored
report a release quotes, on the real labelled pairs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import factcheck.library
from factcheck import load
from factcheck.cli import Injected, app
from factcheck.errors import LibraryError
from factcheck.library import Library, PassageIndex, add_reports, content_digest, discover
from factcheck.library.discover import MIN_OVERLAP
from factcheck.library.index import index_path, model_key
from factcheck.library.store import DATABASE_FILE
from tests.conftest import ROOT, SAMPLES
from tests.fakes import HashingEmbedder

DEV = SAMPLES / "real" / "dev"
CORPUS = SAMPLES / "corpus"
REFERENCE = SAMPLES / "birmingham-2021"
runner = CliRunner()


class RecordingEmbedder(HashingEmbedder):
    """The fake embedder, remembering every text it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts)


def dev_sources() -> list[Path]:
    return sorted(DEV.glob("*/source.txt")) + sorted(CORPUS.glob("*/source.txt"))


@pytest.fixture(scope="module")
def dev_library(tmp_path_factory, settings) -> Path:
    """The dev sources and the corpus, words only (as `library add` makes it by default)."""
    folder = tmp_path_factory.mktemp("dev-library")
    outcomes = add_reports(dev_sources(), folder, settings)
    assert not [o for o in outcomes if o.status == "failed"]
    return folder


def test_the_source_of_each_dev_release_ranks_first(dev_library, settings, fake_embedder):
    """For at least 95% of the real dev releases, the document they quote is the first candidate (measured:
    51 of 51), and its evidence is the release's quotations found in it."""
    cases = sorted(p.parent for p in DEV.glob("*/release.txt"))
    right = []
    for case in cases:
        want = content_digest(load(case / "source.txt", settings))
        found = discover(case / "release.txt", dev_library, settings, top=3, embedder=fake_embedder)
        right.append(bool(found) and found[0].digest == want)
    assert len(cases) >= 50
    assert sum(right) / len(cases) >= 0.95, f"{sum(right)}/{len(cases)}"


def test_a_candidate_lists_the_quotations_it_holds_with_their_places(dev_library, settings, fake_embedder):
    case = DEV / "insp-dudley-2016"
    first = discover(case / "release.txt", dev_library, settings, top=1, embedder=fake_embedder)[0]
    source = (case / "source.txt").read_text(encoding="utf-8")
    release = (case / "release.txt").read_text(encoding="utf-8")
    assert first.evidence == "quotations"
    assert str(case / "source.txt") in first.origins
    texts = [q.text for q in first.quotations]
    assert "serious and widespread failures" in texts
    for q in first.quotations:
        assert release[q.release_start : q.release_end] == q.text
        assert source[q.source_start : q.source_end] == q.source_text
        assert 0 < q.score <= 100 and 0.5 <= q.held <= 1


def test_a_release_without_quotation_marks_is_matched_by_its_sentences(dev_library, settings, fake_embedder, tmp_path):
    """The Dudley release with every quotation mark taken out: its sentences still point to the Ofsted report,
    by their words alone, and with sentence vectors too."""
    case = DEV / "insp-dudley-2016"
    text = (case / "release.txt").read_text(encoding="utf-8")
    for mark in "\"\u201c\u201d\u2018\u2019'":
        text = text.replace(mark, "")
    unquoted = tmp_path / "release.txt"
    unquoted.write_text(text, encoding="utf-8")
    embedded = tmp_path / "embedded"
    add_reports([case / "source.txt", *dev_sources()[:8], CORPUS], embedded, settings, embedder=fake_embedder)
    want = content_digest(load(case / "source.txt", settings))
    for library in (dev_library, embedded):
        found = discover(unquoted, library, settings, top=3, embedder=fake_embedder)
        assert found[0].evidence == "sentences"
        assert found[0].digest == want
        assert all(s.overlap >= MIN_OVERLAP or s.similarity is not None for s in found[0].sentences)
        assert len(found[0].sentences) >= 3
    assert any(s.similarity is not None for s in found[0].sentences)  # the vectors were used


def test_a_release_that_shares_nothing_with_the_library_gets_no_candidate(dev_library, settings, fake_embedder):
    found = discover("Zxqv wvut plokij mnbvcx qwerty asdfgh zxcvbn.\n", dev_library, settings, embedder=fake_embedder)
    assert found == []


def test_the_same_report_added_twice_is_stored_once(tmp_path, settings, fake_embedder):
    source = REFERENCE / "source.txt"
    text = source.read_text(encoding="utf-8")
    retyped = tmp_path / "retyped.txt"  # the same text with curly quotes and dashes: the same normalised text
    retyped.write_text(text.replace("'", "\u2019").replace(" - ", " \u2013 "), encoding="utf-8")
    library = tmp_path / "library"
    first = add_reports([source], library, settings, embedder=fake_embedder)
    again = add_reports([source, retyped], library, settings, embedder=fake_embedder)
    assert [o.status for o in first] == ["added"]
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    with Library.open(library) as opened:
        assert opened.count() == 1
        digest, _, origins = opened.describe(opened.document_ids()[0])
        assert origins == sorted([str(source), str(retyped)])
        assert opened.vector_count(model_key(fake_embedder)) == len(opened.passages(opened.document_ids()[0]))
    assert digest == first[0].digest


def test_adding_more_reports_later_does_not_index_the_first_ones_again(tmp_path, settings):
    first_batch, second_batch = dev_sources()[:3], dev_sources()[-2:]
    library = tmp_path / "library"
    embedder = RecordingEmbedder()
    add_reports(first_batch, library, settings, embedder=embedder)
    with Library.open(library) as opened:
        before = {d: opened.describe(d) for d in opened.document_ids()}
        passages_before = opened.vector_count(model_key(embedder))
    embedder.seen.clear()
    add_reports(second_batch, library, settings, embedder=embedder)
    second_texts = {p.read_text(encoding="utf-8") for p in second_batch}
    assert embedder.seen and all(any(t in text for text in second_texts) for t in embedder.seen)
    with Library.open(library) as opened:
        assert {d: opened.describe(d) for d in before} == before  # the same rows, the same ids
        assert opened.count() == 5
        index = PassageIndex.up_to_date(opened, model_key(embedder))
        assert index is not None and index.size == opened.vector_count(model_key(embedder)) > passages_before


def test_a_missing_or_damaged_passage_index_is_rebuilt_from_the_stored_vectors(tmp_path, settings, fake_embedder):
    library = tmp_path / "library"
    add_reports([REFERENCE / "source.txt", *dev_sources()[:2]], library, settings, embedder=fake_embedder)
    model = model_key(fake_embedder)
    path = index_path(library, model)
    with Library.open(library) as opened:
        stored = opened.vector_count(model)
        for damage in (lambda: path.unlink(), lambda: path.write_bytes(b"not an index")):
            damage()
            index = PassageIndex.up_to_date(opened, model)
            assert index is not None and index.size == stored
            assert path.exists()
        ids, vectors = opened.vectors(model)
        nearest = index.search(vectors[:3], 1)
        assert [row[0][0] for row in nearest] == [int(i) for i in ids[:3]]  # each stored vector finds itself


SLOW_ADD = """
import sys, time
from factcheck.cli import Injected, app
from tests.fakes import HashingEmbedder

class SlowEmbedder(HashingEmbedder):
    def encode(self, texts):
        time.sleep(0.02)
        return super().encode(texts)

app(["library", "add", sys.argv[1], "--library", sys.argv[2], "--embed"], obj=Injected(embedder_factory=SlowEmbedder))
"""


def test_a_library_survives_a_kill_during_add(tmp_path, settings, fake_embedder):
    """SIGKILL an `add` of many files mid-way: the library opens consistent, every report in it has all its
    vectors, and a second `add` completes the set."""
    paragraphs = [p for p in (REFERENCE / "source.txt").read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 12]
    reports = tmp_path / "reports"
    reports.mkdir()
    total = 150
    for n in range(total):
        body = "\n\n".join(paragraphs[(n + k) % len(paragraphs)] for k in range(3))
        (reports / f"report-{n:03d}.txt").write_text(f"Report {n}\n\n{body}\n", encoding="utf-8")
    library = tmp_path / "library"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-c", SLOW_ADD, str(reports), str(library)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stored = _wait_for_reports(library / DATABASE_FILE, 10, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    with Library.open(library) as opened:
        assert opened.problems() == []
        (model,) = [row[0] for row in opened.conn.execute("SELECT DISTINCT model FROM vectors")]
        kept = opened.count()
        assert stored <= kept < total  # killed mid-way
        assert opened.unembedded(model) == []  # each report went in with its vectors, or not at all
        index = PassageIndex.up_to_date(opened, model)
        assert index is not None and index.size == opened.vector_count(model)
    outcomes = add_reports([reports], library, settings, embedder=fake_embedder)
    assert sum(o.status == "added" for o in outcomes) == total - kept
    assert sum(o.status == "duplicate" for o in outcomes) == kept
    with Library.open(library) as opened:
        assert opened.count() == total
        assert opened.problems() == []


def _wait_for_reports(database: Path, wanted: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "add finished before it could be killed"
        if database.exists():
            try:
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
                    (count,) = conn.execute("SELECT COUNT(*) FROM documents").fetchone()
                if count >= wanted:
                    return int(count)
            except sqlite3.Error:
                pass  # the schema is still being made
        time.sleep(0.01)
    raise AssertionError("add never stored any report")


def test_bad_files_among_good_ones_are_reported_and_skipped(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text((REFERENCE / "source.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a document type: not read from a folder
    library = tmp_path / "library"
    result = runner.invoke(
        app, ["library", "add", str(folder), str(tmp_path / "missing.txt"), "--library", str(library), "--embed"],
        obj=Injected(embedder_factory=HashingEmbedder),
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("factcheck: warning: skipped")]
    assert len(warnings) == 4
    for name in ("empty.txt", "binary.txt", "broken.pdf", "missing.txt"):
        assert any(name in line for line in warnings), name
    assert "1 added, 0 already in the library, 4 skipped" in result.output
    with Library.open(library) as opened:
        assert opened.count() == 1 and opened.problems() == []


def test_find_lists_the_reference_letter_first_with_its_quotations(tmp_path):
    library = tmp_path / "library"
    injected = Injected(embedder_factory=HashingEmbedder)
    added = runner.invoke(app, ["library", "add", str(REFERENCE / "source.txt"), str(CORPUS), "--library", str(library)],
                          obj=injected)
    assert added.exit_code == 0, added.output
    result = runner.invoke(app, ["find", str(REFERENCE / "release.txt"), "--library", str(library), "--format", "json",
                                 "--top", "2"], obj=injected)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    first = data["candidates"][0]
    assert first["name"] == str(REFERENCE / "source.txt") and first["rank"] == 1
    assert len(data["candidates"]) <= 2
    assert first["evidence"] == "quotations" and len(first["quotations"]) >= 5
    text = runner.invoke(app, ["find", str(REFERENCE / "release.txt"), "--library", str(library)], obj=injected)
    assert text.exit_code == 0
    assert text.output.splitlines()[0].startswith(f"1. {REFERENCE / 'source.txt'}  (score ")
    listing = runner.invoke(app, ["library", "list", "--library", str(library)])
    assert listing.exit_code == 0 and str(REFERENCE / "source.txt") in listing.output


def test_find_without_a_library_is_a_one_line_error(tmp_path):
    for folder in (tmp_path / "nowhere", _not_a_database(tmp_path)):
        result = runner.invoke(app, ["find", str(REFERENCE / "release.txt"), "--library", str(folder)])
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("factcheck: error:") and str(folder) in lines[0]


def _not_a_database(tmp_path: Path) -> Path:
    folder = tmp_path / "garbage"
    folder.mkdir()
    (folder / DATABASE_FILE).write_bytes(b"this is not sqlite" * 100)
    return folder


def test_opening_a_folder_without_a_library_raises_library_error(tmp_path):
    with pytest.raises(LibraryError, match="holds no library"):
        Library.open(tmp_path)


def test_the_library_package_exports_a_sorted_complete_all():
    names = factcheck.library.__all__
    assert names == sorted(names)
    assert all(hasattr(factcheck.library, name) for name in names)
    public = {n for n in dir(factcheck.library) if not n.startswith("_") and not isinstance(getattr(factcheck.library, n), type(factcheck))}
    assert public <= set(names) | {"annotations"}


def test_the_readme_documents_the_library_commands_and_their_help_works():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command, options in (("library add", ("--library", "--embed")), ("find", ("--library", "--format", "--top")),
                             ("library list", ("--library",))):
        assert f"factcheck {command}" in readme
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0
        for option in options:
            assert option in result.output and option in readme


def test_check_with_a_library_finds_the_source_and_judges_as_if_it_were_named(dev_library):
    case = SAMPLES / "real" / "dev" / "insp-suffolk-2019"
    obj = Injected(embedder_factory=HashingEmbedder)
    found = runner.invoke(app, ["check", str(case / "release.txt"), "--library", str(dev_library), "-f", "json"], obj=obj)
    named = runner.invoke(app, ["check", str(case / "release.txt"), str(case / "source.txt"), "-f", "json"], obj=obj)
    assert found.exit_code == 0 and named.exit_code == 0, found.output
    by_library, by_name = json.loads(found.stdout), json.loads(named.stdout)
    assert [(q["text"], q["verdict"]) for q in by_library["quotes"]] == [(q["text"], q["verdict"]) for q in by_name["quotes"]]
    assert "source found in the library" in found.stderr
    both = runner.invoke(app, ["check", str(case / "release.txt"), str(case / "source.txt"), "--library", str(dev_library)], obj=obj)
    assert both.exit_code == 2 and "not both" in both.output
    neither = runner.invoke(app, ["check", str(case / "release.txt")], obj=obj)
    assert neither.exit_code == 2 and "--library" in neither.output
