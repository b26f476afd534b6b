"""factcheck's speed, measured on this machine. Run from the repository root:

    .venv/bin/python benchmarks/run.py            # everything (about 15-30 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # fewer runs, no 100k-word matrix cells (a smoke test)

Prints a table and writes benchmarks/results.json and benchmarks/RESULTS.md. Every figure is the median of
several runs and is printed with the command (or the call) that produced it. What is measured:

- cold start of `factcheck check` on the reference case (samples/birmingham-2021) as a subprocess, process
  start to exit, model load included: the ONNX backend on a source never seen (empty vector cache), the same
  with the source's vectors cached on disk, and the torch backend (the "before");
- the warm library call factcheck.check() on the reference case (model loaded, sources prepared);
- time against source length: sources of ~1k, 10k and 100k words of real text from samples/, with 10, 50 and
  200 quotations drawn from the source (every third with one word silently dropped) - see benchmarks/cases.py;
- batch throughput in pairs per second (factcheck.batch.run_batch, or a loop over check() without it);
- peak memory (ru_maxrss) of the subprocess runs;
- a baseline: for each quotation, difflib.SequenceMatcher's ratio against every window of 1-3 consecutive
  source sentences, best one kept - timed on the 100k-word case (a sample of quotations, extrapolated, when
  the whole would take more than about 4 minutes), and how often its passage agrees with factcheck's.

The benchmark uses its own cache folder (FACTCHECK_CACHE=<tmp>, with the exported ONNX model linked in), so it
neither reads nor fills the user's vector cache. Other processes on the machine slow every figure; the load
average before and after is recorded with the results.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cases import REFERENCE, SAMPLES, Case, build_case

VENV_BIN = Path(sys.executable).parent
FACTCHECK = VENV_BIN / "factcheck"
REL = REFERENCE / "release.txt"
SRC = REFERENCE / "source.txt"
BASELINE_BUDGET = 240.0  # seconds the baseline may take before it is sampled and extrapolated


# --- helpers ----------------------------------------------------------------------------------------------


def rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class Bench:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.figures: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}
        self._caches = 0
        self.user_onnx = _user_onnx_dir()

    def fresh_cache(self) -> Path:
        """A new, empty cache folder holding only (a link to) the exported ONNX model."""
        self._caches += 1
        folder = self.workdir / f"cache-{self._caches}"
        folder.mkdir()
        if self.user_onnx is not None:
            (folder / "onnx").symlink_to(self.user_onnx)
        return folder

    def add(
        self, name: str, samples: list[float], unit: str, command: str, note: str = "", derived: bool = False,
        **extra: Any,
    ) -> dict:
        """Record a figure: the median of `samples`, or (derived) a value computed from other figures."""
        figure = {
            "name": name,
            "median": statistics.median(samples) if samples else None,
            "min": min(samples) if samples else None,
            "max": max(samples) if samples else None,
            "runs": "derived" if derived else len(samples),
            "unit": unit,
            "samples": [round(s, 4) for s in samples],
            "command": command,
            "note": note,
            **extra,
        }
        self.figures.append(figure)
        how = "derived" if derived else f"median of {len(samples)}"
        print(f"  {name}: {fmt(figure['median'], unit)}  ({how}; {command})", flush=True)
        return figure


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit in ("pairs/s", "texts/s"):
        return f"{value:.2f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    if unit == "x":
        return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:g} {unit}"


def _user_onnx_dir() -> Path | None:
    from factcheck.embed import onnx_model_path

    path = onnx_model_path()
    return path.parent if path.exists() else None


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from process start to exit, and the child's peak resident memory in MB."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024.0


def _child_runs(cmd: list[str], env_for_run: Callable[[], dict[str, str]], runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds and peak memory (MB) of `runs` runs of a command, each with the environment given for it."""
    times, rss = [], []
    for _ in range(runs):
        seconds, megabytes = run_child(cmd, env_for_run())
        times.append(seconds)
        rss.append(megabytes)
    return times, rss


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# --- 1. cold start of the CLI -----------------------------------------------------------------------------


