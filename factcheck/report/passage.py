"""The source passage of a finding as a sequence of marked segments: kept, omitted, changed, added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from factcheck.types import QuoteFinding

SourceTexts = str | Mapping[str, str]


def text_of_source(source_texts: SourceTexts, name: str) -> str:
    """The text of the named source: `source_texts` is one text, or texts by source name."""
    if isinstance(source_texts, str):
        return source_texts
    return source_texts.get(name, "") or (next(iter(source_texts.values()), "") if len(source_texts) == 1 else "")


@dataclass(frozen=True)
class Segment:
    kind: str  # "kept" | "omitted" | "changed" | "added" | "moved" (from elsewhere in the source) | "outside" | "cut"
    text: str
    replacement: str = ""


def passage_segments(finding: QuoteFinding, source_text: str, margin_sentence: tuple[int, int] | None = None) -> list[Segment]:
    """Segments of the source between the finding's first and last aligned words; words the release left out
    are 'omitted', words it changed are 'changed' (with the release's words), words it added are 'added'."""
    if finding.source_start < 0:
        return []
    segments: list[Segment] = []
    cursor = finding.source_start
    if margin_sentence is not None and margin_sentence[0] < cursor:
        segments.append(Segment("outside", source_text[margin_sentence[0] : cursor]))
    for op in finding.edits:
        if op.moved:
            if op.kind == "equal":
                segments.append(Segment("moved", source_text[op.source_start : op.source_end]))
            elif op.kind in ("insert", "replace"):
                segments.append(Segment("added", op.quote_text))
            continue
        if op.kind == "insert":
            if op.source_start > cursor:
                segments.append(Segment("kept", source_text[cursor : op.source_start]))
                cursor = op.source_start
            segments.append(Segment("added", op.quote_text))
            continue
        if op.source_end <= cursor and op.source_start < cursor:
            continue
        if op.source_start > cursor:
            segments.append(Segment("kept", source_text[cursor : op.source_start]))
        kind = {"equal": "kept", "delete": "omitted", "replace": "changed"}[op.kind]
        segments.append(Segment(kind, source_text[op.source_start : op.source_end], op.quote_text if kind == "changed" else ""))
        cursor = max(cursor, op.source_end)
    if not finding.edits and finding.source_end > cursor:
        segments.append(Segment("kept", source_text[cursor : finding.source_end]))
        cursor = finding.source_end
    if margin_sentence is not None and margin_sentence[1] > cursor:
        segments.append(Segment("outside", source_text[cursor : margin_sentence[1]]))
    return _merge(segments)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].kind == seg.kind and seg.kind in ("kept", "outside"):
            merged[-1] = Segment(seg.kind, merged[-1].text + seg.text)
        else:
            merged.append(seg)
    return merged


def release_segments(finding: QuoteFinding, source_text: str = "") -> list[Segment]:
    """The release's quotation as segments: its words kept as the source has them, 'added' (not in the source),
    'changed' (with the source's words as the replacement), and a 'cut' where source words were left out (the
    cut words as its text). Empty for a quotation of several parts, whose text is not one stretch of the release."""
    if len(finding.parts) != 1 or not finding.edits:
        return []
    base = finding.start
    text = finding.text
    segments: list[Segment] = []
    cursor = 0
    for op in sorted(finding.edits, key=lambda o: (o.quote_start, o.quote_end)):
        start, end = op.quote_start - base, op.quote_end - base
        if not 0 <= start <= end <= len(text) or start < cursor:
            continue
        if start > cursor:
            segments.append(Segment("kept", text[cursor:start]))
        if op.kind == "delete":
            segments.append(Segment("cut", op.source_text))
        elif op.kind == "insert":
            segments.append(Segment("added", text[start:end]))
        elif op.kind == "replace":
            segments.append(Segment("changed", text[start:end], op.source_text))
        else:
            segments.append(Segment("kept", text[start:end]))
        cursor = end
    if cursor < len(text):
        segments.append(Segment("kept", text[cursor:]))
    lead, trail = _cut_at_the_edges(finding, source_text)
    return _merge([*lead, *segments, *trail])


EDGE_REACH = 3  # characters of space or punctuation allowed between the passage and words cut beside it


def _cut_at_the_edges(finding: QuoteFinding, source_text: str) -> tuple[list[Segment], list[Segment]]:
    """The words a truncated quotation cuts before or after itself (in `omitted`, right beside the passage)."""
    if finding.verdict != "truncated" or not source_text:
        return [], []
    lead: list[Segment] = []
    trail: list[Segment] = []
    for words in finding.omitted:
        after = source_text.find(words, finding.source_end, finding.source_end + len(words) + EDGE_REACH)
        before = source_text.rfind(words, max(0, finding.source_start - len(words) - EDGE_REACH), finding.source_start)
        if after >= 0:
            trail.append(Segment("cut", words))
        elif before >= 0:
            lead.append(Segment("cut", words))
    return lead, trail
