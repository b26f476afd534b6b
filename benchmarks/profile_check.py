"""Where the time goes in factcheck.check() on the 100k-word, 200-quotation case. Run from the repository root:

    .venv/bin/python benchmarks/profile_check.py              # cProfile + what-if experiments
    .venv/bin/python benchmarks/profile_check.py --words 10000 --quotes 50 --runs 1

Writes benchmarks/PROFILE.md and benchmarks/profile.json. Three parts:

1. a cProfile of check() on a new source (model loaded, empty vector cache: segmenting, preparing and encoding
   included), summarised by stage;
2. a cProfile of check() on the prepared source (vectors cached): the pipeline itself;
3. the hot stages timed alone without the profiler (loading: normalise, pysbd sentences; the word index;
   alignment), and a what-if that changes no file: loading with Python's regex cache raised from 512 to 8192
   patterns (pysbd compiles more patterns than the cache holds, so it recompiles them for every paragraph).
   Each timing is the median of --runs runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from cases import build_case

TOP = 25


def _short(path: str) -> str:
    for marker in ("/factcheck/", "site-packages/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1] if marker != "/factcheck/" else "factcheck/" + path.split(marker, 1)[1]
    return path


def summarise(profile: cProfile.Profile, total: float) -> dict[str, Any]:
    stats = pstats.Stats(profile)
    rows = []
    for (path, line, name), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{_short(path)}:{line}({name})", "calls": nc, "own_s": tt, "cumulative_s": ct})
    own = sorted(rows, key=lambda r: r["own_s"], reverse=True)[:TOP]
    ours = [r for r in rows if r["function"].startswith("factcheck/")]
    cumulative = sorted(ours, key=lambda r: r["cumulative_s"], reverse=True)[:TOP]
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
    return {"total_s": total, "by_cumulative": cumulative, "by_own_time": own, "raw": text.getvalue()}


def profiled(fn: Callable[[], Any]) -> dict[str, Any]:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    fn()
    profile.disable()
    return summarise(profile, time.perf_counter() - started)


def median_time(fn: Callable[[], Any], runs: int, before: Callable[[], Any] = lambda: None) -> list[float]:
    samples = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=100000)
    parser.add_argument("--quotes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    import factcheck
    from factcheck.config import load_settings
    from factcheck.embed import default_embedder, onnx_model_path

    onnx = onnx_model_path().parent
    tmp = tempfile.mkdtemp(prefix="factcheck-profile-")
    cache = Path(tmp) / "cache"
    cache.mkdir()
    if onnx.exists():
        (cache / "onnx").symlink_to(onnx)
    os.environ["FACTCHECK_CACHE"] = str(cache)

    case = build_case(args.words, args.quotes)
    embedder = default_embedder(load_settings().embedding)
    embedder.encode(["warm the model up"])  # the model load is measured by benchmarks/run.py, not here
    print(f"{case.name}: {len(case.source.split())} words, {len(case.quotes)} quotations", flush=True)

    result: dict[str, Any] = {"case": case.name, "words": len(case.source.split()), "quotes": len(case.quotes)}
    holder: dict[str, Any] = {}

    def cold() -> None:
        release, source = factcheck.load(case.release), factcheck.load(case.source)
        holder["docs"] = (release, source)
        factcheck.check(release, source)

    computed = getattr(embedder, "computed", 0)
    result["new_source"] = profiled(cold)
    result["new_source"]["texts_encoded"] = getattr(embedder, "computed", 0) - computed
    print(f"  new source: {result['new_source']['total_s']:.1f} s under cProfile", flush=True)
    release, source = holder["docs"]
    result["prepared"] = profiled(lambda: factcheck.check(release, source))
    print(f"  prepared source: {result['prepared']['total_s']:.1f} s under cProfile", flush=True)

    # what-if experiments on the hot stages, timed without the profiler
    from factcheck import text as documents

    text = case.source
    timings: dict[str, list[float]] = {}
    timings["load(source) as is"] = median_time(lambda: factcheck.load(text), args.runs, re.purge)
    old_cache = getattr(re, "_MAXCACHE", None)
    if old_cache is not None:
        re._MAXCACHE = 8192  # type: ignore[attr-defined]
        try:
            timings["load(source), re module cache 512 -> 8192 patterns"] = median_time(
                lambda: factcheck.load(text), args.runs, re.purge
            )
        finally:
            re._MAXCACHE = old_cache  # type: ignore[attr-defined]
    if hasattr(documents, "normalise"):
        timings["documents.normalise(source) alone"] = median_time(lambda: documents.normalise(text), args.runs)
    if hasattr(documents, "find_paragraphs") and hasattr(documents, "find_sentences"):
        view = documents.normalise(text)
        paragraphs = documents.find_paragraphs(text)
        timings["documents.find_sentences(source) alone (pysbd)"] = median_time(
            lambda: documents.find_sentences(text, view, paragraphs), args.runs, re.purge
        )
    from factcheck.align import SourceIndex, align
    from factcheck.quotes.extract import extract

    settings = load_settings()
    quotes = extract(release, settings, ["the report", "the review", "the authors", "inspectors"])
    index = SourceIndex(source, settings.align.seed_words)
    timings["SourceIndex(source) alone"] = median_time(lambda: SourceIndex(source, settings.align.seed_words), args.runs)
    timings[f"align() of all {len(quotes)} quotations alone"] = median_time(
        lambda: [align(q, release, index, settings) for q in quotes], args.runs
    )
    timings["check(prepared source) whole"] = median_time(lambda: factcheck.check(release, source), args.runs)
    for label, samples in timings.items():
        print(f"  {label}: median {statistics.median(samples):.3f} s of {[round(x, 3) for x in samples]}", flush=True)
    result["what_if"] = {k: {"median_s": statistics.median(v), "samples": v} for k, v in timings.items()}
    result["load_average"] = list(os.getloadavg())

    (HERE / "profile.json").write_text(
        json.dumps({k: v for k, v in result.items()}, indent=2, default=str) + "\n", encoding="utf-8"
    )
    write_markdown(result, args)
    print("written: benchmarks/PROFILE.md, benchmarks/profile.json")
    return 0


def write_markdown(result: dict[str, Any], args: argparse.Namespace) -> None:
    cmd = f".venv/bin/python benchmarks/profile_check.py --words {args.words} --quotes {args.quotes} --runs {args.runs}"
    lines = [
        f"# Where check() spends its time: {result['case']}",
        "",
        (
            f"Measured by `{cmd}` ({result['words']} words, {result['quotes']} quotations; load average after "
            f"{[round(x, 2) for x in result['load_average']]}). cProfile adds overhead: compare rows with each "
            "other, and take absolute times from the table of stages timed alone or benchmarks/RESULTS.md."
        ),
    ]
    for key, title in (("new_source", "New source (model loaded, empty vector cache)"), ("prepared", "Prepared source (vectors cached)")):
        part = result[key]
        lines += [
            "",
            f"## {title}: {part['total_s']:.1f} s under cProfile"
            + (f", {part.get('texts_encoded')} texts encoded" if key == "new_source" else ""),
            "",
            "| factcheck function (cumulative) | calls | cumulative | share |",
            "| --- | --- | --- | --- |",
        ]
        for r in part["by_cumulative"][:18]:
            share = 100 * r["cumulative_s"] / part["total_s"]
            lines.append(f"| `{r['function']}` | {r['calls']} | {r['cumulative_s']:.2f} s | {share:.0f}% |")
        lines += ["", "| function (own time) | calls | own time | share |", "| --- | --- | --- | --- |"]
        for r in part["by_own_time"][:12]:
            share = 100 * r["own_s"] / part["total_s"]
            lines.append(f"| `{r['function']}` | {r['calls']} | {r['own_s']:.2f} s | {share:.0f}% |")
    lines += [
        "",
        "## Stages timed alone, and what-ifs (no profiler; no file changed)",
        "",
        (
            f"Each the median of {args.runs} runs; `re.purge()` before each run of the regex-heavy stages, so "
            "every run starts with Python's regex cache empty, as a new process does."
        ),
        "",
        "| what | median | runs |",
        "| --- | --- | --- |",
    ]
    for label, v in result["what_if"].items():
        lines.append(f"| {label} | {v['median_s']:.3f} s | {len(v['samples'])} |")
    (HERE / "PROFILE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
