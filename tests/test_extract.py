"""Quotation extraction and attribution: a corpus of quotation forms written for the tests, and properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from factcheck.quotes import extract
from factcheck.text import build_document

CORPUS = json.loads((Path(__file__).parent / "data" / "quote_forms.json").read_text(encoding="utf-8"))


def extracted(release: str, settings):
    doc = build_document("release", release)
    return doc, extract(doc, settings, [])


def test_the_corpus_covers_at_least_sixty_forms():
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_every_quotation_form_is_extracted_with_its_speaker(case, settings):
    doc, quotes = extracted(case["release"], settings)
    quotes = [q for q in quotes if not q.nested]  # the corpus lists outer quotations; nested ones are tested below
    got = [[doc.text[p.start : p.end] for p in q.parts] for q in quotes]
    assert got == [q["parts"] for q in case["quotes"]]
    assert [q.speaker for q in quotes] == [q["speaker"] for q in case["quotes"]]
    assert ["quote" if q.kind == "block" else q.kind for q in quotes] == [q["kind"] for q in case["quotes"]]
    assert sum(q.unclosed for q in quotes) == case["unclosed"]


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_offsets_point_at_the_quoted_words(case, settings):
    doc, quotes = extracted(case["release"], settings)
    for q in quotes:
        assert q.text == " ".join(doc.text[p.start : p.end] for p in q.parts)
        assert q.start == q.parts[0].start and q.end == q.parts[-1].end


def test_a_term_quoted_inside_a_quotation_is_listed_after_it_with_the_outer_speaker(settings):
    # Calderdale's release (samples/real/dev/insp-calderdale-2024): the grade the council leader quotes
    release = (
        "Councillor Adam Wilkinson said: “We are really proud of our ‘Good’ Ofsted rating, and of all the children "
        "and young people, families, staff and partner organisations that have played a part in this brilliant "
        "achievement,” he said."
    )
    doc, quotes = extracted(release, settings)
    assert [q.text for q in quotes][1] == "Good"
    assert quotes[1].nested and not quotes[0].nested
    assert quotes[1].speaker == quotes[0].speaker == "other"


def test_speaker_carries_over_to_continuation_paragraphs(settings):
    release = (
        "The mayor, Ann Lee, said: “We are proud of our staff.\n\n"
        "“We will keep improving.”\n\n"
        "Inspectors said “most residents feel safe”."
    )
    _, quotes = extracted(release, settings)
    assert [(q.speaker, q.continued) for q in quotes] == [("other", False), ("other", True), ("source", False)]
    assert quotes[1].speaker_name == "Ann Lee" or "Ann Lee" in quotes[1].speaker_name


def test_user_named_source_aliases_are_used(settings):
    doc = build_document("r", "The Panel said: “Services are improving.”")
    assert extract(doc, settings, [])[0].speaker == "other"
    assert extract(doc, settings, ["the panel"])[0].speaker == "source"


def test_unclosed_quotation_stops_at_its_paragraph(settings):
    _, quotes = extracted("Inspectors said “pupils are safe.\n\nThe school's roof was mended.", settings)
    assert len(quotes) == 1 and quotes[0].unclosed
    assert quotes[0].text == "pupils are safe."


QUOTE_CHARS = st.sampled_from(list("\"'“”‘’„‚«»‹›") + [" ", "\n", "\n\n", ":", ",", ".", "s", "a", "O", "9", "[", "]", "…"])
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(QUOTE_CHARS, st.text(alphabet="abc XYZ", max_size=6)), max_size=80).map("".join),
)


@hsettings(max_examples=300, deadline=None)
@given(TEXTS)
def test_extraction_never_crashes_and_offsets_hold(text):
    from factcheck.config import load_settings

    settings = load_settings()
    if not text.strip():
        return
    doc = build_document("r", text)
    quotes = extract(doc, settings, [])
    spans = sorted((p.start, p.end) for q in quotes if not q.nested for p in q.parts)
    for q in quotes:
        assert q.text == " ".join(text[p.start : p.end] for p in q.parts)
        for p in q.parts:
            assert 0 <= p.start < p.end <= len(text)
    for (a_start, a_end), (b_start, _) in zip(spans, spans[1:]):
        assert a_end <= b_start, "quotations overlap"
    for q in quotes:
        if q.nested:
            assert any(a <= q.start and q.end <= b for a, b in spans), "a nested quotation lies inside another"
