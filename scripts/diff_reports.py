"""Regenerate every sample's reports into a temporary folder and compare them, byte for byte, with reports/.

    .venv/bin/python scripts/diff_reports.py      # exit 0 when every report is unchanged, 1 (listing them) if not

For changes meant to keep behaviour (a refactor): the committed reports are the 'before', this run the 'after'.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from sample_reports import main as write_reports  # noqa: E402


def differing(before: Path, after: Path) -> list[str]:
    names = {p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file() and p.suffix != ".png"}
    names |= {p.relative_to(after).as_posix() for p in after.rglob("*") if p.is_file()}
    return sorted(
        n for n in names if not (before / n).is_file() or not (after / n).is_file() or (before / n).read_bytes() != (after / n).read_bytes()
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="factcheck-reports-") as tmp:
        if write_reports(Path(tmp)) != 0:
            print("some samples failed to check", file=sys.stderr)
            return 1
        changed = differing(ROOT / "reports", Path(tmp))
    for name in changed:
        print(f"changed: reports/{name}")
    print(f"{len(changed)} reports differ from reports/" if changed else "every report is unchanged")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
