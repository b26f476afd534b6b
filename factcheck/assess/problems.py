"""What the checks of a quotation share: the problem each one reports, the quotation's own fields that every
finding repeats, and the small helpers their explanations and cut-off points are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypedDict

from factcheck.assess.qualify import Cue, Qualifier, Topics
from factcheck.text import LoadedDocument
from factcheck.types import Alignment, Quote, Severity, Span, Speaker, Verdict


@dataclass
class Problem:
    verdict: Verdict
    severity: Severity
    explanation: str
    omitted: list[str] = field(default_factory=list)


class QuoteFields(TypedDict):
    """The fields of a finding that come from its quotation unchanged."""

    text: str
    start: int
    end: int
    parts: list[Span]
    kind: Literal["quote", "term", "block"]
    speaker: Speaker
    speaker_name: str
    frame: str
    unclosed: bool


def quote_fields(quote: Quote) -> QuoteFields:
    return QuoteFields(
        text=quote.text, start=quote.start, end=quote.end, parts=quote.parts, kind=quote.kind,
        speaker=quote.speaker, speaker_name=quote.speaker_name, frame=quote.frame, unclosed=quote.unclosed,
    )


def in_quotes(text: str, limit: int = 160) -> str:
    """The text in single quotation marks, its whitespace collapsed and cut to `limit` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return "\u2018" + text + "\u2019"


def cue_list(cues: list[Cue]) -> str:
    return ", ".join(in_quotes(c.phrase) for c in cues[:3])


def sentence_bounds(source: LoadedDocument, alignment: Alignment) -> tuple[int, int]:
    """The first and last source sentences the aligned passage lies in."""
    first = source.sentence_at(alignment.source_start)
    last = source.sentence_at(max(alignment.source_start, alignment.source_end - 1))
    return first, last


def is_critical(qualifier: Qualifier, text: str) -> bool:
    """The quotation reports something bad: a criticism, a negation, or an adverse outcome ('damages')."""
    return bool(qualifier.cues(text, ("criticism", "negation", "adverse")))


def reported_by(text: str, release: LoadedDocument, topics: Topics, threshold: float) -> bool:
    """The release reports this sentence itself, in its own words or in quotes: most of its content words
    (weighted by rarity) are in one release paragraph and the next."""
    paragraphs = release.paragraphs
    return any(  # a release often spreads one point over two short paragraphs
        topics.coverage(text, release.text[a.start : b.end]) >= threshold
        for a, b in zip(paragraphs, [*paragraphs[1:], paragraphs[-1]])
    )
