"""The align stage: a quotation placed in the source, with the edit operations between them."""

from __future__ import annotations

from factcheck.align.aligner import align, align_at, exact_occurrences, likeliest_occurrence
from factcheck.align.index import SourceIndex, form_key

__all__ = [
    "SourceIndex",
    "align",
    "align_at",
    "exact_occurrences",
    "form_key",
    "likeliest_occurrence",
]
