"""The source passage of a finding as a sequence of marked segments: kept, omitted, changed, added."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    # "kept" | "omitted" | "changed" | "added" | "moved" (from elsewhere in the source) | "cut" (left out at an
    # edge of the quotation) | "next_before" / "next_after" (a sentence beside the passage the release left out)
    kind: str
    text: str
    replacement: str = ""


def passage_segments(finding: QuoteFinding, source_text: str) -> list[Segment]:
    """Segments of the source between the finding's first and last aligned words; words the release left out
    are 'omitted', words it changed are 'changed' (with the release's words), words it added are 'added'; the
    words a truncated quotation cuts off at an edge are 'cut', and the left-out sentences beside it 'next_…'."""
    if finding.source_start < 0:
        return []
    segments: list[Segment] = []
    # a word the release replaced at its edge lies outside the matched passage; the passage shows it changed
    cursor = min([finding.source_start, *(op.source_start for op in finding.edits if not op.moved and op.kind != "insert")])
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
    lead, trail = beside_the_passage(finding, source_text)
    return _merge([*lead, *segments, *trail])


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].kind == seg.kind and seg.kind == "kept":
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
    lead, trail = beside_the_passage(finding, source_text)
    return _merge([*lead, *segments, *trail])


EDGE_REACH = 3  # characters of space or punctuation allowed between the passage and words cut beside it


def beside_the_passage(finding: QuoteFinding, source_text: str) -> tuple[list[Segment], list[Segment]]:
    """What the release left out beside the quotation, before and after it: the words a truncated quotation
    cuts off (in `omitted`, right beside the passage) and the neighbouring sentences that qualify it."""
    lead: list[Segment] = []
    trail: list[Segment] = []
    if finding.verdict == "truncated" and source_text:
        for words in finding.omitted:
            after = source_text.find(words, finding.source_end, finding.source_end + len(words) + EDGE_REACH)
            before = source_text.rfind(words, max(0, finding.source_start - len(words) - EDGE_REACH), finding.source_start)
            if after >= 0:
                trail.append(Segment("cut", words))
            elif before >= 0:
                lead.append(Segment("cut", words))
    for note in finding.context:
        if note.source_start >= finding.source_end:
            trail.append(Segment("next_after", note.text))
        elif note.source_end <= finding.source_start:
            lead.insert(0, Segment("next_before", note.text))
    return lead, trail


SOURCE_TAGS = {
    "omitted": "omitted",
    "cut": "cut off",
    "next_before": "left out, next to it",
    "next_after": "left out, next to it",
    "moved": "from elsewhere in the source",
    "added": "added",
}
RELEASE_TAGS = {
    "cut": "cut here",
    "added": "not in the source",
    "next_before": "left out, the source first says",
    "next_after": "left out, the source goes on",
}


def marked_text(
    segments: list[Segment],
    pane: str,
    *,
    escape: Callable[[str], str] = str,
    struck: Callable[[str], str] = str,
    tag: Callable[[str], str] = str,
) -> str:
    """Segments as one line of text with each change in brackets where it happened, for the formats that have
    no side-by-side panes: `pane` is "source" or "release"; `struck` marks words left out or replaced and `tag`
    the bracketed labels (bold in Markdown, colour in a terminal)."""
    tags = SOURCE_TAGS if pane == "source" else RELEASE_TAGS
    out = ""
    for seg in segments:
        words = " ".join(seg.text.split())
        if seg.kind == "kept":
            spaced_before = seg.text[:1].isspace() or (bool(out) and not out[-1].isspace() and words[:1].isalnum())
            out += (" " if spaced_before else "") + escape(words) + (" " if seg.text[-1:].isspace() else "")
            continue
        if seg.kind == "changed":
            other = escape(" ".join(seg.replacement.split()))
            if pane == "source":
                mark = f"{struck(escape(words))} {tag('[release: ')}{other}{tag(']')}"
            else:
                mark = f"{escape(words)} {tag('[the source: ')}{struck(other)}{tag(']')}"
        elif seg.kind in ("added", "moved"):
            mark = f"{tag('[' + tags.get(seg.kind, seg.kind) + ': ')}{escape(words)}{tag(']')}"
        else:
            mark = f"{tag('[' + tags.get(seg.kind, seg.kind) + ': ')}{struck(escape(words))}{tag(']')}"
        if out and not out[-1].isspace():
            out += " "
        out += mark
    return " ".join(out.split())
