"""Quotations not checked word by word against the source: another speaker's words, words the source does not
hold (a paraphrase, or a word of the source's in another form), and phrases credited to no one."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cached_property

from factcheck.assess.problems import QuoteFields, in_quotes
from factcheck.config import Settings
from factcheck.text import LoadedDocument, stem
from factcheck.types import Alignment, Quote, QuoteFinding, Severity

MAX_RESHAPED_WORDS = 2  # a quoted word or two the source uses in another form is flagged low, not high
MIN_RESHAPED_LENGTH = 5  # shorter words share their starts with too many others


class SourceVocabulary:
    """The source's distinct words, sorted when first needed, to look up other forms of a quoted word."""

    def __init__(self, source: LoadedDocument) -> None:
        self.source = source

    @cached_property
    def words(self) -> list[str]:
        return sorted(set(self.source.view.words))

    def related(self, text: str) -> list[str]:
        """For a quotation of one or two words, other forms of each of them that the source uses (the same
        stem, or one word the start of the other: 'neurotic', 'neuroticism'); empty unless every word has one."""
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
        if not words or len(words) > MAX_RESHAPED_WORDS:
            return []
        found: list[str] = []
        for word in words:
            if len(word) < MIN_RESHAPED_LENGTH:
                return []
            at = bisect_left(self.words, word[:MIN_RESHAPED_LENGTH])
            related = []
            for other in self.words[at:]:
                if not other.startswith(word[:MIN_RESHAPED_LENGTH]):
                    break
                if other != word and (other.startswith(word) or word.startswith(other) or stem(other) == stem(word)):
                    related.append(other)
            if not related:
                return []
            found.append(min(related, key=lambda w: (abs(len(w) - len(word)), w)))
        return found


def other_speaker(quote: Quote, base: QuoteFields) -> QuoteFinding:
    """A quotation the release credits to someone other than the source."""
    who = quote.speaker_name or "another speaker"
    return QuoteFinding(
        **base, verdict="other_speaker", severity="none", score=0.0, source_start=-1, source_end=-1,
        source_text="", omitted=[], edits=[],
        explanation=f"These are the words of {who}, not of the source, so they are not checked against it.",
    )


def not_found(
    quote: Quote,
    alignment: Alignment | None,
    base: QuoteFields,
    source: LoadedDocument,
    settings: Settings,
    vocabulary: SourceVocabulary,
) -> QuoteFinding:
    nearest = alignment.nearest_similarity if alignment else None
    start = alignment.source_start if alignment else -1
    end = alignment.source_end if alignment else -1
    source_text = source.text[start:end] if start >= 0 else ""
    if not quote.credited:
        return someone_elses(alignment, base, "they are not in the source")
    if nearest is not None and nearest >= settings.assess.paraphrase_similarity and source_text:
        return QuoteFinding(
            **base, verdict="altered", severity="high", score=alignment.score if alignment else 0.0,
            source_start=start, source_end=end, source_text=source_text, omitted=[], edits=[],
            explanation=(
                f"The source does not say these words; the nearest passage, {in_quotes(source_text)}, says something "
                f"similar in other words, so the quotation marks present a paraphrase as the source's words."
            ),
        )
    severity: Severity = "low" if quote.kind == "term" else "high"
    near = f" The closest passage is {in_quotes(source_text)}." if source_text and nearest is not None else ""
    relatives = vocabulary.related(quote.text)
    if relatives:  # ‘neurotic’ tendencies, from a paper on neuroticism: a word of the source's, reshaped
        severity = "low"
        near = f" The source uses {', '.join(in_quotes(w) for w in relatives)}."
    return QuoteFinding(
        **base, verdict="not_in_source", severity=severity, score=alignment.score if alignment else 0.0,
        source_start=-1, source_end=-1, source_text="", omitted=[], edits=alignment.ops if alignment else [],
        explanation=f"These words do not appear in the source.{near}",
    )


def someone_elses(alignment: Alignment | None, base: QuoteFields, why: str) -> QuoteFinding:
    """A quotation the release credits to no one by name, that the source does not hold whole: a phrase of
    someone else's (a slogan, a treaty's words), not checked rather than flagged."""
    fields = base.copy()
    fields["speaker"] = "other"
    return QuoteFinding(
        **fields, verdict="other_speaker", severity="none",
        score=alignment.score if alignment else 0.0, source_start=-1, source_end=-1, source_text="", omitted=[],
        edits=[],
        explanation=f"The release credits these words to no one by name and {why}, so they are taken as someone else's and not checked.",
    )
