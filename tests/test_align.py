"""The aligner: where a quotation comes from, and the edits between quotation and source."""

from __future__ import annotations

from hypothesis import assume, given, settings as hsettings, strategies as st

from factcheck.align import SourceIndex, align
from factcheck.config import load_settings
from factcheck.text import build_document, normalise
from factcheck.types import Quote, Span

SETTINGS = load_settings()
SOURCE = (
    "Leaders have acted quickly since the last inspection. Most pupils now attend regularly, although "
    "attendance of disadvantaged pupils remains too low. Reading is taught well from the start of Reception.\n\n"
    "Governors challenge leaders effectively. They know the school's strengths and weaknesses."
)


def quote_in(release_text: str, inner: str) -> tuple:
    release = build_document("r", release_text)
    start = release_text.index(inner)
    quote = Quote(text=inner, start=start, end=start + len(inner), parts=[Span(start=start, end=start + len(inner))])
    return release, quote


def aligned(inner: str, source: str = SOURCE):
    src = build_document("s", source)
    release, quote = quote_in(f"They said ‘{inner}’ today.", inner)
    return src, align(quote, release, SourceIndex(src, SETTINGS.align.seed_words), SETTINGS)


def test_an_exact_passage_aligns_at_100_with_one_equal_edit():
    src, a = aligned("Reading is taught well from the start of Reception.")
    assert a.found and a.score == 100
    assert [op.kind for op in a.ops] == ["equal"]
    assert src.text[a.source_start : a.source_end] == "Reading is taught well from the start of Reception"


def test_a_silently_dropped_clause_is_a_delete_with_its_source_words():
    _, a = aligned("Most pupils now attend regularly. Reading is taught well from the start of Reception.")
    deletes = [op for op in a.ops if op.kind == "delete"]
    assert len(deletes) == 1
    assert deletes[0].source_text.startswith("although attendance of disadvantaged pupils remains too low")
    assert not deletes[0].marked


def test_an_ellipsis_marks_the_delete():
    _, a = aligned("Most pupils now attend regularly … Reading is taught well")
    deletes = [op for op in a.ops if op.kind == "delete"]
    assert deletes and deletes[0].marked


def test_a_changed_word_is_a_replace():
    _, a = aligned("Governors challenge leaders weakly.")
    assert [(op.kind, op.quote_text, op.source_text) for op in a.ops if op.kind != "equal"] == [
        ("replace", "weakly", "effectively")
    ]


def test_words_added_at_the_start_are_an_edge_insert():
    _, a = aligned("to challenge leaders effectively")
    assert a.ops[0].kind == "insert" and a.ops[0].edge and a.ops[0].quote_text == "to"


def test_a_quote_found_nowhere_is_not_found():
    _, a = aligned("The canteen serves excellent lunches every day of the week.")
    assert not a.found


WORDS = st.lists(st.text(min_size=1, max_size=8), min_size=3, max_size=60).map(" ".join)


@hsettings(max_examples=150, deadline=None)
@given(WORDS, st.data())
def test_any_slice_of_the_source_aligns_verbatim(source, data):
    view = normalise(source)
    assume(len(view.words) >= 3)
    first = data.draw(st.integers(0, len(view.words) - 3))
    last = data.draw(st.integers(first + 2, len(view.words) - 1))
    inner = source[view.word_start[first] : view.word_end[last]]
    assume("’" not in inner and "‘" not in inner and "\n" not in inner)
    assume("[" not in inner and "]" not in inner)  # square brackets in a quotation mark the release's own words
    assume(normalise(inner).words == view.words[first : last + 1])  # NFKC can split one character into two words (¼)
    src = build_document("s", source)
    release_text = f"Inspectors said ‘{inner}’."
    release, quote = quote_in(release_text, inner)
    a = align(quote, release, SourceIndex(src, SETTINGS.align.seed_words), SETTINGS)
    assert a.found and a.score == 100
    for op in a.ops:
        assert release_text[op.quote_start : op.quote_end] == op.quote_text
        assert source[op.source_start : op.source_end] == op.source_text
        if op.kind == "equal":
            assert normalise(op.quote_text).words == normalise(op.source_text).words


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(min_size=1, max_size=80))
def test_alignment_never_crashes_on_arbitrary_unicode(source, inner):
    assume(source.strip() and inner.strip() and inner.strip() == inner)
    src = build_document("s", source)
    release_text = f"They said “{inner}”."
    release, quote = quote_in(release_text, inner)
    a = align(quote, release, SourceIndex(src, SETTINGS.align.seed_words), SETTINGS)
    assert 0 <= a.score <= 100
    for op in a.ops:
        assert 0 <= op.source_start <= op.source_end <= len(source)
        assert 0 <= op.quote_start <= op.quote_end <= len(release_text)
