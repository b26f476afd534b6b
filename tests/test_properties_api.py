"""Properties of `factcheck.check()`, through the public API alone, with the fake embedder: random sources (sentences
of made-up words, or any unicode) and releases quoting random slices of them (exact, words dropped, words
changed). Nothing crashes; every offset in the report indexes the text it claims to, in the release or the
source; a whole source sentence quoted in a neutral frame is never flagged; the same input gives the same JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import factcheck
from factcheck.report import render
from factcheck.types import Report
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder

PROPERTIES = hsettings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# Made-up words: no English word, so no hedge, negation or speech verb the lexicon knows turns up by chance.
SYLLABLES = ["ba", "ko", "ri", "mu", "te", "lo", "ni", "su", "da", "ve", "pa", "zo", "gi", "fe"]
WORD = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=3).map("".join)
SENTENCE = st.lists(WORD, min_size=4, max_size=14).map(lambda words: " ".join(words).capitalize() + ".")
PARAGRAPHS = st.lists(st.lists(SENTENCE, min_size=1, max_size=4), min_size=1, max_size=4)
# Sentences of the reference case's Ofsted letter, mixed in so sources have findings (critical, positive) and
# qualifications, and releases have claims the source supports or not.
LETTER = (SAMPLES / "birmingham-2021" / "source.txt").read_text(encoding="utf-8")
LETTER_SENTENCES = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(LETTER.split())) if 6 <= len(s.split()) <= 40]
MIXED = st.lists(
    st.lists(st.one_of(SENTENCE, st.sampled_from(LETTER_SENTENCES)), min_size=1, max_size=4), min_size=1, max_size=4
)
UNICODE = st.text(min_size=1, max_size=300).filter(lambda text: text.strip() != "")
FRAMES = [
    "The report said: “{}”",
    "Inspectors found that ‘{}’.",
    "“{},” the council said.",
    "It said “{}” and then more.",
    "The letter says \"{}\".",
]
NEUTRAL = "The report said: “{}”"


def text_of(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(sentences) for sentences in paragraphs) + "\n"


@dataclass(frozen=True)
class Case:
    release: str
    source: str


@st.composite
def quoted_slice(draw: st.DrawFn, source: str) -> str:
    """A slice of the source's words: exact, with words dropped, or with words changed."""
    words = source.split()
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first, min(len(words), first + 25)))
    chosen = words[first : last + 1]
    how = draw(st.sampled_from(["exact", "dropped", "changed"]))
    if how == "dropped" and len(chosen) >= 4:
        gone = draw(st.integers(1, len(chosen) - 2))
        chosen = chosen[:gone] + chosen[gone + 1 :]
    elif how == "changed" and chosen:
        at = draw(st.integers(0, len(chosen) - 1))
        chosen = [*chosen[:at], draw(WORD), *chosen[at + 1 :]]
    return " ".join(chosen)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    source = draw(st.one_of(PARAGRAPHS.map(text_of), MIXED.map(text_of), UNICODE.map(lambda text: text + "\n")))
    paragraphs = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):  # a sentence in the release's own words: a claim, perhaps the source's words
            own = draw(st.one_of(SENTENCE, quoted_slice(source).map(lambda words: words.capitalize() + ".")))
            paragraphs.append(own)
        frame = draw(st.sampled_from(FRAMES))
        paragraphs.append(frame.format(draw(quoted_slice(source))))
    return Case("\n\n".join(paragraphs) + "\n", source)


def checked(case: Case) -> Report:
    # Every text here holds a line break, so check() reads it as text, never as a path ('/' is a folder).
    return factcheck.check(case.release, case.source, embedder=HashingEmbedder())


def assert_offsets_hold(report: Report, release: str, source: str) -> None:
    for q in report.quotes:
        assert q.parts and 0 <= q.start <= q.parts[0].start and q.parts[-1].end <= q.end <= len(release)
        assert q.text == " ".join(release[p.start : p.end] for p in q.parts)
        if q.source_start >= 0:
            assert 0 <= q.source_start <= q.source_end <= len(source)
            assert source[q.source_start : q.source_end] == q.source_text
        else:
            assert q.source_text == ""
        for op in q.edits:
            assert release[op.quote_start : op.quote_end] == op.quote_text
            if op.source_start >= 0:
                assert source[op.source_start : op.source_end] == op.source_text
        for note in q.context:
            assert source[note.source_start : note.source_end] == note.text
    for claim in report.claims:
        assert 0 <= claim.start < claim.end <= len(release)
        assert release[claim.start : claim.end] == claim.text
        for span, text in zip(claim.evidence, claim.evidence_text, strict=True):
            assert source[span.start : span.end] == text
    for finding in report.findings:
        assert source[finding.start : finding.end] == finding.text
        if finding.release_start >= 0:
            assert 0 <= finding.release_start <= finding.release_end <= len(release)


@PROPERTIES
@given(cases())
def test_no_input_crashes_and_every_offset_indexes_the_words_it_claims(case):
    report = checked(case)
    assert report.summary.quotes == len(report.quotes)  # none, for a one-word ‘cause’: an elision ('cause)
    assert_offsets_hold(report, case.release, case.source)


@PROPERTIES
@given(st.one_of(UNICODE, PARAGRAPHS.map(text_of)), UNICODE)
def test_arbitrary_unicode_on_both_sides_never_crashes(release, source):
    case = Case(f"{release}\n\nThe report said: “{release[: len(release) // 2]}”\n", source + "\n")
    report = checked(case)
    assert_offsets_hold(report, case.release, case.source)


@PROPERTIES
@given(PARAGRAPHS, st.data())
def test_a_whole_source_sentence_quoted_in_a_neutral_frame_is_never_flagged(paragraphs, data):
    """Made-up words only: a real sentence after it could qualify it, and leaving that out is context_omitted."""
    source = text_of(paragraphs)
    sentence = data.draw(st.sampled_from([s for sentences in paragraphs for s in sentences]))
    before = data.draw(st.lists(SENTENCE, max_size=2))
    release = "\n\n".join([*before, NEUTRAL.format(sentence)]) + "\n"
    report = checked(Case(release, source))
    quote = next(q for q in report.quotes if q.text.rstrip(".") == sentence.rstrip("."))
    assert (quote.verdict, quote.severity) in {("verbatim", "none"), ("minor_edit", "none")}, quote
    # placed at that sentence, or at the same words elsewhere (a first word's capital may differ), never across two
    assert quote.source_text.rstrip(".").lower() == sentence.rstrip(".").lower()


def test_a_sentence_is_placed_at_itself_not_where_its_words_straddle_two_others():
    """Found by the property above: the words of ‘Ba ba baba ba.’ also run from the end of the sentence before
    it into its own ('ba ba baba. Ba'); placed there, the quotation was a minor edit (a change of capitals)."""
    report = checked(Case("The report said: “Ba ba baba ba.”\n", "Ba ba ba ba. Ba ba ba baba. Ba ba baba ba.\n"))
    (quote,) = report.quotes
    assert (quote.verdict, quote.source_text, quote.source_start) == ("verbatim", "Ba ba baba ba", 28)


@PROPERTIES
@given(cases())
def test_the_same_input_gives_byte_identical_json(case):
    first = render(checked(case), "json")
    again = render(checked(case), "json")  # the source's preparation comes from the cache this time
    assert first == again
