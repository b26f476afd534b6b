"""`factcheck library add --engine ray`: Ray actors read and embed real reports, this process stores them, and
the library is the one the local engine makes from the same paths: the same rows (ids, text, structure, words,
passages, vectors), the same approximate index file, the same `library list` and `find`; a kill mid-add leaves
it consistent and a second add completes it."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli import Injected, app
from factcheck.library import Library, add_reports
from factcheck.library.ray_add import add_reports_on_ray
from factcheck.library.store import DATABASE_FILE
from tests.conftest import ROOT, SAMPLES
from tests.fakes import HashingEmbedder

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is in the test extra")
DEV = SAMPLES / "real" / "dev"
CASES = (
    "insp-suffolk-2019",
    "stats-uksa-norgrove-employment-claim",
    "stats-uksa-norgrove-hancock-testing",
    "sci-injury-safer-news",
    "audit-accounts-commission-west-dunbartonshire",
    "law2-dilnot-hunt-nhs-standard",
)
TABLES = {
    "documents": "SELECT * FROM documents ORDER BY id",
    "origins": "SELECT * FROM origins ORDER BY path, document",
    "document_words": "SELECT rowid, words FROM document_words ORDER BY rowid",
    "paragraph_words": "SELECT rowid, * FROM paragraph_words ORDER BY rowid",
    "passages": "SELECT * FROM passages ORDER BY id",
    "vectors": "SELECT * FROM vectors ORDER BY model, passage",
    "embedded": "SELECT * FROM embedded ORDER BY model, document",
    "meta": "SELECT * FROM meta ORDER BY key",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """Real sources, the reference letter twice (once with straight quote marks: the same report), a release
    among them, and an empty file (skipped)."""
    folder = tmp_path_factory.mktemp("reports")
    for case in CASES:
        shutil.copy(DEV / case / "source.txt", folder / f"{case}.txt")
    letter = (SAMPLES / "birmingham-2021" / "source.txt").read_text(encoding="utf-8")
    (folder / "letter.txt").write_text(letter, encoding="utf-8")
    (folder / "letter-copy.md").write_text(letter.replace("\u2019", "'").replace("\u2018", "'"), encoding="utf-8")
    shutil.copy(DEV / "sci2-vaping-bridge-pr" / "release.txt", folder / "a-release.txt")  # another pair's release
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster for this module, as a program using factcheck as a library would start it."""
    ray = pytest.importorskip("ray", reason="ray is in the test extra")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def unquoted(tmp_path_factory) -> Path:
    """A release that copies three sentences of a real source without quotation marks: found by its sentences."""
    source = (DEV / CASES[0] / "source.txt").read_text(encoding="utf-8")
    marks = set("\"'\u2018\u2019\u201c\u201d")
    sentences = [s.strip() + "." for s in source.split(". ") if len(s.split()) > 8 and not marks & set(s)][:3]
    path = tmp_path_factory.mktemp("unquoted") / "release.txt"
    path.write_text("Council news\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    return path


def contents(folder: Path) -> dict[str, object]:
    """Every stored row of a library, and its approximate index files' bytes."""
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        found: dict[str, object] = {table: conn.execute(query).fetchall() for table, query in TABLES.items()}
    found["index files"] = {p.name: p.read_bytes() for p in sorted(folder.glob("*.usearch"))}
    return found


def listing_and_finds(folder: Path, releases: list[Path]) -> list[str]:
    """What `factcheck library list` and `factcheck find --format json` print for `releases`."""
    obj = Injected(embedder_factory=HashingEmbedder)
    printed = [runner.invoke(app, ["library", "list", "--library", str(folder)]).stdout]
    for release in releases:
        found = runner.invoke(app, ["find", str(release), "--library", str(folder), "-f", "json"], obj=obj)
        assert found.exit_code == 0, found.output
        printed.append(found.stdout)
    return printed


def test_ray_actors_make_the_library_the_local_engine_makes(cluster, reports, unquoted, tmp_path, settings):
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    expected = add_reports([reports], local, settings, embedder=HashingEmbedder())
    outcomes = add_reports_on_ray([reports], on_ray, settings, embed=True, embedder_factory=HashingEmbedder, workers=2)
    assert outcomes == expected
    assert [o.status for o in outcomes].count("added") == len(CASES) + 2  # the sources, the letter, the release
    assert [(Path(o.path).name, o.status) for o in outcomes if o.status != "added"] == [
        ("empty.txt", "failed"), ("letter.txt", "duplicate"),  # letter-copy.md comes first
    ]
    stored = contents(on_ray)
    assert stored == contents(local)
    assert len(stored["vectors"]) > 300 and len(stored["index files"]) == 1  # type: ignore[arg-type]
    with Library.open(on_ray) as opened:
        assert opened.problems() == []
    releases = [*(DEV / case / "release.txt" for case in CASES), unquoted]
    printed = listing_and_finds(on_ray, releases)
    assert printed == listing_and_finds(local, releases)
    finds = [json.loads(text)["candidates"] for text in printed[1:]]
    assert [found[0]["name"] for found in finds] == [str(reports / f"{case}.txt") for case in [*CASES, CASES[0]]]
    assert {found[0]["evidence"] for found in finds} == {"quotations", "sentences"}
    assert any(s["similarity"] for found in finds for c in found for s in c["sentences"])  # the vectors were used


def test_a_second_add_on_ray_embeds_the_reports_added_before_without(cluster, reports, tmp_path, settings):
    """Words only first, then more reports with --embed: every report gets its vectors, as locally."""
    first = [reports / f"{case}.txt" for case in CASES[:3]]
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    add_reports(first, local, settings)
    add_reports(first, on_ray, settings)
    expected = add_reports([reports], local, settings, embedder=HashingEmbedder())
    outcomes = add_reports_on_ray([reports], on_ray, settings, embed=True, embedder_factory=HashingEmbedder)
    assert outcomes == expected and sum(o.status == "duplicate" for o in outcomes) == 4
    assert contents(on_ray) == contents(local)
    with Library.open(on_ray) as opened:
        (model,) = {str(row[0]) for row in opened.conn.execute("SELECT model FROM embedded")}
        assert opened.unembedded(model) == [] and opened.problems() == []


KILLED_ADD = """
import sys
from factcheck.cli import Injected, app
from tests.fakes import SlowHashingEmbedder

app(["library", "add", sys.argv[1], "--library", sys.argv[2], "--embed", "--engine", "ray", "--workers", "2"],
    obj=Injected(embedder_factory=SlowHashingEmbedder))
"""


def test_the_command_starts_its_own_cluster_and_a_kill_mid_add_leaves_the_library_whole(reports, tmp_path, settings):
    """In another process, as a user runs it: `library add --engine ray` starts a local Ray instance; SIGKILL it
    once some reports are in, and the library opens consistent, each report with all its vectors; an add
    afterwards completes it to what the local engine makes."""
    paragraphs = [p for p in (SAMPLES / "birmingham-2021" / "source.txt").read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 12]
    many = tmp_path / "many"
    many.mkdir()
    total = 120
    for n in range(total):
        body = "\n\n".join(paragraphs[(n + k) % len(paragraphs)] for k in range(3))
        (many / f"report-{n:03d}.txt").write_text(f"Report {n}\n\n{body}\n", encoding="utf-8")
    library = tmp_path / "library"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-c", KILLED_ADD, str(many), str(library)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: dict[int, str] = {}
    try:
        stored = _wait_for_reports(library / DATABASE_FILE, 10, process)
        started = _descendants(process.pid)  # the Ray processes it started
        assert any("ReportReader" in command for command in started.values()), started
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        _stop(started)
    assert process.returncode == -signal.SIGKILL
    with Library.open(library) as opened:
        assert opened.problems() == []
        (model,) = {str(row[0]) for row in opened.conn.execute("SELECT model FROM vectors")}
        kept = opened.count()
        assert stored <= kept < total  # killed mid-way
        assert opened.unembedded(model) == []  # each report went in with its vectors, or not at all
    done = runner.invoke(app, ["library", "add", str(many), "--library", str(library), "--embed", "--engine", "ray"],
                         obj=Injected(embedder_factory=_slow_factory()))
    assert done.exit_code == 0, done.output
    assert done.stderr == f"factcheck: {total - kept} added, {kept} already in the library, 0 skipped: {library}\n"
    local = tmp_path / "local"
    add_reports([many], local, settings, embedder=_slow_factory()())
    with Library.open(library) as opened:
        assert opened.count() == total and opened.problems() == []
        names = [row[0] for row in opened.conn.execute("SELECT name FROM documents ORDER BY id")]
    assert names == sorted(names)  # stored in the order of the paths, before the kill and after
    assert contents(library) == contents(local)


def _slow_factory():
    from tests.fakes import SlowHashingEmbedder

    return SlowHashingEmbedder


def _wait_for_reports(database: Path, wanted: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 120
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


def _command_line(pid: int) -> str | None:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def _descendants(pid: int) -> dict[int, str]:
    """The processes `pid` started, and theirs, by id, with their command lines (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, wanted = {}, {pid}
    while wanted:
        wanted = {child for child, parent in parents.items() if parent in wanted and child not in found}
        found.update((child, _command_line(child) or "") for child in wanted)
    return found


def _stop(processes: dict[int, str]) -> None:
    """The Ray processes the killed add started, stopped by their ids (its agents outlive it up to a minute);
    one whose id now runs another command line is not ours any more."""
    deadline = time.monotonic() + 3
    for pid, command in processes.items():
        if _command_line(pid) == command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    while time.monotonic() < deadline and any(_command_line(pid) == command for pid, command in processes.items()):
        time.sleep(0.1)
    for pid, command in processes.items():
        if _command_line(pid) == command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "spark"], "unknown engine 'spark'; choose from local, ray"),
        (["--address", "ray://head:10001"], "ray://head:10001 is a Ray cluster's address: it needs the ray engine"),
        (["--workers", "2"], "--workers is for the ray engine (--engine ray)"),
    ],
)
def test_a_wrong_engine_option_is_a_one_line_error(args, message, reports, tmp_path):
    result = runner.invoke(app, ["library", "add", str(reports), "--library", str(tmp_path / "lib"), *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"factcheck: error: {message}") and len(result.output.splitlines()) == 1


def test_without_ray_the_engine_is_a_one_line_error_naming_the_extra(monkeypatch, reports, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where it is not installed
    result = runner.invoke(app, ["library", "add", str(reports), "--library", str(tmp_path / "lib"), "--engine", "ray"])
    assert result.exit_code == 2
    assert result.output == "factcheck: error: the ray engine needs Ray, which is not installed: pip install 'factcheck[scale]'\n"
