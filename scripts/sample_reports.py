"""Check every case under samples/ and write its reports under reports/ (the main job), or under the folder given.

    .venv/bin/python scripts/sample_reports.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from factcheck import FactcheckError, check, load
from factcheck.config import load_settings
from factcheck.report import render

ROOT = Path(__file__).resolve().parent.parent
FULL_FORMATS = (("json", "json"), ("md", "md"), ("text", "txt"), ("html", "html"))
SHARED_FORMATS = (("md", "md"), ("html", "html"))  # the generated benchmark's cases: the reports people read


def main(out: Path | None = None) -> int:
    os.chdir(ROOT)  # relative names in the reports, whatever the clone's location
    settings = load_settings()
    out_dir = out or Path("reports")
    out_dir.mkdir(exist_ok=True)
    cases = sorted(p.parent for p in Path("samples").rglob("release.txt") if (p.parent / "source.txt").exists())
    failures = 0
    for case in cases:
        name = case.relative_to("samples").as_posix()  # birmingham-2021, generated/tune/<case>
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            source = load(case / "source.txt", settings)
            report = check(case / "release.txt", source, settings=settings)
        except FactcheckError as e:
            print(f"{name}: error: {e}", file=sys.stderr)
            failures += 1
            continue
        formats = FULL_FORMATS if case.parent == Path("samples") else SHARED_FORMATS
        for fmt, suffix in formats:
            (out_dir / f"{name}.{suffix}").write_text(render(report, fmt, source_text=source.text), encoding="utf-8")
        print(f"{name}: {report.summary.quotes} quotations; {', '.join(f'{v} {n}' for v, n in report.summary.verdicts.items())}")
    print(f"{len(cases) - failures} samples checked; reports in reports/")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
