"""The HTML report: one self-contained page a journalist can read, print and share.

The page is built from Jinja templates in `report/templates/` with autoescaping on, so every piece of text that
comes from the release or the source is escaped; nothing derived from input is ever marked safe. The page has
inline CSS only: no scripts, fonts, images or links to anything outside the file, and no timestamp, so the same
report always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from factcheck.report.jinja import templates
from factcheck.report.passage import Segment, SourceTexts, passage_segments, release_segments, text_of_source
from factcheck.report.wording import CLAIM_LABELS, LIBRARY_TITLE, headline, library_evidence, verdict_label
from factcheck.types import FLAG_VERDICTS, SEVERITY_ORDER, QuoteFinding, Report

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_SPACE = re.compile(r"\s+")
PARAGRAPH_LIMIT = 4000  # characters: beyond this, the "paragraph" is cut to a window around the passage
WINDOW = 700


@dataclass(frozen=True)
class Paragraph:
    """The source paragraph around a passage: the passage itself and the text before and after it."""

    before: str
    passage: str
    after: str


@dataclass(frozen=True)
class Piece:
    """A segment of the source passage ready to show: its words, and the spaces kept outside any mark."""

    kind: str  # "kept" | "omitted" | "changed" | "added"
    text: str
    lead: str = ""
    trail: str = ""
    replacement: str = ""


@dataclass(frozen=True)
class Card:
    """One quotation checked against the source, with everything its card shows."""

    number: int
    finding: QuoteFinding
    label: str
    pieces: list[Piece]
    paragraph: Paragraph | None
    release_pieces: list[Piece] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    nearest: bool = False  # the words were not found: this is the most similar passage
    note: str = ""

    @property
    def heading(self) -> str:
        return "Nearest passage in the source" if self.nearest else "The source says"

    @property
    def flagged(self) -> bool:
        """A problem to count and to list at the top: flagged, and not accepted by a baseline."""
        return (self.finding.verdict in FLAG_VERDICTS or self.finding.severity != "none") and not self.finding.accepted


def squash(text: str) -> str:
    """Runs of white space (line breaks of the plain-text source included) as one space."""
    return _SPACE.sub(" ", text)


def source_paragraph(source_text: str, start: int, end: int) -> Paragraph | None:
    """The paragraph of `source_text` around start..end: out to the nearest blank line on each side."""
    if start < 0 or end <= start or end > len(source_text):
        return None
    para_start = 0
    for match in _BLANK_LINE.finditer(source_text, 0, start):
        para_start = match.end()
    after_match = _BLANK_LINE.search(source_text, end)
    para_end = after_match.start() if after_match else len(source_text)
    if para_end - para_start > PARAGRAPH_LIMIT:
        # No blank lines to go by: a window around the passage, cut at white space.
        para_start = max(para_start, start - WINDOW)
        para_end = min(para_end, end + WINDOW)
        if para_start > 0:
            space = source_text.find(" ", para_start, start)
            para_start = space + 1 if space >= 0 else para_start
        space = source_text.rfind(" ", end, para_end)
        para_end = space if space >= 0 and para_end < len(source_text) else para_end
    before = squash(source_text[para_start:start]).lstrip()
    after = squash(source_text[end:para_end]).rstrip()
    return Paragraph(before, squash(source_text[start:end]), after)


def _piece(segment: Segment) -> Piece:
    text = squash(segment.text)
    if segment.kind == "kept":
        return Piece("kept", text)
    core = text.strip()
    lead = " " if text[:1] == " " else ""
    trail = " " if text[-1:] == " " and core else ""
    return Piece(segment.kind, core, lead, trail, squash(segment.replacement).strip())


def pieces(finding: QuoteFinding, source_text: str) -> list[Piece]:
    """The source passage of a finding as pieces to mark up; empty when the words were not found."""
    if not source_text or finding.source_start < 0:
        return []
    return _spaced([_piece(s) for s in passage_segments(finding, source_text) if s.kind != "outside"])


def _spaced(found: list[Piece]) -> list[Piece]:
    """A mark is set off from a word next to it by a space (an added word at the edge has none in the source)."""
    found = [p for p in found if p.text or p.replacement]
    for i, p in enumerate(found):
        if p.kind == "kept":
            continue
        before = found[i - 1] if i else None
        after = found[i + 1] if i + 1 < len(found) else None
        lead = p.lead or (" " if before and _ends_a_word(before.text) and not before.trail else "")
        trail = p.trail or (" " if after and after.kind != "kept" and not after.lead else "")
        if after and after.kind == "kept" and after.text[:1].isalnum():
            trail = " "
        found[i] = replace(p, lead=lead, trail=trail)
    return found


def _ends_a_word(text: str) -> bool:
    """Whether a mark after `text` needs a space: after a word or closing punctuation, not after an opening."""
    return bool(text) and not text[-1].isspace() and text[-1] not in "([{\u201c\u2018\"'"


def _paragraph(finding: QuoteFinding, source_text: str) -> Paragraph | None:
    """The source paragraph around the passage and the sentences next to it; only the passage is highlighted."""
    if not source_text or finding.source_start < 0:
        return None
    lo = min([finding.source_start, *(n.source_start for n in finding.context)])
    hi = max([finding.source_end, *(n.source_end for n in finding.context)])
    whole = source_paragraph(source_text, lo, hi)
    if whole is None:
        return None
    return Paragraph(
        whole.before + squash(source_text[lo : finding.source_start]),
        squash(source_text[finding.source_start : finding.source_end]),
        squash(source_text[finding.source_end : hi]) + whole.after,
    )


def _card(number: int, finding: QuoteFinding, source_text: str) -> Card:
    found = pieces(finding, source_text)
    note = ""
    if not found and finding.source_text:
        found = [Piece("kept", squash(finding.source_text).strip())]
        note = "Changes are not marked here: the source text was not given."
    return Card(
        number=number,
        finding=finding,
        label=verdict_label(finding),
        pieces=found,
        paragraph=_paragraph(finding, source_text),
        release_pieces=_spaced([_piece(s) for s in release_segments(finding, source_text)]) if finding.severity != "none" or finding.verdict == "minor_edit" else [],
        context=[squash(n.text).strip() for n in finding.context],
        nearest=bool(found) and not finding.edits,
        note=note,
    )


def render_html(report: Report, source_text: SourceTexts = "") -> str:
    """The report as one self-contained HTML page. `source_text` is the source as loaded; without it the page
    shows the release's words and the verdicts but not the source passages."""
    numbered = list(enumerate(report.quotes, 1))
    cards = [_card(n, q, text_of_source(source_text, q.source_name)) for n, q in numbered if q.verdict != "other_speaker"]
    others = [(n, q) for n, q in numbered if q.verdict == "other_speaker"]
    problems = sorted(
        (c for c in cards if c.flagged), key=lambda c: (-SEVERITY_ORDER[c.finding.severity], c.number)
    )
    s = report.summary
    faithful = s.verdicts.get("verbatim", 0) + s.verdicts.get("minor_edit", 0)
    flagged = sum(1 for c in cards if c.flagged)
    accepted = sum(1 for q in report.quotes if q.accepted) + sum(1 for c in report.claims if c.accepted)
    return (
        templates()
        .get_template("report.html.j2")
        .render(
            report=report,
            headline=headline(report),
            faithful=faithful,
            flagged=flagged,
            accepted=accepted,
            severities=[(level, s.severities.get(level, 0)) for level in ("high", "medium", "low")],
            cards=cards,
            problems=problems,
            others=others,
            claims=list(report.claims),
            claim_labels=CLAIM_LABELS,
            claim_flags=[
                (verdict, n) for verdict in ("contradicted", "unsupported")
                if (n := sum(1 for c in report.claims if c.verdict == verdict and not c.accepted))
            ],
            unreported=report.unreported,
            unreported_hidden=max(0, report.summary.unreported_total - len(report.unreported)),
            balance=report.balance,
            squash=squash,
            library_title=LIBRARY_TITLE,
            library_evidence=library_evidence,
        )
    )

