"""Speed of the library: indexing reports per second (and where the time goes), query ms per release, and
the comparison of the two approximate-nearest-neighbour libraries that chose usearch.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/library.py [FOLDER_OR_FILE ...] [--embed] [--fake] [--sentences-only]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/library.py --ann [--synthetic 100000]

Without paths it indexes samples/real/*/*/source.txt and samples/corpus; any folder of documents works (every
document file under it). The releases timed are samples/real/*/*/release.txt (or --releases GLOB); a
release counts as right when its own source.txt is the first candidate. --embed embeds the sentences too
(the real model unless --fake); --fake uses the test suite's hashing
embedder instead of the real model. --ann indexes the same reports, then compares usearch and hnswlib on
their stored vectors against exact search (recall@10), with the release sentences as queries (hnswlib is not a
dependency of factcheck: `pip install hnswlib` first; it builds from source).
"""

from __future__ import annotations

import argparse
import glob
import importlib
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import factcheck.inputs
from factcheck.config import load_settings
from factcheck.library import Library, PassageIndex, add_reports, content_digest, discover
from factcheck.library import index as library_index
from factcheck.library.index import library_embedder, model_key
from factcheck.library.store import MIN_PASSAGE_WORDS

K = 10


class Timed:
    """Seconds spent in each wrapped stage."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start

        return timed


class TimedEmbedder:
    def __init__(self, inner, timed: Timed) -> None:
        self.inner, self.timed, self.texts = inner, timed, 0
        self.model_id = model_key(inner)

    def encode(self, texts):
        self.texts += len(texts)
        return self.timed.wrap("embed", self.inner.encode)(texts)


def default_paths() -> list[Path]:
    return [Path(p) for p in sorted(glob.glob(str(ROOT / "samples/real/*/*/source.txt")))] + [ROOT / "samples/corpus"]


def index_reports(paths: list[Path], library: Path, embedder, embed: bool) -> None:
    settings = load_settings()
    timed = Timed()
    wrapped = TimedEmbedder(embedder, timed) if embed else None
    if wrapped is not None:
        wrapped.encode(["warm the model up"])  # loading the model is not indexing
        timed.seconds.clear()
        wrapped.texts = 0
    original_load, original_index = factcheck.inputs.load, PassageIndex.up_to_date
    factcheck.inputs.load = timed.wrap("read and segment", original_load)
    PassageIndex.up_to_date = timed.wrap("approximate index", original_index)  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        outcomes = add_reports(paths, library, settings, embedder=wrapped)
        total = time.perf_counter() - start
    finally:
        factcheck.inputs.load, PassageIndex.up_to_date = original_load, original_index  # type: ignore[method-assign]
    added = sum(o.status == "added" for o in outcomes)
    print(f"indexed {len(outcomes)} files ({added} added, {len(outcomes) - added} duplicate or failed) in {total:.2f} s:"
          f" {len(outcomes) / total:.1f} files/s, {added / total:.1f} reports added/s on {os.cpu_count()} cores"
          f" ({'embedding with ' + wrapped.model_id if wrapped else 'no embedding'})")
    if wrapped is not None:
        print(f"  {wrapped.texts} sentences embedded ({wrapped.texts / max(added, 1):.0f} per report, "
              f"{wrapped.texts / max(timed.seconds['embed'], 1e-9):.0f}/s)")
    accounted = sum(timed.seconds.values())
    for stage, seconds in [*sorted(timed.seconds.items(), key=lambda kv: -kv[1]), ("store (sqlite, fts5, digest)", total - accounted)]:
        print(f"  {stage:30s} {seconds:7.2f} s  {100 * seconds / total:5.1f}%")
    size = sum(f.stat().st_size for f in library.iterdir() if f.is_file())
    print(f"  library size {size / 1e6:.1f} MB")


def time_queries(library: Path, releases: list[Path], embedder, sentences_only: bool = False) -> None:
    settings = load_settings()
    rank = discover
    if sentences_only:
        by_sentences = importlib.import_module("factcheck.library.discover").by_sentences

        def rank(release, library, settings, embedder):
            with Library.open(library) as opened:
                return by_sentences(opened, factcheck.inputs.load(release, settings), settings, 5, embedder)

    with Library.open(library) as opened:
        stored = {opened.describe(d)[0] for d in opened.document_ids()}
    cases = []
    for release in releases:
        source = release.parent / "source.txt"
        if source.exists():
            digest = content_digest(factcheck.inputs.load(source, settings))
            if digest in stored:
                cases.append((release, digest))
    if not cases:
        print("no release whose source.txt is in the library")
        return
    rank(cases[0][0], library, settings, embedder=embedder)  # the model and caches loaded once
    times, right, fallback = [], 0, 0
    for release, digest in cases:
        start = time.perf_counter()
        found = rank(release, library, settings, embedder=embedder)
        times.append(1000 * (time.perf_counter() - start))
        right += bool(found) and found[0].digest == digest
        fallback += bool(found) and found[0].evidence == "sentences"
    times.sort()
    print(f"queried {len(cases)} releases: source first for {right}/{len(cases)} ({right / len(cases):.3f}), "
          f"{fallback} by sentences; ms per release median {statistics.median(times):.1f}, "
          f"p90 {times[int(0.9 * (len(times) - 1))]:.1f}, max {times[-1]:.1f}")


def compare_ann(library: Path, releases: list[Path], embedder, synthetic: int) -> None:
    """usearch (f32, f16, i8) and hnswlib (f32) with the same HNSW parameters on the same vectors."""
    settings = load_settings()
    with Library.open(library) as opened:
        _, vectors = opened.vectors(model_key(embedder))
    texts = []
    for release in releases:
        doc = factcheck.inputs.load(release, settings)
        texts += [doc.text[s.start : s.end] for s in doc.sentences if len(doc.text[s.start : s.end].split()) >= MIN_PASSAGE_WORDS]
    queries = embedder.encode(texts)
    sets = [("stored sentence vectors", vectors, queries)]
    if synthetic:
        rng = np.random.default_rng(0)
        sets.append((f"{synthetic} synthetic (stored vectors plus noise)", _noisy(vectors, synthetic, rng), _noisy(queries, 1000, rng)))
    for name, data, qs in sets:
        data, qs = np.ascontiguousarray(data, dtype=np.float32), np.ascontiguousarray(qs, dtype=np.float32)
        start = time.perf_counter()
        exact = np.argsort(-(qs @ data.T), axis=1)[:, :K]
        exact_ms = 1000 * (time.perf_counter() - start) / len(qs)
        print(f"{name}: {len(data)} vectors of {data.shape[1]}, {len(qs)} queries; exact search (numpy) {exact_ms:.3f} ms/query")
        for row in _usearch(data, qs) + [_hnswlib(data, qs)]:
            label, build, one, load, found, size = row
            recall = np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact)])
            print(f"  {label:16s} build {build:7.2f} s  query {one:.3f} ms  recall@10 {recall:.4f}  "
                  f"file {size / 1e6:6.1f} MB  open {1000 * load:6.1f} ms")


def _noisy(vectors: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    picked = vectors[rng.integers(0, len(vectors), n)]
    noisy = picked + rng.normal(0, 0.04, picked.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def _usearch(data: np.ndarray, queries: np.ndarray) -> list[tuple]:
    from usearch.index import Index

    rows = []
    keys = np.arange(len(data), dtype=np.uint64)
    for scalar in ("f32", "f16", "i8"):
        index = Index(ndim=data.shape[1], metric="cos", dtype=scalar, connectivity=library_index.CONNECTIVITY,
                      expansion_add=library_index.EXPANSION_ADD, expansion_search=library_index.EXPANSION_SEARCH)
        start = time.perf_counter()
        index.add(keys, data, threads=os.cpu_count() or 1)
        build = time.perf_counter() - start
        one = _per_query(lambda q, index=index: index.search(q, K, threads=1), queries)
        found = index.search(queries, K).keys
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "index.usearch"
            index.save(str(path))
            start = time.perf_counter()
            Index.restore(str(path), view=True).search(queries[0], K)
            load = time.perf_counter() - start
            rows.append((f"usearch {scalar} (view)", build, one, load, found, path.stat().st_size))
    return rows


def _hnswlib(data: np.ndarray, queries: np.ndarray) -> tuple:
    import hnswlib

    index = hnswlib.Index(space="cosine", dim=data.shape[1])
    index.init_index(max_elements=len(data), ef_construction=library_index.EXPANSION_ADD, M=library_index.CONNECTIVITY)
    index.set_num_threads(os.cpu_count() or 1)
    start = time.perf_counter()
    index.add_items(data, np.arange(len(data)))
    build = time.perf_counter() - start
    index.set_ef(library_index.EXPANSION_SEARCH)
    index.set_num_threads(1)
    one = _per_query(lambda q: index.knn_query(q, K), queries)
    found, _ = index.knn_query(queries, K)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.bin"
        index.save_index(str(path))
        start = time.perf_counter()
        loaded = hnswlib.Index(space="cosine", dim=data.shape[1])
        loaded.load_index(str(path))
        loaded.knn_query(queries[0], K)
        load = time.perf_counter() - start
        return ("hnswlib f32", build, one, load, found, path.stat().st_size)


def _per_query(search, queries: np.ndarray, n: int = 300) -> float:
    start = time.perf_counter()
    for q in queries[:n]:
        search(q)
    return 1000 * (time.perf_counter() - start) / min(n, len(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="reports or folders (default: samples/real sources and samples/corpus)")
    parser.add_argument("--releases", default=str(ROOT / "samples/real/*/*/release.txt"), help="glob of the releases to time")
    parser.add_argument("--embed", action="store_true", help="embed the sentences too (as `library add --embed`)")
    parser.add_argument("--fake", action="store_true", help="the tests' hashing embedder instead of the real model")
    parser.add_argument("--sentences-only", action="store_true",
                        help="rank by the releases' sentences alone, as for a release without quotations")
    parser.add_argument("--ann", action="store_true", help="compare usearch and hnswlib on the stored vectors")
    parser.add_argument("--synthetic", type=int, default=0, help="with --ann, also this many synthetic vectors")
    parser.add_argument("--library", type=Path, help="keep the library here (default: a temporary folder)")
    args = parser.parse_args()
    if args.fake:
        sys.path.insert(0, str(ROOT))
        from tests.fakes import HashingEmbedder

        embedder = HashingEmbedder()
    else:
        embedder = library_embedder(load_settings())
    releases = [Path(p) for p in sorted(glob.glob(args.releases))]
    with tempfile.TemporaryDirectory() as folder:
        library = args.library or Path(folder) / "library"
        index_reports(args.paths or default_paths(), library, embedder, embed=args.embed or args.ann)
        if args.ann:
            compare_ann(library, releases, embedder, args.synthetic)
        else:
            time_queries(library, releases, embedder, args.sentences_only)


if __name__ == "__main__":
    main()
