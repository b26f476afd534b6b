"""A quick speed check: check() on the reference case (warm) and on the 100k-word, 200-quotation case (new source,
then warm), for whichever factcheck is first on sys.path, so two checkouts compare on one machine:

    FACTCHECK_CACHE=$(mktemp -d) PYTHONPATH=. .venv/bin/python benchmarks/quick.py

(link the exported model into the fresh cache folder first: ln -s ~/.cache/factcheck/onnx "$FACTCHECK_CACHE/onnx")."""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import REFERENCE, build_case

import factcheck
from factcheck.config import load_settings
from factcheck.embed import default_embedder
from factcheck.inputs import load
from factcheck.pipeline import check

s = load_settings()
emb = default_embedder(s.embedding)
rel = load(str(REFERENCE / "release.txt"), s)
src = load(str(REFERENCE / "source.txt"), s)
check(rel, src, settings=s, embedder=emb)
t = []
for _ in range(15):
    a = time.perf_counter()
    check(rel, src, settings=s, embedder=emb)
    t.append(time.perf_counter() - a)
print(factcheck.__file__, "reference warm median ms", round(1000 * statistics.median(t), 1))
case = build_case(100000, 200)
a = time.perf_counter()
check(case.release, case.source, settings=s, embedder=emb)
new = time.perf_counter() - a
t = []
for _ in range(3):
    a = time.perf_counter()
    check(case.release, case.source, settings=s, embedder=emb)
    t.append(time.perf_counter() - a)
print("100k/200 new source s", round(new, 2), "warm median s", round(statistics.median(t), 2))
