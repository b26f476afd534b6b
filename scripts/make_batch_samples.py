"""Generate small release/source pairs for `factcheck batch` (tests and throughput measurements).

Each pair takes a few consecutive paragraphs of a source (by default the reference case's Ofsted letter) as
its source, and a short release crediting Ofsted with two quotations from it: one verbatim and one either
verbatim, with a word silently dropped, or reworded (so the embedding model is asked for the nearest passage).
With --broken, one more item has an empty release, to show a per-item error.

    .venv/bin/python scripts/make_batch_samples.py OUT_DIR [--count 50] [--broken]

writes OUT_DIR/item-001/release.txt and source.txt, ... and OUT_DIR/manifest.csv listing them.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "samples" / "birmingham-2021" / "source.txt"
QUOTE_MARKS = set("\"'‘’“”")
MODES = ("verbatim", "dropped", "reworded")


def _passages(source_text: str) -> list[tuple[str, list[str]]]:
    """(paragraph window, sentences worth quoting) for each body paragraph of the source."""
    from factcheck.text import build_document

    doc = build_document("source", source_text)
    paragraphs = [source_text[p.start : p.end] for p in doc.paragraphs]
    by_paragraph: dict[int, list[str]] = {}
    for s in doc.sentences:
        text = " ".join(source_text[s.start : s.end].split())
        words = text.split()
        if 10 <= len(words) <= 40 and not QUOTE_MARKS & set(text) and text.endswith("."):
            by_paragraph.setdefault(s.paragraph, []).append(text)
    out = []
    for index, sentences in sorted(by_paragraph.items()):
        window = paragraphs[max(0, index - 1) : index + 2]
        out.append(("\n\n".join(" ".join(p.split()) for p in window), sentences))
    return out


def _dropped(sentence: str) -> str:
    """The sentence with one word from its middle left out (no ellipsis: a silent elision)."""
    words = sentence.rstrip(".").split()
    middle = len(words) // 2
    return " ".join(words[:middle] + words[middle + 1 :])


def _reworded(sentence: str) -> str:
    """The sentence with every third word from the fourth on changed, so it is not found word for word."""
    words = sentence.rstrip(".").split()
    return " ".join("markedly" if i >= 3 and i % 3 == 0 else w for i, w in enumerate(words))


def make_pairs(out_dir: Path, count: int = 50, broken: bool = False, source: Path = DEFAULT_SOURCE) -> Path:
    """Write `count` pairs (plus one with an empty release when `broken`) and a manifest; returns the manifest."""
    passages = _passages(source.read_text(encoding="utf-8"))
    if not passages:
        raise SystemExit(f"{source}: no sentences to quote")
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(count):
        window, sentences = passages[i % len(passages)]
        first = sentences[0]
        second = sentences[(i // len(passages) + 1) % len(sentences)] if len(sentences) > 1 else first
        mode = MODES[i % len(MODES)]
        quoted = {"verbatim": second, "dropped": _dropped(second), "reworded": _reworded(second)}[mode]
        release = (
            f"Council welcomes inspection letter (item {i + 1})\n\n"
            f"Ofsted said the service had found that \u2018{first.rstrip('.')}\u2019.\n\n"
            f"Inspectors also said: \u201c{quoted.rstrip('.')}.\u201d\n\n"
            "The council thanked its staff for their hard work.\n"
        )
        name = f"item-{i + 1:03d}"
        folder = out_dir / name
        folder.mkdir(exist_ok=True)
        (folder / "release.txt").write_text(release, encoding="utf-8")
        (folder / "source.txt").write_text(f"Ofsted\n\n{window}\n", encoding="utf-8")
        rows.append((f"{name}/release.txt", f"{name}/source.txt", name))
    if broken:
        name = f"item-{count + 1:03d}-broken"
        folder = out_dir / name
        folder.mkdir(exist_ok=True)
        (folder / "release.txt").write_text("", encoding="utf-8")
        (folder / "source.txt").write_text(f"Ofsted\n\n{passages[0][0]}\n", encoding="utf-8")
        rows.append((f"{name}/release.txt", f"{name}/source.txt", name))
    manifest = out_dir / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["release", "source", "name"])
        writer.writerows(rows)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--broken", action="store_true", help="add one item with an empty release")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    manifest = make_pairs(args.out_dir, args.count, args.broken, args.source)
    print(manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