def cold_cli(b: Bench, runs: int, torch_runs: int) -> None:
    print("cold start: factcheck check on the reference case, as a subprocess", flush=True)
    base = [str(FACTCHECK), "check", rel(REL), rel(SRC), "--format", "json"]
    shown = f".venv/bin/factcheck check {rel(REL)} {rel(SRC)} --format json > /dev/null"
    memory: dict[str, list[float]] = {}

    times, rss = _child_runs(base, lambda: {**os.environ, "FACTCHECK_CACHE": str(b.fresh_cache())}, runs)
    b.add(
        "cold CLI, ONNX, new source (empty vector cache)", times, "s",
        f"FACTCHECK_CACHE=<empty folder + exported model> {shown}",
        note="what a first check of a document costs: process start, imports, ONNX model load, every source "
        "passage encoded",
    )
    memory["onnx, new source"] = rss

    warm_cache = b.fresh_cache()
    env = {**os.environ, "FACTCHECK_CACHE": str(warm_cache)}
    run_child(base, env)  # fills the vector cache (not recorded)
    times, rss = _child_runs(base, lambda: env, runs)
    b.add(
        "cold CLI, ONNX, source seen before (vectors on disk)", times, "s",
        f"FACTCHECK_CACHE=<folder after one run> {shown}",
        note="a new process; the source's vectors are read from the disk cache, so the model is never loaded",
    )
    memory["onnx, source seen before"] = rss

    if torch_runs:
        models = b.workdir / "models-torch"
        shutil.copytree(ROOT / "models", models)
        settings = models / "settings.toml"
        text = settings.read_text(encoding="utf-8")
        text = text.replace('backend = "onnx"', 'backend = "torch"').replace("disk_cache = true", "disk_cache = false")
        settings.write_text(text, encoding="utf-8")
        env = {**os.environ, "FACTCHECK_MODELS_DIR": str(models), "FACTCHECK_CACHE": str(b.fresh_cache())}
        times, rss = _child_runs(base, lambda: env, torch_runs)
        b.add(
            "cold CLI, torch backend (before)", times, "s",
            f"FACTCHECK_MODELS_DIR=<models/ with backend=\"torch\", disk_cache=false> {shown}",
            note="the previous default: sentence-transformers on PyTorch, no vector cache",
        )
        memory["torch"] = rss

    for label, values in memory.items():
        b.add(f"peak memory of the CLI, {label}", values, "MB", "ru_maxrss of the subprocess runs above (os.wait4)")


# --- 2. the warm library call -----------------------------------------------------------------------------


