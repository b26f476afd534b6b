"""Check every case under samples/ and write its reports under reports/ (the main job)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from factcheck import FactcheckError, check, load
from factcheck.config import load_settings
from factcheck.report import render

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    os.chdir(ROOT)  # relative names in the reports, whatever the clone's location
    settings = load_settings()
    out_dir = Path("reports")
    out_dir.mkdir(exist_ok=True)
    cases = sorted(p for p in Path("samples").iterdir() if (p / "release.txt").exists() and (p / "source.txt").exists())
    failures = 0
    for case in cases:
        try:
            source = load(case / "source.txt", settings)
            report = check(case / "release.txt", source, settings=settings)
        except FactcheckError as e:
            print(f"{case.name}: error: {e}", file=sys.stderr)
            failures += 1
            continue
        for fmt, suffix in (("json", "json"), ("md", "md"), ("text", "txt"), ("html", "html")):
            (out_dir / f"{case.name}.{suffix}").write_text(render(report, fmt, source_text=source.text), encoding="utf-8")
        print(f"{case.name}: {report.summary.quotes} quotations; {', '.join(f'{v} {n}' for v, n in report.summary.verdicts.items())}")
        print(f"  reports/{case.name}.json, .md, .txt, .html")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
