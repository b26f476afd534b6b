"""Speed of a one-line release with many quotations against the reference letter: the case a long quotation
made quadratic in the aligner's chaining (its runs were each linked to every earlier one).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/long_release.py [QUOTATIONS ...]

The release repeats 'Inspectors said "…" and more.' with the opening words of the letter's sentences, all on one
line; some of those openings hold an apostrophe or a cut word, so the extractor also meets long quotations. The
fake (hashing) embedder of the tests is used, so the figure is the text stages' alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck import check, load
from tests.fakes import HashingEmbedder


def main(counts: list[int]) -> None:
    source = load(ROOT / "samples" / "birmingham-2021" / "source.txt")
    sentences = [source.text[s.start : s.end] for s in source.sentences if 40 < s.end - s.start < 200][:60]
    openings = [s.split(",")[0][:40] for s in sentences]
    for count in counts:
        release = " ".join(f'Inspectors said "{openings[i % len(openings)]}" and more.' for i in range(count))
        started = time.perf_counter()
        report = check(release, source, embedder=HashingEmbedder())
        seconds = time.perf_counter() - started
        print(f"{count} pairs of quotation marks, {len(release):,} characters: {len(report.quotes)} quotations in {seconds:.1f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [60, 150, 445])
