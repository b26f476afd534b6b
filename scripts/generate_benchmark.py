"""Generate the labelled distortion benchmark from samples/corpus/ (see factcheck/benchmark.py).

usage: python scripts/generate_benchmark.py --out samples/generated --seed 7
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))  # the generator is a development tool, not part of the package

from generator import SPLITS, VERDICTS, generate, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "samples" / "generated", help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same files)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples" / "corpus", help="corpus folder")
    parser.add_argument(
        "--cases-per-source", type=int, default=3, help="releases generated per source document"
    )
    args = parser.parse_args(argv)
    bench = generate(args.corpus, seed=args.seed, cases_per_source=args.cases_per_source)
    try:
        write(bench, args.out)
    except ValueError as e:
        print(f"generate_benchmark: error: {e}", file=sys.stderr)
        return 2
    counts = bench.counts()
    for split in SPLITS:
        n_cases = sum(1 for c in bench.cases if c.split == split)
        detail = ", ".join(f"{v} {counts[split][v]}" for v in VERDICTS)
        print(f"{split}: {n_cases} cases, {sum(counts[split].values())} quotes ({detail})")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
