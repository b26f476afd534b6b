"""How a release's paragraphs are set out: bullets, and blocks of quoted prose set off without marks."""

from __future__ import annotations

import re

from factcheck.text import LoadedDocument


def _indented(doc: LoadedDocument, index: int) -> bool:
    para = doc.paragraphs[index]
    line_start = doc.text.rfind("\n", 0, para.start) + 1
    lead = doc.text[line_start : para.start]
    return len(lead) >= 2 and not lead.strip()


def is_block_quotation(doc: LoadedDocument, index: int) -> bool:
    """A paragraph set off without marks: indented prose, or prose after a line that ends with a colon and
    introduces it ('The report concluded:')."""
    para = doc.paragraphs[index]
    body = doc.text[para.start : para.end]
    if is_bullet(doc, index) or len(body.split()) < 4 or not re.search(r"[.!?]$", body):
        return False
    if _indented(doc, index):
        return True
    if index == 0:
        return False
    prev = doc.paragraphs[index - 1]
    intro = doc.text[prev.start : prev.end].rstrip()
    return intro.endswith(":") and len(intro.split()) <= 25 and not is_bullet(doc, index - 1)


def is_bullet(doc: LoadedDocument, index: int) -> bool:
    para = doc.paragraphs[index]
    line_start = doc.text.rfind("\n", 0, para.start) + 1
    return bool(doc.text[line_start : para.start].strip())
