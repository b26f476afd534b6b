"""Move the labelled real pairs from samples/real/incoming/ into dev/ or heldout/, once, and index them.

The split is by source document, so two releases quoting one report land on the same side, and it is decided
by a hash of the source's address (or text), not by anything the product does with the pair: a pair's side is
fixed before anyone looks at how the product scores it. About 40 % go to heldout.

    python scripts/split_real.py            # move incoming pairs, then rewrite samples/real/README.md
    python scripts/split_real.py --index    # only rewrite the README's table
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"
HELDOUT_PERCENT = 40
FLAGS = {"altered", "elided", "truncated", "context_omitted", "not_in_source"}


def side_of(pair: Path) -> str:
    origin = json.loads((pair / "origin.json").read_text(encoding="utf-8"))
    key = (origin.get("source") or {}).get("url") or ""
    if not key:
        key = re.sub(r"\s+", " ", (pair / "source.txt").read_text(encoding="utf-8")).strip()
    bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "heldout" if bucket < HELDOUT_PERCENT else "dev"


def complete(pair: Path) -> bool:
    return all((pair / name).is_file() for name in ("release.txt", "source.txt", "expected.json", "origin.json"))


def move_incoming() -> None:
    incoming = REAL / "incoming"
    for pair in sorted(p for p in incoming.iterdir() if p.is_dir()) if incoming.is_dir() else []:
        if not complete(pair):
            print(f"skipped (incomplete): {pair.name}")
            continue
        target = REAL / side_of(pair) / pair.name
        if target.exists():
            raise SystemExit(f"{target} exists already: a pair is split once")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pair), str(target))
        print(f"{pair.name} -> {target.parent.name}")


def index_rows() -> list[str]:
    rows = []
    for side in ("dev", "heldout"):
        for pair in sorted(p for p in (REAL / side).glob("*") if p.is_dir()):
            origin = json.loads((pair / "origin.json").read_text(encoding="utf-8"))
            quotes = json.loads((pair / "expected.json").read_text(encoding="utf-8"))["quotes"]
            flagged = sum(1 for q in quotes if q["verdict"] in FLAGS)
            release_url = (origin.get("release") or {}).get("url", "")
            source_url = (origin.get("source") or {}).get("url", "")
            rows.append(
                f"| {side} | {pair.name} | {origin.get('kind', '')} | {len(quotes)} | {flagged} | {release_url} | {source_url} |"
            )
    return rows


def write_index() -> None:
    readme = REAL / "README.md"
    marker = "<!-- pairs -->"
    head = readme.read_text(encoding="utf-8").split(marker)[0] if readme.exists() else ""
    table = ["| split | pair | kind | quotes | flagged | release | source |", "|---|---|---|---|---|---|---|", *index_rows()]
    readme.write_text(head + marker + "\n" + "\n".join(table) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", action="store_true", help="only rewrite the README's table")
    args = parser.parse_args()
    if not args.index:
        move_incoming()
    write_index()


if __name__ == "__main__":
    main()
