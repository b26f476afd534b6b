"""How many releases of a folder of labelled cases `--fail-on medium` fails, and how many their quotations alone
would fail: `python scripts/gate_count.py samples/real/heldout`."""

from __future__ import annotations

import sys
from pathlib import Path
from factcheck import check
from factcheck.evaluate import find_cases, load_labels
from factcheck.types import SEVERITY_ORDER
fail = quotes_only = 0
cases = find_cases([Path(sys.argv[1])])
for case in cases:
    labels = load_labels(case)
    r = check(case / labels.get("release", "release.txt"), case / labels.get("source", "source.txt"))
    fail += SEVERITY_ORDER[r.summary.worst_severity] >= SEVERITY_ORDER["medium"]
    quotes_only += any(SEVERITY_ORDER[q.severity] >= SEVERITY_ORDER["medium"] for q in r.quotes)
print(f"{len(cases)} releases: --fail-on medium fails {fail}; on quotations alone {quotes_only}")
