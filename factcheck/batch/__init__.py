"""Check many release/source pairs in parallel and write their reports and an index: `factcheck batch`.

A batch is a list of `BatchItem`s, read from a manifest (CSV with the columns release, source and optionally
name; paths relative to the manifest's folder) or from a folder whose subfolders each hold one `release.*` and
one `source.*` file (`items`). `run_batch()` checks them in worker processes (`runner`).

Outputs, in `out_dir`: `<name>.<ext>` for each item and format, `index.html` (one self-contained page linking
every report, with each item's counts or its error) and `index.json` (`output`). Neither index holds a
timestamp or a timing, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from factcheck.batch.items import (
    DEFAULT_FORMATS,
    EXTENSIONS,
    BatchItem,
    find_items,
    items_from_dir,
    items_from_manifest,
    parse_formats,
    safe_name,
    unique_names,
)
from factcheck.batch.output import index_data, render_index, write_index
from factcheck.batch.results import SEVERITIES, BatchResult, ItemResult
from factcheck.batch.runner import MAX_DEFAULT_WORKERS, default_workers, run_batch

__all__ = [
    "DEFAULT_FORMATS",
    "EXTENSIONS",
    "MAX_DEFAULT_WORKERS",
    "SEVERITIES",
    "BatchItem",
    "BatchResult",
    "ItemResult",
    "default_workers",
    "find_items",
    "index_data",
    "items_from_dir",
    "items_from_manifest",
    "parse_formats",
    "render_index",
    "run_batch",
    "safe_name",
    "unique_names",
    "write_index",
]
