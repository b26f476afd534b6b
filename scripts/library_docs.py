"""Write the real document library (samples/library/*.jsonl.gz) out as one .txt file per document, for
`factcheck library add FOLDER`.

    python scripts/library_docs.py /tmp/lib                     # every document of every set
    python scripts/library_docs.py /tmp/lib --real              # plus the 100 real pairs' sources (the answers)
    python scripts/library_docs.py /tmp/lib --kind research --limit 200
    python scripts/library_docs.py /tmp/lib --real-only         # only the real pairs' sources
    python scripts/library_docs.py --list                       # what is there, per set and kind

A file is named after its document's id (`pubmed-21645374.txt`, `ofsted-dudley-80464-2016-04-05.txt`) and holds
the document's text, title first. A real pair's source is `real-<pair>.txt`; pairs that quote the very same
source text share one file, named after the first of them in sorted order (see real_answers() and the README).

The data is looked for in --data, then $FACTCHECK_LIBRARY_DATA, then samples/library/, then shared/library/
beside the repository (where the steering session keeps data files that are not committed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "samples" / "real"


def data_dirs() -> list[Path]:
    env = os.environ.get("FACTCHECK_LIBRARY_DATA")
    return ([Path(env)] if env else []) + [ROOT / "samples" / "library", ROOT.parent / "shared" / "library"]


def find_data(explicit: Path | None = None) -> Path:
    """The first folder holding the library's .jsonl.gz files; a clear error when there is none."""
    candidates = [explicit] if explicit else data_dirs()
    for folder in candidates:
        if folder is not None and any(folder.glob("*.jsonl.gz")):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise SystemExit(f"no library data (*.jsonl.gz) in {looked}: build it with scripts/build_library_sample.py")


def documents(folder: Path, *, sets: Iterable[str] = (), kinds: Iterable[str] = ()) -> Iterator[dict[str, object]]:
    """Every document of the library, set by set in name order, as dicts (id, title, kind, set, text, source...)."""
    wanted_sets, wanted_kinds = set(sets), set(kinds)
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                document = json.loads(line)
                if wanted_sets and document["set"] not in wanted_sets:
                    continue
                if wanted_kinds and document["kind"] not in wanted_kinds:
                    continue
                yield document


def real_answers(real: Path = REAL) -> list[dict[str, object]]:
    """The labelled pairs' sources as library documents, one per distinct source text, each naming its pairs."""
    by_text: dict[str, dict[str, object]] = {}
    for pair in sorted(p for p in real.glob("*/*") if (p / "source.txt").is_file()):
        text = (pair / "source.txt").read_text(encoding="utf-8")
        origin = json.loads((pair / "origin.json").read_text(encoding="utf-8"))
        source = origin.get("source") or {}
        key = text.strip()
        if key not in by_text:
            by_text[key] = {
                "id": f"real-{pair.name}",
                "title": source.get("title", ""),
                "kind": origin.get("kind", ""),
                "set": "real-sources",
                "text": text,
                "source": {"url": source.get("url", ""), "path": str(pair.relative_to(ROOT) / "source.txt")},
                "pairs": [],
            }
        pairs = by_text[key]["pairs"]
        assert isinstance(pairs, list)
        pairs.append(f"{pair.parent.name}/{pair.name}")
    return list(by_text.values())


def write_folder(docs: Iterable[dict[str, object]], out: Path) -> int:
    """One `<id>.txt` per document in `out` (created if need be); returns how many were written."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for document in docs:
        text = str(document["text"]).rstrip("\n") + "\n"
        (out / f"{document['id']}.txt").write_text(text, encoding="utf-8")
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="folder to write the .txt files into")
    parser.add_argument("--data", type=Path, help="folder of the .jsonl.gz files (default: see above)")
    parser.add_argument("--set", action="append", default=[], dest="sets", help="only this set (repeatable)")
    parser.add_argument("--kind", action="append", default=[], dest="kinds", help="only this kind (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many library documents")
    parser.add_argument("--real", action="store_true", help="also write the real pairs' sources")
    parser.add_argument("--real-only", action="store_true", help="write only the real pairs' sources")
    parser.add_argument("--list", action="store_true", help="count the documents per set and kind, write nothing")
    args = parser.parse_args(argv)

    if args.list:
        counts = Counter((str(d["set"]), str(d["kind"])) for d in documents(find_data(args.data)))
        for (set_name, kind), n in sorted(counts.items()):
            print(f"{set_name:24} {kind:18} {n:6}")
        print(f"{'total':43} {sum(counts.values()):6}")
        return 0
    if args.out is None:
        parser.error("give the folder to write into (or --list)")
    written = 0
    if not args.real_only:
        docs = documents(find_data(args.data), sets=args.sets, kinds=args.kinds)
        if args.limit:
            docs = islice(docs, args.limit)
        written += write_folder(docs, args.out)
    if args.real or args.real_only:
        written += write_folder(real_answers(), args.out)
    print(f"wrote {written} documents to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
