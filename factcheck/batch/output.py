"""What a batch writes beside the reports: index.json and index.html (no timestamp, no timing: the same batch
always gives the same bytes), each file replaced whole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from factcheck.batch.items import EXTENSIONS
from factcheck.batch.results import SEVERITIES, BatchResult
from factcheck.report import templates
from factcheck.types import SEVERITY_ORDER


def write_atomically(path: Path, text: str) -> None:
    """`text` into `path` through a temporary file beside it, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def index_data(batch: BatchResult) -> dict[str, Any]:
    from factcheck.pipeline import __version__

    items = [r.to_json() for r in batch.items]
    return {
        "factcheck_version": __version__,
        "formats": list(batch.formats),
        "totals": {
            "items": len(batch.items),
            "succeeded": len(batch.succeeded),
            "failed": len(batch.failed),
            "quotes": sum(r.quotes for r in batch.items),
            "flagged": sum(r.flagged for r in batch.items),
            "severities": {s: sum(r.severities.get(s, 0) for r in batch.items) for s in SEVERITIES},
        },
        "items": items,
    }


def render_index(batch: BatchResult) -> str:
    """index.html: one self-contained page (inline CSS, no script) listing every item, escaped throughout."""
    data = index_data(batch)
    rows = []
    for r in batch.items:
        link = r.reports.get("html") or next(iter(r.reports.values()), "")
        rows.append({"result": r, "link": link, "rank": SEVERITY_ORDER.get(r.worst_severity, 0)})
    return (
        templates()
        .get_template("index.html.j2")
        .render(
            version=data["factcheck_version"],
            totals=data["totals"],
            rows=rows,
            severities=SEVERITIES,
            formats=batch.formats,
            extensions=EXTENSIONS,
        )
    )


def write_index(batch: BatchResult) -> None:
    write_atomically(batch.index_json, json.dumps(index_data(batch), indent=2, ensure_ascii=False) + "\n")
    write_atomically(batch.index_html, render_index(batch))
