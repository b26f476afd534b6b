"""How check() grows with the size of its source, and with its layout: 1, 5 and 20 MB sources, each paragraphed
(paragraphs separated by blank lines) and single-line (the same text with every line break made a space, as a PDF
or web page extracted to one line gives it). Each case runs in a fresh process, so its peak RSS is its own:

    PYTHONPATH=. .venv/bin/python benchmarks/sizes.py [--sizes 1,5,20] [--layouts paragraphed,single-line]

Each case gets a new cache folder (FACTCHECK_CACHE) holding only a link to the exported model, so nothing of the
source is cached from an earlier run.

The sources are real text: every paragraph of samples/corpus/*/source.txt and samples/real/*/*/source.txt,
shuffled (seeded) and repeated, reshuffling each round, until the size is reached. The release quotes 30
sentences of the source, every third with an inner word dropped, with a few unquoted claims (as in
benchmarks/cases.py), so every quotation is found word for word and the model is not needed; it is loaded, as
by the CLI, only if a check asks for it (the "model" column says whether one did; loading it adds some 110 MB).
Printed per case: the source's sentences, the seconds to load it, the seconds for load + check (a new source:
nothing cached but the exported model), the seconds for a second check of the same source (prepared source
cached), and the peak RSS of the case's own process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from factcheck.embed import cache_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LAYOUTS = ("paragraphed", "single-line")
MB = 1_000_000


def real_paragraphs() -> list[str]:
    paths = sorted(SAMPLES.glob("corpus/*/source.txt")) + sorted(SAMPLES.glob("real/*/*/source.txt"))
    paragraphs: list[str] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        paragraphs.extend(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())
    return paragraphs


def build_source(size: int, layout: str, seed: int = 5) -> str:
    """At most `size` bytes (UTF-8) of real paragraphs, shuffled and repeated, filled to within one paragraph;
    one line when `layout` says so."""
    pool = real_paragraphs()
    rng = random.Random(seed)
    out: list[str] = []
    total = 1
    full = False
    while not full:
        order = pool[:]
        rng.shuffle(order)
        for para in order:
            cost = len(para.encode("utf-8")) + 2
            if total + cost > size:
                full = True
                break
            out.append(para)
            total += cost
    if layout == "single-line":
        return " ".join(" ".join(p.split()) for p in out) + "\n"
    return "\n\n".join(out) + "\n"


FRAMES = ("The report found “{q}”.", "Inspectors said: “{q}”", "The authors concluded that “{q}”.")
SENTENCE = re.compile(r"[A-Z][^.!?\n\"“”‘’'\[\]()…•]{40,300}?[.!?](?= [A-Z])")


def build_release(source: str, quotes: int = 30, seed: int = 5) -> str:
    rng = random.Random(seed)
    pool = [m.group() for m in SENTENCE.finditer(source[:200_000]) if 8 <= len(m.group().split()) <= 40]
    paragraphs = ["Press release: new findings published"]
    for k, sentence in enumerate(rng.sample(pool, min(quotes, len(pool)))):
        tokens = sentence.rstrip(".!?").split()
        if k % 3 == 2:
            del tokens[rng.randrange(2, len(tokens) - 2)]
        paragraphs.append(FRAMES[k % len(FRAMES)].format(q=" ".join(tokens)))
        if k % 10 == 5:
            claim = rng.choice(pool)
            paragraphs.append("The report also notes that " + claim[0].lower() + claim[1:])
    return "\n\n".join(paragraphs) + "\n"


def run_case(size_mb: float, layout: str) -> dict[str, object]:
    """One case, in this process: build, load and check twice; timings and counts."""
    from factcheck.config import load_settings
    from factcheck.embed import default_embedder
    from factcheck.inputs import load
    from factcheck.pipeline import check

    settings = load_settings()
    embedder = default_embedder(settings.embedding)  # loads the model only if a check needs it, as the CLI does
    source_text = build_source(int(size_mb * MB), layout)
    release_text = build_release(source_text)
    began = time.perf_counter()
    source = load(source_text, settings)
    release = load(release_text, settings)
    loaded = time.perf_counter()
    report = check(release, source, settings=settings, embedder=embedder)
    first = time.perf_counter()
    check(release, source, settings=settings, embedder=embedder)
    second = time.perf_counter()
    return {
        "chars": len(source_text),
        "lines": source_text.count("\n"),
        "paragraphs": len(source.paragraphs),
        "sentences": len(source.sentences),
        "load_s": round(loaded - began, 2),
        "first_check_s": round(first - began, 2),
        "warm_check_s": round(second - first, 2),
        "model_loaded": getattr(embedder, "computed", 0) > 0,
        "quotes": report.summary.quotes,
        "verdicts": report.summary.verdicts,
    }


def measure(size_mb: float, layout: str, timeout: float) -> dict[str, object]:
    """One case in a child process: its own output and its own peak RSS (from wait4)."""
    cmd = [sys.executable, __file__, "--child", f"{size_mb}:{layout}"]
    cache = Path(tempfile.mkdtemp(prefix="factcheck-sizes-"))  # a new source: no structure or vectors cached
    model = cache_dir() / "onnx"
    if model.exists():
        (cache / "onnx").symlink_to(model)
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "FACTCHECK_CACHE": str(cache)})
    began = time.perf_counter()
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"size_mb": size_mb, "layout": layout, "error": f"did not finish in {timeout:.0f} s"}
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    wall = time.perf_counter() - began
    result: dict[str, object] = {"size_mb": size_mb, "layout": layout, "process_s": round(wall, 2)}
    if child.returncode != 0:
        result["error"] = f"exit {child.returncode}"
        return result
    result.update(json.loads(out.strip().splitlines()[-1]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,5,20", help="source sizes in MB, comma-separated")
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds a case may take")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, layout = args.child.split(":")
        result = run_case(float(size), layout)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return
    results = []
    print(
        f"{'source':>8} {'layout':<12} {'sentences':>9} {'load s':>7} {'check s':>8} {'warm s':>7} {'peak RSS':>9} model"
    )
    for size in (float(s) for s in args.sizes.split(",")):
        for layout in args.layouts.split(","):
            r = measure(size, layout, args.timeout)
            results.append(r)
            if "error" in r:
                print(f"{size:>6g}MB {layout:<12} {r['error']}")
            else:
                print(
                    f"{size:>6g}MB {layout:<12} {r['sentences']:>9} {r['load_s']:>7} {r['first_check_s']:>8} "
                    f"{r['warm_check_s']:>7} {r['peak_rss_mb']:>6} MB {'loaded' if r['model_loaded'] else 'no'}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
