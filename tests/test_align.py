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


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "the", "of"]), min_size=0, max_size=60), st.data())
def test_the_index_finds_every_ngram_where_a_scan_of_the_words_does(words, data):
    src = build_document("s", " ".join(words))
    index = SourceIndex(src, SETTINGS.align.seed_words)
    gram = tuple(data.draw(st.lists(st.sampled_from(["a", "b", "c", "the", "x"]), min_size=1, max_size=4)))
    scanned = [p for p in range(len(words)) if tuple(words[p : p + len(gram)]) == gram]
    assert index.positions(gram) == scanned
    assert index.count(gram) == len(scanned)
    assert index.seed_positions(gram, 2) == (scanned if len(scanned) <= 2 else [])
    lo, hi = sorted(data.draw(st.lists(st.integers(0, max(1, len(words))), min_size=2, max_size=2)))
    assert index.word_positions(gram[0], lo, hi) == [p for p in range(lo, min(hi, len(words))) if words[p] == gram[0]]
    assert index.within(lo, hi).positions(gram) == [p for p in scanned if lo <= p < hi]


def test_a_quotation_across_a_window_seam_of_a_one_line_source_is_found_whole(fake_embedder):
    """A source extracted as one line is split into sentences a window at a time: a quotation that runs from
    one sentence into the next, at every sentence boundary around the first seam, is found word for word at
    its own offsets."""
    from pathlib import Path

    from factcheck import check
    from factcheck.text.segment import SEGMENT_WINDOW, WINDOW_MARGIN

    path = Path(__file__).resolve().parent.parent / "samples" / "birmingham-2021" / "source.txt"
    source = path.read_text(encoding="utf-8").replace("\n", " ")
    doc = build_document("one-line", source)
    assert len(doc.paragraphs) == 1 and len(source) > SEGMENT_WINDOW
    view = doc.view
    excerpts = []
    for before, after in zip(doc.sentences, doc.sentences[1:]):
        if not SEGMENT_WINDOW - 3 * WINDOW_MARGIN <= after.start <= SEGMENT_WINDOW:
            continue
        words = view.words_between(before.start, after.end)
        seam = view.words_between(before.start, before.end).stop
        if seam - words.start < 6 or words.stop - seam < 6:
            continue
        start, end = view.word_start[seam - 6], view.word_end[seam + 5]
        if not any(mark in source[start:end] for mark in "“”‘’\"'[]()…"):
            excerpts.append((start, end))
    assert len(excerpts) >= 5
    release = "\n\n".join(f"The report found “{source[a:b]}”." for a, b in excerpts)
    report = check(release, doc, embedder=fake_embedder)
    assert [(q.score, q.source_start, q.source_end) for q in report.quotes] == [(100, a, b) for a, b in excerpts]
    assert "not_in_source" not in {q.verdict for q in report.quotes}