def warm_library(b: Bench, runs: int) -> None:
    print("warm library call: factcheck.check() on the reference case", flush=True)
    import factcheck
    from factcheck.config import load_settings
    from factcheck.embed import default_embedder

    os.environ["FACTCHECK_CACHE"] = str(b.fresh_cache())
    release, source = factcheck.load(REL), factcheck.load(SRC)
    factcheck.check(release, source)  # loads the model, prepares the source, encodes its passages
    embedder = default_embedder(load_settings().embedding)
    b.extra["embedding_backend"] = getattr(embedder, "backend", type(embedder).__name__)
    samples = [timed(lambda: factcheck.check(release, source))[0] for _ in range(runs)]
    b.add(
        "warm factcheck.check(), reference case", samples, "s",
        "release, source = factcheck.load(REL), factcheck.load(SRC); factcheck.check(release, source)  "
        "# after one untimed call",
        note="model loaded, source prepared, its vectors in memory",
    )
    samples = [timed(lambda: factcheck.check(REL, SRC))[0] for _ in range(max(3, runs // 4))]
    b.add(
        "warm factcheck.check(paths), reference case", samples, "s",
        "factcheck.check('samples/birmingham-2021/release.txt', 'samples/birmingham-2021/source.txt')",
        note="as above, but both files read and segmented on every call",
    )


# --- 3. time against source length ------------------------------------------------------------------------


def _reset_process_caches() -> None:
    from factcheck import pipeline
    from factcheck.config import load_settings
    from factcheck.embed import default_embedder

    prepared = getattr(pipeline, "_PREPARED", None)
    if prepared is not None:
        prepared.clear()
    embedder = default_embedder(load_settings().embedding)
    cache = getattr(embedder, "_cache", None)
    if cache is not None:
        cache.clear()


def scaling(b: Bench, sizes: list[int], quote_counts: list[int], runs: int, cold_runs: int) -> dict[str, Case]:
    print("time against source length", flush=True)
    import factcheck

    built: dict[str, Case] = {}
    for words in sizes:
        seen: set[int] = set()
        for count in quote_counts:
            case = build_case(words, count)
            built[f"{words}/{count}"] = case
            n_quotes = len(case.quotes)
            if n_quotes in seen:  # a small source has fewer sentences to quote than asked for
                continue
            seen.add(n_quotes)
            words_real = len(case.source.split())
            diagonal = (words, count) in ((1000, 10), (10000, 50), (100000, 200))
            if diagonal and cold_runs:
                samples = []
                for _ in range(cold_runs):
                    os.environ["FACTCHECK_CACHE"] = str(b.fresh_cache())
                    _reset_process_caches()
                    samples.append(timed(lambda c=case: factcheck.check(c.release, c.source))[0])
                b.add(
                    f"check(), new source: {words_real} words, {n_quotes} quotes", samples, "s",
                    f"factcheck.check(release_text, source_text)  # benchmarks/cases.py build_case({words}, {count}); "
                    "model loaded, empty vector cache",
                    note="load + segment + prepare the source + encode its passages + check",
                    words=words_real, quotes=n_quotes, kind="new source",
                )
            release, source = factcheck.load(case.release), factcheck.load(case.source)
            factcheck.check(release, source)  # prepares the source and caches its vectors (untimed)
            samples = [timed(lambda r=release, s=source: factcheck.check(r, s))[0] for _ in range(runs)]
            b.add(
                f"check(), prepared source: {words_real} words, {n_quotes} quotes", samples, "s",
                f"factcheck.check(release_doc, source_doc)  # build_case({words}, {count}); after one untimed call",
                words=words_real, quotes=n_quotes, kind="prepared",
            )
    return built


# --- 4. embedding throughput ------------------------------------------------------------------------------


def encoding(b: Bench, runs: int, torch_too: bool) -> None:
    print("embedding throughput (source passages of the 10k-word case)", flush=True)
    import factcheck
    from factcheck.config import load_settings
    from factcheck.embed import OnnxEmbedder, SentenceTransformerEmbedder

    doc = factcheck.load(build_case(10000, 50).source)
    windows = [" ".join(doc.text[s.start : s.end].split()) for s in doc.sentences]
    windows += [
        " ".join(doc.text[a.start : c.end].split())
        for a, c in zip(doc.sentences, doc.sentences[1:])
        if a.paragraph == c.paragraph
    ]
    settings = load_settings().embedding.model_copy(update={"disk_cache": False})
    onnx = OnnxEmbedder(settings)
    onnx.encode(windows[:4])
    samples = []
    for _ in range(runs):
        onnx._cache.clear()
        samples.append(len(windows) / timed(lambda: onnx.encode(windows))[0])
    b.add(
        f"ONNX int8 encoding, all {len(windows)} source passages", samples, "texts/s",
        "OnnxEmbedder(settings).encode(passages)  # sentences and same-paragraph sentence pairs; model loaded",
    )
    if torch_too:  # both backends on the same every-third passage, interleaved so both see the same load
        part = windows[::3]
        ref = SentenceTransformerEmbedder(settings)
        ref.encode(part[:4])
        fast, slow = [], []
        for _ in range(runs):
            onnx._cache.clear()
            fast.append(len(part) / timed(lambda: onnx.encode(part))[0])
            ref._cache.clear()
            slow.append(len(part) / timed(lambda: ref.encode(part))[0])
        b.add(
            f"ONNX int8 encoding, {len(part)} passages (every third)", fast, "texts/s",
            "OnnxEmbedder(settings).encode(passages[::3])  # model loaded; interleaved with the torch runs",
        )
        b.add(
            f"torch encoding, the same {len(part)} passages", slow, "texts/s",
            "SentenceTransformerEmbedder(settings).encode(passages[::3])  # model loaded, batch_size 64",
        )
        b.add("ONNX speed-up over torch, encoding", [statistics.median(fast) / statistics.median(slow)], "x",
              "median texts/s of the two lines above, divided", derived=True)


# --- 5. batch throughput ----------------------------------------------------------------------------------


def batch(b: Bench, runs: int, pairs: int) -> None:
    """`factcheck batch` as a user runs it: a new process per run (imports, forking the workers, loading the
    model in each), an empty vector cache, every report format written. Two workloads of letter-sized pairs:
    synthetic releases quoting real text (most quotations found word for word, so the model is rarely needed)
    and the labelled benchmark cases (dense with paraphrased and invented quotations and claims, each of which
    needs the model)."""
    print("batch throughput", flush=True)
    folder = b.workdir / "batch"
    synthetic = folder / "synthetic"
    for k in range(pairs):
        case_dir = synthetic / f"pair-{k:02d}"
        case_dir.mkdir(parents=True)
        if k == 0:
            shutil.copy(REL, case_dir / "release.txt")
            shutil.copy(SRC, case_dir / "source.txt")
        else:
            case = build_case(2000, 15, start=k * 37)
            (case_dir / "release.txt").write_text(case.release, encoding="utf-8")
            (case_dir / "source.txt").write_text(case.source, encoding="utf-8")
    labelled = folder / "labelled"
    for split in ("tune", "heldout"):
        for case_dir in sorted((SAMPLES / "generated" / split).iterdir()):
            if (case_dir / "release.txt").exists():
                shutil.copytree(case_dir, labelled / case_dir.name)
    from factcheck.batch import default_workers

    workloads = [
        (synthetic, f"{pairs} synthetic letter pairs",
         "the reference case and synthetic ~2k-word sources of real text, 15 quotations each (benchmarks/cases.py)"),
        (labelled, f"{len(list(labelled.iterdir()))} labelled benchmark pairs",
         "samples/generated/{tune,heldout}: ~1.3k-word sources; about 2.5 paraphrased or invented quotations and "
         "3.7 claims per release, each compared by meaning"),
    ]
    for items_dir, label, note in workloads:
        count = sum(1 for d in items_dir.iterdir() if d.is_dir())
        samples = []
        for r in range(runs):
            env = {**os.environ, "FACTCHECK_CACHE": str(b.fresh_cache())}
            out = folder / f"out-{items_dir.name}-{r}"
            seconds, _ = run_child(
                [str(FACTCHECK), "batch", str(items_dir), "--out", str(out), "--format", "html,json,md"], env
            )
            index = json.loads((out / "index.json").read_text(encoding="utf-8"))
            if index["totals"]["failed"]:
                raise RuntimeError(f"batch items failed: {index['totals']}")
            samples.append(count / seconds)
        b.add(
            f"batch throughput, {label}", samples, "pairs/s",
            f"factcheck batch <{count} folders> --out <dir> --format html,json,md  # a new process, "
            f"{default_workers()} forked workers, empty vector cache; pairs / wall seconds from start to exit",
            note=note,
        )


# --- 6. the baseline --------------------------------------------------------------------------------------


def sentence_windows(doc: Any) -> list[tuple[int, int, str]]:
    sentences = doc.sentences
    out = []
    for i in range(len(sentences)):
        for width in (1, 2, 3):
            if i + width <= len(sentences):
                start, end = sentences[i].start, sentences[i + width - 1].end
                out.append((start, end, " ".join(doc.text[start:end].split())))
    return out


def baseline_best(quote: str, windows: list[tuple[int, int, str]]) -> tuple[float, int, int]:
    """The straightforward approach: difflib's ratio of the quotation against every window, best kept."""
    matcher = difflib.SequenceMatcher(None)
    matcher.set_seq2(quote)  # difflib caches what it learns about seq2: compare one quote against many windows
    best = (-1.0, -1, -1)
    for start, end, text in windows:
        matcher.set_seq1(text)
        ratio = matcher.ratio()
        if ratio > best[0]:
            best = (ratio, start, end)
    return best


def _overlaps(a: tuple[int, int], c: tuple[int, int], cycle: int) -> bool:
    """Do two spans overlap, comparing positions modulo the repetition of the real text?"""
    if a[0] < 0 or c[0] < 0:
        return False
    if cycle:
        a = (a[0] - a[0] // cycle * cycle, a[1] - a[0] // cycle * cycle)
        c = (c[0] - c[0] // cycle * cycle, c[1] - c[0] // cycle * cycle)
    return a[0] < c[1] and c[0] < a[1]


def baseline(b: Bench, case: Case, product_runs: int) -> None:
    print(f"baseline: difflib against every 1-3 sentence window, {case.name}", flush=True)
    import factcheck
    from factcheck.align import SourceIndex, align
    from factcheck.config import load_settings
    from factcheck.quotes.extract import extract

    settings = load_settings()
    release, source = factcheck.load(case.release), factcheck.load(case.source)
    windows = sentence_windows(source)
    quotes = [" ".join(q["text"].split()) for q in case.quotes]

    # the product, on the same case: alignment alone (index + align every quotation) and the whole check()
    names = ["the report", "the review", "the authors", "inspectors"]
    extracted = extract(release, settings, names)

    def align_all() -> list[Any]:
        index = SourceIndex(source, settings.align.seed_words)
        return [align(q, release, index, settings) for q in extracted]

    align_samples = [timed(align_all)[0] for _ in range(product_runs)]
    factcheck.check(release, source)
    check_samples = [timed(lambda: factcheck.check(release, source))[0] for _ in range(product_runs)]
    report = factcheck.check(release, source)
    by_text = {" ".join(q.text.split()): q for q in report.quotes}

    # the baseline: time one quotation, then all of them or an evenly spaced sample
    first, _ = timed(lambda: baseline_best(quotes[0], windows))
    projected = first * len(quotes)
    if projected <= BASELINE_BUDGET:
        chosen = list(range(len(quotes)))
    else:
        k = max(5, int(BASELINE_BUDGET / first))
        chosen = sorted({round(i * (len(quotes) - 1) / (k - 1)) for i in range(k)})
    per_quote, agree, base_true, product_true, compared = [], 0, 0, 0, 0
    same_verdict, verdict_pairs = 0, []
    for i in chosen:
        seconds, (_, start, end) = timed(lambda q=quotes[i]: baseline_best(q, windows))
        per_quote.append(seconds)
        ours, theirs = _verdicts_both_ways(quotes[i], source, start, end)
        same_verdict += ours == theirs
        verdict_pairs.append([ours, theirs])
        truth = (case.quotes[i]["offset"], case.quotes[i]["offset"] + len(case.quotes[i]["sentence"]))
        base_true += _overlaps((start, end), truth, case.cycle)
        finding = by_text.get(quotes[i])
        if finding is not None:
            compared += 1
            span = (finding.source_start, finding.source_end)
            agree += _overlaps(span, (start, end), case.cycle)
            product_true += _overlaps(span, truth, case.cycle)
    mean = statistics.mean(per_quote)
    total = mean * len(quotes)
    sampled = len(chosen) < len(quotes)
    how = (
        f"timed on {len(chosen)} of {len(quotes)} quotations (evenly spaced) and extrapolated: mean per quotation "
        f"x {len(quotes)}" if sampled else f"all {len(quotes)} quotations"
    )
    b.add(
        f"baseline difflib, {case.name}", [total], "s",
        f"benchmarks/run.py baseline_best(): SequenceMatcher ratio vs {len(windows)} windows of 1-3 sentences, "
        f"per quotation; {how}",
        note=f"{'extrapolated from a sample; ' if sampled else ''}per quotation: median "
        f"{statistics.median(per_quote):.2f} s over {len(per_quote)} quotations",
        derived=sampled, sampled=sampled, quotations_timed=len(chosen), windows=len(windows),
    )
    a = b.add(
        f"factcheck alignment only, {case.name}", align_samples, "s",
        "SourceIndex(source, 3) + align(q, ...) for every extracted quotation (factcheck.align.aligner)",
    )
    c = b.add(
        f"factcheck check(), prepared source, {case.name}", check_samples, "s",
        "factcheck.check(release_doc, source_doc)  # after one untimed call",
    )
    b.add(f"speed-up of alignment over the baseline, {case.name}", [total / a["median"]], "x",
          "baseline time / factcheck alignment time", derived=True)
    b.add(f"speed-up of check() on the prepared source over the baseline, {case.name}", [total / c["median"]], "x",
          "baseline time / factcheck check() time (check() also assesses, reads context, checks claims)",
          derived=True)
    words = len(case.source.split())
    cold = next(
        (f for f in b.figures if f.get("kind") == "new source" and f.get("words") == words
         and f.get("quotes") == len(case.quotes)),
        None,
    )
    if cold is not None:
        b.add(f"speed-up of check() on a new source over the baseline, {case.name}", [total / cold["median"]], "x",
              f"baseline time / '{cold['name']}' (loading, segmenting and encoding the source included)",
              derived=True)
    if compared:
        b.add(f"factcheck passage agrees with the baseline's, {case.name}", [100.0 * agree / compared], "%",
              f"share of {compared} quotations where factcheck's source span overlaps the baseline's best window",
              derived=True)
        b.add(f"factcheck passage holds the quoted sentence, {case.name}", [100.0 * product_true / compared], "%",
              "share of the same quotations whose span overlaps the sentence the quotation was drawn from",
              derived=True)
    b.add(f"baseline passage holds the quoted sentence, {case.name}", [100.0 * base_true / len(chosen)], "%",
          f"share of the {len(chosen)} baseline quotations whose best window overlaps the sentence drawn from",
          derived=True)
    b.add(f"factcheck verdict equals the baseline's, {case.name}", [100.0 * same_verdict / len(chosen)], "%",
          f"share of the {len(chosen)} timed quotations whose verdict is the same when checked against the whole "
          "source (factcheck's index finds the passage) and against the paragraphs around the baseline's best "
          "window only (difflib finds it)", derived=True, verdicts=verdict_pairs)


def _verdicts_both_ways(quote: str, source: Any, start: int, end: int) -> tuple[str, str]:
    """One quotation's verdict when factcheck's index finds its passage in the whole source, and when the
    aligner may only use the words of the baseline's best window. Everything else (extraction, assessment
    with the whole source's context and word weights) is the same code on the same source."""
    from factcheck.align import SourceIndex, align
    from factcheck.config import load_settings
    from factcheck.inputs import load
    from factcheck.quotes.extract import extract
    from factcheck.pipeline import prepare_source

    settings = load_settings()
    release = load(f"The report found \u201c{quote}\u201d.", settings)
    found = extract(release, settings, ["the report"])[0]
    prepared = prepare_source(source, settings)
    window = _window_index(prepared.index, start, end)
    ours = prepared.assessor.assess(found, align(found, release, prepared.index, settings), release).verdict
    theirs = prepared.assessor.assess(found, align(found, release, window, settings), release).verdict
    return ours, theirs


def _window_index(index: Any, start: int, end: int) -> Any:
    """A copy of a source's word index holding only the words inside original offsets [start, end)."""
    words = index.view.words_between(start, end)
    return index.within(words.start, words.stop)


# --- output -----------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("onnxruntime", "torch", "sentence-transformers", "tokenizers", "numpy"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def write_results(b: Bench, started: float, args: argparse.Namespace) -> None:
    data = {
        "generated_by": ".venv/bin/python benchmarks/run.py" + (" --quick" if args.quick else ""),
        "machine": machine(),
        "load_average_before": b.extra.get("load_before"),
        "load_average_after": load_average(),
        "embedding_backend": b.extra.get("embedding_backend"),
        "seconds": round(time.perf_counter() - started, 1),
        "figures": b.figures,
        "notes": b.notes,
    }
    (HERE / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# factcheck benchmarks",
        "",
        (
            f"Measured by `{data['generated_by']}` ({data['seconds']:.0f} s in all) on {data['machine']['cpu']} "
            f"({data['machine']['cores']} cores), Python {data['machine']['python']}, onnxruntime "
            f"{data['machine']['packages'].get('onnxruntime')}, torch {data['machine']['packages'].get('torch')}. "
            f"Embedding backend: {data['embedding_backend']}. Load average (1, 5, 15 min) before "
            f"{data['load_average_before']}, after {data['load_average_after']}: other work on the machine slows "
            "every figure."
        ),
        "",
        "Each figure is the median of the runs shown; the raw samples are in `results.json`.",
        "",
        "| figure | median | min - max | runs | how |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in b.figures:
        spread = f"{fmt(f['min'], f['unit'])} - {fmt(f['max'], f['unit'])}" if len(f["samples"]) > 1 else ""
        how = f["command"].replace("|", "\\|")
        if f.get("note"):
            how += f" ({f['note']})"
        lines.append(f"| {f['name']} | {fmt(f['median'], f['unit'])} | {spread} | {f['runs']} | `{how}` |")
    if b.notes:
        lines += ["", *[f"- {n}" for n in b.notes]]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def print_table(b: Bench) -> None:
    width = max(len(f["name"]) for f in b.figures)
    print()
    print(f"{'figure'.ljust(width)}  {'median':>10}  runs")
    for f in b.figures:
        print(f"{f['name'].ljust(width)}  {fmt(f['median'], f['unit']):>10}  {f['runs']}")
    print(f"\nwritten: {rel(HERE / 'results.json')}, {rel(HERE / 'RESULTS.md')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="factcheck's speed, measured on this machine")
    parser.add_argument("--quick", action="store_true", help="fewer runs and no 100k-word cells (a smoke test)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cli,warm,scale,encode,batch,baseline")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    quick = args.quick
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        b = Bench(Path(tmp))
        b.extra["load_before"] = load_average()
        if b.user_onnx is None:
            b.notes.append("No exported ONNX model was found (run scripts/export_onnx.py): figures use the fallback.")
        os.environ["FACTCHECK_CACHE"] = str(b.fresh_cache())
        built: dict[str, Case] = {}

        def part(name: str, fn: Callable[[], Any]) -> None:
            if name in skip:
                return
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - one failing part must not lose the others' figures
                traceback.print_exc()
                b.notes.append(f"The {name} part failed: {type(e).__name__}: {str(e)[:300]}")

        part("cli", lambda: cold_cli(b, runs=2 if quick else 5, torch_runs=1 if quick else 3))
        part("warm", lambda: warm_library(b, runs=5 if quick else 20))
        sizes = [1000, 10000] if quick else [1000, 10000, 100000]
        part("scale", lambda: built.update(
            scaling(b, sizes, [10, 50, 200], runs=1 if quick else 3, cold_runs=1 if quick else 3)
        ))
        part("encode", lambda: encoding(b, runs=2 if quick else 3, torch_too=True))
        part("batch", lambda: batch(b, runs=1 if quick else 3, pairs=10 if quick else 40))
        words, count = (10000, 50) if quick else (100000, 200)
        part("baseline", lambda: baseline(
            b, built.get(f"{words}/{count}") or build_case(words, count), product_runs=1 if quick else 3
        ))
        write_results(b, started, args)
        print_table(b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
