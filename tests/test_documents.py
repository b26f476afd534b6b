"""Loading text: decoding, normalisation with offsets, paragraphs and sentences."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from factcheck.errors import BinaryInputError, EmptyInputError
from factcheck.inputs import decode
from factcheck.text import build_document, normalise, sentence_segmenter, split_paragraph
from factcheck.text.segment import MAX_SENTENCE_CHARS, ONE_SENTENCE, SEGMENT_WINDOW


def test_normalised_words_point_back_at_the_original_characters():
    text = "The council\u2019s \u201cmost\u201d\u00a0improved \u2014 ﬁnal  report"
    view = normalise(text)
    assert view.words == ["the", "council", "s", "most", "improved", "final", "report"]
    for word, start, end in zip(view.words, view.word_start, view.word_end):
        assert normalise(text[start:end]).words == [word]


def test_curly_and_straight_apostrophes_give_the_same_words():
    assert normalise("children\u2019s plans").words == normalise("children's plans").words


def test_combining_accents_are_composed():
    assert normalise("cafe\u0301 culture").words == normalise("caf\u00e9 culture").words


def test_paragraph_split_by_a_page_break_is_rejoined():
    text = "Most plans are clear. When needs are complex, there is\n\ninsufficient clarity about roles.\n\nNext paragraph."
    doc = build_document("t", text)
    assert len(doc.paragraphs) == 2
    sentences = [text[s.start : s.end] for s in doc.sentences]
    assert sentences[1].startswith("When needs are complex") and sentences[1].endswith("about roles.")


def test_bullets_are_separate_paragraphs():
    text = "What needs to improve:\n- Timeliness of reviews.\n- Clarity of plans.\n"
    doc = build_document("t", text)
    assert [text[p.start : p.end] for p in doc.paragraphs] == ["What needs to improve:", "Timeliness of reviews.", "Clarity of plans."]


def test_headings_are_not_joined_to_the_next_paragraph():
    doc = build_document("t", "Headline findings\n\nMost children are safe.")
    assert len(doc.paragraphs) == 2


def test_cp1252_is_decoded():
    assert decode("\u201cgood\u201d \u2013 caf\u00e9".encode("cp1252"), "x") == "\u201cgood\u201d \u2013 caf\u00e9"


def test_binary_and_empty_inputs_are_refused():
    with pytest.raises(BinaryInputError):
        decode(b"\x00\x01\x02binary", "x")
    with pytest.raises(EmptyInputError):
        decode(b"   \n", "x")


def test_sentence_offsets_are_inside_their_paragraph():
    text = "Dr. Smith visited on 3 Oct. 2021. Pupils are safe. Staff are kind.\n\nA second paragraph here."
    doc = build_document("t", text)
    for s in doc.sentences:
        p = doc.paragraphs[s.paragraph]
        assert p.start <= s.start < s.end <= p.end


def test_a_long_document_seen_before_gets_the_same_structure_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTCHECK_CACHE", str(tmp_path))
    text = "\n\n".join(
        f"Paragraph {n}. Dr. Smith visited on 3 Oct. 2021 and found most pupils safe. Some wait too long." for n in range(400)
    )
    first = build_document("t", text)
    assert list((tmp_path / "structure").glob("*.json"))
    second = build_document("t", text)
    assert second.paragraphs == first.paragraphs and second.sentences == first.sentences


def _reference_normalise(text: str):
    """The character-at-a-time normalisation that the bulk ASCII path must reproduce exactly."""
    import unicodedata

    from factcheck.text.normalise import QUOTE_FOLD

    out, starts, ends = [], [], []
    norm_at = [0] * (len(text) + 1)
    i, n, after_space = 0, len(text), True
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        for k in range(i, j):
            norm_at[k] = len(out)
        if cluster.isspace():
            if not after_space:
                out.append(" ")
                starts.append(i)
                ends.append(j)
                after_space = True
        else:
            folded = cluster if cluster.isascii() else unicodedata.normalize("NFKC", cluster).translate(QUOTE_FOLD)
            for ch in folded:
                out.append(ch)
                starts.append(i)
                ends.append(j)
            after_space = False if folded else after_space
        i = j
    norm_at[n] = len(out)
    return "".join(out), starts, ends, norm_at


TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["ab", "Cd.", " ", "\n\n", "\u2019", "e\u0301", "\u0301", "\u00a0", "\ufb01", "\u200b", "x"]), max_size=40).map("".join),
)


@hsettings(max_examples=400, deadline=None)
@given(TEXTS)
def test_bulk_normalisation_matches_character_by_character(text):
    view = normalise(text)
    assert (view.norm, list(view.orig_start), list(view.orig_end), list(view.norm_at)) == _reference_normalise(text)


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _sample_paragraphs() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.rglob("*.txt"))]
    lines = (normalise(line).norm.strip() for text in texts for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def test_the_faster_abbreviation_pass_splits_every_sample_paragraph_as_pysbd_does():
    import pysbd

    plain = pysbd.Segmenter(language="en", clean=False)
    ours = sentence_segmenter()
    paragraphs = _sample_paragraphs()
    assert len(paragraphs) > 500
    differing = [p[:80] for p in paragraphs if ours.segment(p) != plain.segment(p)]
    assert differing == []


ABBREVIATION_TEXT = st.lists(
    st.sampled_from(
        ["Dr.", "dr", "No.", "no", "al.", "all", "et", "co.", "could", "Co.", "St.", "p.", "pp.", "Jan.", "approx.",
         "e.g.", "i.e.", "U.S.", "5", "3.5", "(2)", "The", "report", "said", "it", "was", "good.", "bad!", "why?",
         "Mr.", "Smith", "vs.", "Fig.", "1.", "a.m.", "a", "I", "’s", "“", "”", "\n"]
    ),
    min_size=1,
    max_size=40,
).map(" ".join)


@given(ABBREVIATION_TEXT)
@hsettings(max_examples=300, deadline=None)
def test_the_faster_abbreviation_pass_agrees_with_pysbd_on_abbreviation_heavy_text(text):
    import pysbd

    assert sentence_segmenter().segment(text) == pysbd.Segmenter(language="en", clean=False).segment(text)


def test_paragraphs_with_no_inner_sentence_end_are_split_as_pysbd_splits_them():
    import pysbd

    plain = pysbd.Segmenter(language="en", clean=False)
    paragraphs = _sample_paragraphs()
    single = [p for p in paragraphs if ONE_SENTENCE.fullmatch(p)]
    assert len(single) > 200
    assert [p[:80] for p in paragraphs if split_paragraph(p) != split_paragraph(p, plain)] == []


SHORT_TEXT = st.lists(
    st.sampled_from(
        ["1)", "a)", "(i)", "ii.", "•", "-", "Summary", "of", "the", "findings", "2021", "3.5%", "(see", "below)",
         "’", "“", "”", "'", '"', ":", ";", ",", "...", "…", "?", "!", ".", "Mr", "U.S", "\u00a0", "x"]
    ),
    min_size=1,
    max_size=25,
).map(" ".join)


@given(SHORT_TEXT)
@hsettings(max_examples=400, deadline=None)
def test_the_one_sentence_shortcut_agrees_with_pysbd(text):
    import pysbd

    paragraph = normalise(text).norm
    assert split_paragraph(paragraph) == split_paragraph(paragraph, pysbd.Segmenter(language="en", clean=False))


def _one_line(path: Path) -> str:
    """A sample source as a PDF or web page extracted to one line gives it: every line break a space."""
    return path.read_text(encoding="utf-8").replace("\n", " ")


LONG_SOURCES = [SAMPLES / "birmingham-2021" / "source.txt", *sorted(SAMPLES.glob("corpus/*/source.txt"))[:6]]


def test_a_one_line_source_read_in_windows_splits_as_read_whole():
    """Windows far smaller than the real one (several seams a source) find the sentences pysbd finds whole."""
    for path in LONG_SOURCES:
        line = normalise(_one_line(path)).norm
        assert len(line) > 3 * 2000
        assert split_paragraph(line, window=2000) == split_paragraph(line, window=len(line)), path.parent.name


def test_a_one_line_source_has_its_sentences_at_their_original_offsets():
    text = _one_line(SAMPLES / "birmingham-2021" / "source.txt")
    assert len(text) > SEGMENT_WINDOW and "\n" not in text.strip()
    doc = build_document("one-line", text)
    assert len(doc.paragraphs) == 1
    pieces = [text[s.start : s.end] for s in doc.sentences]
    assert all(p == p.strip() and p for p in pieces)
    assert all(a.end <= b.start for a, b in zip(doc.sentences, doc.sentences[1:]))
    # every word is in a sentence, in order: nothing is lost or read twice at a window's seam
    assert [w for p in pieces for w in normalise(p).words] == doc.view.words
    # a sentence from well past the first window, found whole at its own offsets
    sentence = (
        "Wide-ranging improvement programmes with key partners are making a positive difference for many children "
        "in care."
    )
    assert text.index(sentence) > SEGMENT_WINDOW
    assert sentence in pieces
    # the same sentences as the paragraphed source, but where a heading now runs into the sentence after it
    paragraphed = build_document("paragraphs", (SAMPLES / "birmingham-2021" / "source.txt").read_text(encoding="utf-8"))
    kept = {" ".join(text[s.start : s.end].split()) for s in paragraphed.sentences}
    assert sum(" ".join(p.split()) in kept for p in pieces) > 0.8 * len(pieces)


def test_text_without_sentence_ends_is_cut_at_spaces_into_bounded_sentences():
    words = normalise(_one_line(SAMPLES / "birmingham-2021" / "source.txt")).words
    text = " ".join(words * 3)  # some 55,000 characters with no punctuation at all
    doc = build_document("unpunctuated", text)
    assert all(0 < s.end - s.start <= MAX_SENTENCE_CHARS for s in doc.sentences)
    assert len(doc.sentences) >= len(text) // MAX_SENTENCE_CHARS
    assert [w for s in doc.sentences for w in text[s.start : s.end].split()] == text.split()


def test_a_long_one_line_text_is_read_as_text_not_as_a_path():
    from factcheck.inputs import load

    sentence = "Social workers know children well and ensure that their views help inform plans. " * 4
    assert len(sentence) < 1024 and "\n" not in sentence
    doc = load(sentence.strip())
    assert doc.name == "<text>"
    assert len(doc.sentences) == 4


def test_the_text_package_exports_a_sorted_all_naming_every_public_name():
    from factcheck import text

    assert text.__all__ == sorted(text.__all__)
    assert all(hasattr(text, name) for name in text.__all__)
    public = {n for n in dir(text) if not n.startswith("_") and not isinstance(getattr(text, n), type(text))}
    assert public <= set(text.__all__) | {"annotations"}
