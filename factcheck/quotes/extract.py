"""Find the quotations in a release, with exact offsets, and who each is credited to.

Marks are paired per paragraph (factcheck.quotes.marks); a quotation may run over several paragraphs, hold a
quotation nested in it, or be interrupted by its attribution. Each is then credited to its speaker
(factcheck.quotes.attribute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from factcheck.config import Settings
from factcheck.quotes.attribute import attribute, speech_verb_pattern
from factcheck.quotes.layout import is_block_quotation
from factcheck.quotes.marks import DOUBLE, SINGLE, find_marks, mark_family, outermost, pair_marks
from factcheck.text import LoadedDocument
from factcheck.types import Quote, Span

MAX_INTERRUPTION_WORDS = 10


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _Raw:
    start: int
    end: int
    paragraph: int
    open_mark: int
    close_mark: int | None
    unclosed: bool = False
    continues_next: bool = False
    continued: bool = False
    block: bool = False
    nested: bool = False


def _raw_quotes(doc: LoadedDocument) -> list[_Raw]:
    text = doc.text
    raws: list[_Raw] = []
    paragraphs = doc.paragraphs
    carry_open = False
    for index, para in enumerate(paragraphs):
        marks = find_marks(text, para.start, para.end)
        nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        next_opens = nxt is not None and text[nxt.start] in DOUBLE + SINGLE
        pairs, left_open = pair_marks(marks, continues=next_opens)
        found: list[_Raw] = []
        for pair in outermost(pairs):
            if pair.close is None:
                continue
            start, end = _strip_span(text, pair.open + 1, pair.close)
            if end > start:
                found.append(_Raw(start, end, index, pair.open, pair.close))
        openers = [m for m in left_open if not any(r.open_mark < m.pos < (r.close_mark or 0) for r in found)]
        if openers:
            first = openers[0]
            start, end = _strip_span(text, first.pos + 1, para.end)
            inside = [r for r in found if r.start >= first.pos]
            for r in inside:  # ‘… the original 'best value' audit …’ left open: the closed pair is nested in it
                r.nested = True
            if end > start:
                continues = nxt is not None and text[nxt.start] in DOUBLE + SINGLE and mark_family(text[nxt.start]) == first.family
                found.append(_Raw(start, end, index, first.pos, None, unclosed=not continues, continues_next=continues))
        outer = [(r.open_mark, r.close_mark if r.close_mark is not None else para.end) for r in found]
        listed = {r.open_mark for r in found}
        for pair in pairs:  # a quotation inside a quotation (‘our “Good” rating’) is listed too, after its outer one
            if pair.close is None or pair.open in listed or not any(a < pair.open and pair.close < b for a, b in outer):
                continue
            start, end = _strip_span(text, pair.open + 1, pair.close)
            if end > start:
                found.append(_Raw(start, end, index, pair.open, pair.close, nested=True))
        if not found and not any(m.can_open for m in marks) and is_block_quotation(doc, index):
            found.append(_Raw(para.start, para.end, index, para.start - 1, para.end, block=True))
        found.sort(key=lambda r: r.start)
        if found and carry_open and found[0].open_mark == para.start:
            found[0].continued = True
        carry_open = any(r.continues_next for r in found if not r.nested)
        raws.extend(found)
    return raws



def extract(doc: LoadedDocument, settings: Settings, source_names: list[str]) -> list[Quote]:
    """Every quotation in the release, in order, with its speaker and frame."""
    raws = _raw_quotes(doc)
    quotes: list[Quote] = []
    for raw in raws:
        parts = [Span(start=raw.start, end=raw.end)]
        quotes.append(
            Quote(
                text=doc.text[raw.start : raw.end],
                start=raw.start,
                end=raw.end,
                parts=parts,
                paragraph=raw.paragraph,
                unclosed=raw.unclosed,
                continued=raw.continued,
                kind="block" if raw.block else "quote",
                nested=raw.nested,
            )
        )
    inner = [q for q in quotes if q.nested]
    quotes = sorted(_join_interrupted(doc, [q for q in quotes if not q.nested], settings) + inner, key=lambda q: q.start)
    return attribute(doc, quotes, settings, source_names)


def _join_interrupted(doc: LoadedDocument, quotes: list[Quote], settings: Settings) -> list[Quote]:
    """‘Most pupils are safe,’ the report says, ‘but some wait too long.’ is one quotation in two parts."""
    verbs = speech_verb_pattern(settings)
    joined: list[Quote] = []
    for quote in quotes:
        if joined and joined[-1].paragraph == quote.paragraph and not joined[-1].unclosed:
            prev = joined[-1]
            gap = doc.text[prev.parts[-1].end + 1 : quote.start - 1]
            prev_tail = doc.text[prev.parts[-1].start : prev.parts[-1].end].rstrip()
            first_word = doc.text[quote.start : quote.start + 1]
            words = gap.split()
            continues_clause = (
                first_word.islower() and gap.rstrip()[-1:] in ",:\u2014-" and not re.search(r"[.!?]\s+[A-Z]", gap)
            )
            continues_speech = prev_tail[-1:] == "," and gap.rstrip()[-1:] == "." and first_word.isupper()
            if (
                prev_tail[-1:] in (",", "\u2014", "-", "\u2013")
                or (gap.strip().startswith(",") and prev_tail[-1:] not in ".!?")
            ) and (continues_clause or continues_speech) and 0 < len(words) <= MAX_INTERRUPTION_WORDS and verbs.search(gap):
                parts = [*prev.parts, *quote.parts]
                joined[-1] = prev.model_copy(
                    update={
                        "parts": parts,
                        "end": quote.end,
                        "text": " ".join(doc.text[p.start : p.end] for p in parts),
                        "unclosed": quote.unclosed,
                    }
                )
                continue
        joined.append(quote)
    return joined

