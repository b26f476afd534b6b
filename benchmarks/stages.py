"""Where a batch's time goes, pair by pair: every release/source pair of some case folders checked in one
process, as one batch worker checks them (the model on one thread, an empty vector cache), with each stage
timed.

    .venv/bin/python benchmarks/stages.py samples/generated/tune samples/generated/heldout
    .venv/bin/python benchmarks/stages.py --threads 2 samples/birmingham-2021

Prints milliseconds per pair for each stage (stages nest: `encode` happens inside `claims` and `nearest`, and
`find_sentences` inside `load`) and how many texts and tokens went through the model.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def case_folders(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if (path / "release.txt").exists():
            found.append(path)
        else:
            found.extend(sorted(p for p in path.iterdir() if (p / "release.txt").exists()))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="case folders, or folders of them")
    parser.add_argument("--threads", type=int, default=1, help="model threads (a batch worker on 2 cores: 1)")
    parser.add_argument(
        "--forget", action="store_true",
        help="forget every vector and prepared source between pairs (no pair gains from text another one shared)",
    )
    args = parser.parse_args(argv)

    from factcheck.embed import onnx_dir

    exported = onnx_dir()
    cache = Path(tempfile.mkdtemp(prefix="factcheck-stages-"))
    if exported.exists():
        shutil.copytree(exported, cache / "onnx")
    os.environ["FACTCHECK_CACHE"] = str(cache)  # an empty vector cache: every source is new

    from factcheck import embed, inputs, pipeline
    from factcheck.text import document
    from factcheck.config import load_settings
    from factcheck.report import render

    settings = load_settings()
    embedding = settings.embedding.model_copy(update={"threads": args.threads, "disk_cache": not args.forget})
    settings = settings.model_copy(update={"embedding": embedding})
    spent: dict[str, float] = defaultdict(float)

    def timing(owner: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def timed(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, timed)

    for name, label in [
        ("prepare_source", "prepare_source"), ("extract", "extract"), ("align", "align"),
        ("_nearest_passages", "nearest"), ("_claims", "claims"), ("findings_status", "findings_status"),
    ]:
        timing(pipeline, name, label)
    timing(document, "find_sentences", "find_sentences")  # build_document calls it by this module's name
    embedder = embed.default_embedder(settings.embedding)
    embedder.encode(["load the model before timing"])
    session = getattr(embedder, "_session", None)
    counted = {"texts": 0, "tokens": 0}
    if session is not None:
        model_encode = session.encode

        def encode(texts: Any, *a: Any, **k: Any) -> Any:
            counted["texts"] += len(texts)
            counted["tokens"] += sum(sum(e.attention_mask) for e in session.tokenizer.encode_batch(list(texts)))
            started = time.perf_counter()
            try:
                return model_encode(texts, *a, **k)
            finally:
                spent["model"] += time.perf_counter() - started

        session.encode = encode

    pairs = case_folders(args.folders)
    started = time.perf_counter()
    for folder in pairs:
        if args.forget:
            embedder._cache.clear()
            pipeline._PREPARED.clear()
        t = time.perf_counter()
        release = inputs.load(folder / "release.txt", settings)
        source = inputs.load(folder / "source.txt", settings)
        spent["load"] += time.perf_counter() - t
        t = time.perf_counter()
        report = pipeline.check(release, source, settings=settings, embedder=embedder)
        spent["check"] += time.perf_counter() - t
        t = time.perf_counter()
        for fmt in ("html", "json", "md"):
            render(report, fmt, source_text=source.text)
        spent["render"] += time.perf_counter() - t
    total = time.perf_counter() - started
    n = len(pairs)
    print(f"{n} pairs in {total:.2f} s: {total / n * 1000:.0f} ms a pair (model threads: {args.threads})")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:16s} {seconds / n * 1000:7.1f} ms a pair")
    if session is not None:
        print(f"  through the model: {counted['texts'] / n:.1f} texts, {counted['tokens'] / n:.0f} tokens a pair; "
              f"{counted['tokens'] / max(spent['model'], 1e-9):.0f} tokens/s")
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
