"""Paragraphs and sentences of a text, as offsets into its original characters.

Paragraphs are found on the original text (blank lines, bullets, indentation, colons); sentences on each
paragraph's normalised view by pysbd, sped up where that leaves its results unchanged. A paragraph longer than
SEGMENT_WINDOW (a PDF or web page extracted as one line) is given to pysbd a window at a time, since pysbd's
cost grows with the square of what it reads at once, so loading costs time in proportion to the text's length
whatever its layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from factcheck.text.normalise import TextView
from factcheck.types import SentenceTable, Span, offset_array

BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n|\f")
BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2023\u25e6\u25aa\u25cf\u2013\u2014\u00b7]|\(?\d{1,3}[.)]|\(?[a-z][.)])[ \t]+")
TERMINAL = re.compile(r"""[.!?:;'"\u2019\u201d)\]]\s*$""")


def find_paragraphs(text: str) -> list[Span]:
    blocks: list[Span] = []
    cursor = 0
    for m in [*BLANK_LINE.finditer(text), None]:
        end = m.start() if m else len(text)
        blocks.extend(_lines_to_paragraphs(text, cursor, end))
        cursor = m.end() if m else len(text)
    return _join_broken(text, blocks)


def _lines_to_paragraphs(text: str, start: int, end: int) -> list[Span]:
    """One block between blank lines: a paragraph, or one paragraph per bulleted line."""
    paragraphs: list[Span] = []
    current: list[int] | None = None
    after_colon = False  # a line ending in a colon introduces what follows: a list, a block quotation
    previous_indent = 0  # a change of indentation starts a new paragraph: a block quotation set in
    pos = start
    for line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            continue
        bullet = BULLET.match(line)
        content_start = line_start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        content_end = line_start + len(line.rstrip())
        indent = len(line) - len(line.lstrip())
        if bullet or current is None or after_colon or (indent >= 2) != (previous_indent >= 2):
            if current is not None:
                paragraphs.append(Span(start=current[0], end=current[1]))
            current = [content_start, content_end]
        else:
            current[1] = content_end
        after_colon = line.rstrip().endswith(":")
        previous_indent = indent
    if current is not None:
        paragraphs.append(Span(start=current[0], end=current[1]))
    return paragraphs


def _join_broken(text: str, paragraphs: list[Span]) -> list[Span]:
    """Rejoin a paragraph that a page break split mid-sentence: no closing punctuation, then lower case."""
    joined: list[Span] = []
    for para in paragraphs:
        if joined:
            prev = joined[-1]
            tail = text[prev.start : prev.end]
            head = text[para.start : para.start + 1]
            if head.islower() and not TERMINAL.search(tail) and not BULLET.match(text[prev.start - 2 : prev.start + 1]):
                joined[-1] = Span(start=prev.start, end=para.end)
                continue
        joined.append(para)
    return joined


class SentenceSplitter(Protocol):
    """What split_paragraph asks of a segmenter: pysbd's Segmenter, ours or its own."""

    def segment(self, text: str) -> list[str]: ...


PATTERN_CACHE = 4096


@lru_cache(maxsize=1)
def sentence_segmenter() -> SentenceSplitter:
    """pysbd's English segmenter, built once, with two shortcuts that leave every result unchanged.

    pysbd is untyped, so its classes are extended with type() (a class statement on them mypy refuses)."""
    import pysbd

    # pysbd passes hundreds of pattern strings to re.sub, more than the 512 the re module keeps compiled, so
    # every paragraph recompiled them (a third of a long document's load); a larger cache keeps them. The size
    # is private to the re module, so its stubs do not declare it.
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), PATTERN_CACHE)  # type: ignore[attr-defined]

    fast_segmenter = type("Segmenter", (pysbd.Segmenter,), {"sentences_with_char_spans": _sentences_with_char_spans})
    segmenter = fast_segmenter(language="en", clean=False)
    segmenter.language_module = _english_with_fast_abbreviations(segmenter.language_module)
    splitter: SentenceSplitter = segmenter
    return splitter


def _sentences_with_char_spans(self: Any, sentences: list[str]) -> list[Any]:
    """pysbd's own, with str.find for the regex it compiled anew for every sentence (a tenth of a
    letter's loading time): each sentence's first occurrence, with its trailing whitespace, that ends
    past the previous one, found left to right without overlaps as re.finditer would."""
    from pysbd.utils import TextSpan

    text: str = self.original_text
    spans: list[Any] = []
    prior_end = 0
    for sentence in sentences:
        at = text.find(sentence)
        while at >= 0:
            end = at + len(sentence)
            while end < len(text) and text[end].isspace():
                end += 1
            if end > prior_end:
                spans.append(TextSpan(text[at:end], at, end))
                prior_end = end
                break
            at = text.find(sentence, end if end > at else at + 1)
    return spans


def _english_with_fast_abbreviations(english: Any) -> type:
    """pysbd's English rules with one shortcut that leaves every result unchanged.

    For each known abbreviation that starts any word of a paragraph ('al' starts 'all', 'co' starts 'could'),
    pysbd rewrites the whole paragraph once per such word, though a rewrite only ever turns the period right
    after the abbreviation into a placeholder. A paragraph in which the abbreviation is never followed by a
    period is left as it was, so those abbreviations are skipped: without the shortcut a letter-sized source
    spent over half its loading time here, growing with the square of the paragraph's length.
    tests/test_documents.py compares the two on every sample paragraph."""
    replacer = type(
        "AbbreviationReplacer",
        (english.AbbreviationReplacer,),
        {"search_for_abbreviations_in_string": _search_for_abbreviations_in_string},
    )
    return type("FastEnglish", (english,), {"AbbreviationReplacer": replacer})


def _search_for_abbreviations_in_string(self: Any, text: str) -> str:
    """pysbd's own, skipping each abbreviation that is never followed by a period in `text`."""
    lowered = text.lower()
    for abbr in self.lang.Abbreviation.ABBREVIATIONS:
        stripped = abbr.strip()
        if stripped + "." not in lowered:
            continue
        matches = re.findall(rf"(?:^|\s|\r|\n){stripped}", text, flags=re.IGNORECASE)
        next_chars = re.findall(r"(?<={" + str(re.escape(stripped)) + "} ).{1}", text)
        for number, match in enumerate(matches):
            text = self.scan_for_replacements(text, match, number, next_chars)
    return text


QUOTE_MASK = "\ue000"  # a private-use character pysbd treats as a letter-less symbol, standing in for '"'
LIST_MARK = re.compile(r"(?:^|\s)\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]+)\)")  # pysbd reads "a)", "(iv)", "2)" as list items
ONE_SENTENCE = re.compile(r"[^.!?\u2026\n\r]*[.!?\u2026\"'\u2019\u201d)\]]*\s*")


SEGMENT_WINDOW = 8_000  # normalised characters pysbd reads at once (a sample's longest paragraph has 6,217)
WINDOW_MARGIN = 1_000  # a sentence ending this near a window's end is read again at the start of the next
MAX_SENTENCE_CHARS = 2_000  # a longer "sentence" is cut at a space (a sample's longest sentence has 577)


def split_paragraph(
    paragraph: str, segmenter: SentenceSplitter | None = None, *, window: int = SEGMENT_WINDOW
) -> list[tuple[int, int]]:
    """The sentences of one normalised paragraph, as (start, end) offsets into it: pysbd's pieces, with a piece
    that is only closing punctuation (pysbd splits ‘…it.'’ after the full stop) joined to the one before.

    A paragraph longer than `window` (a PDF or web page extracted as one line) is read a window at a time, for
    pysbd's cost grows with the square of what it reads at once. Each window starts at a sentence found in the
    one before, up to WINDOW_MARGIN characters back (pysbd's list rules look at the items before), and only its
    sentences that end WINDOW_MARGIN short of its end are kept. No sentence is longer than MAX_SENTENCE_CHARS,
    so whatever reads a sentence (the assessment, the claims, the model) costs a bounded amount even for text
    that has no sentence ends at all.
    """
    if len(paragraph) <= window:
        return _bounded(paragraph, _split_window(paragraph, segmenter))
    margin = min(WINDOW_MARGIN, window // 4)
    spans: list[tuple[int, int]] = []
    at = 0  # where the sentences still to be found start
    body_end = len(paragraph.rstrip())
    while at < body_end:
        start = at
        for a, _ in reversed(spans):
            if at - a > margin:
                break
            start = a
        end = start + window
        pieces = _pieces_from(at, [(start + a, start + b) for a, b in _split_window(paragraph[start:end], segmenter)])
        if end >= len(paragraph):
            spans.extend(pieces)
            break
        kept = [piece for piece in pieces[:-1] if piece[1] <= end - margin]
        spans.extend(kept)
        if kept:
            at = pieces[len(kept)][0]
        else:  # no sentence ends well inside this window: a bounded piece of the one that fills it
            first = pieces[0][0]
            cut = _cut_at_space(paragraph, first, first + MAX_SENTENCE_CHARS)
            spans.append((first, cut))
            at = cut
    return _bounded(paragraph, spans)


def _pieces_from(at: int, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces that end after `at`, one that starts before it made to start there."""
    return [(max(a, at), b) for a, b in pieces if b > at]


def _cut_at_space(text: str, start: int, limit: int) -> int:
    """Where to end a piece of `text` that starts at `start` and may not reach `limit`: after the last word
    that ends before it (or at `limit`, inside a word longer than the whole piece)."""
    if limit >= len(text):
        return len(text.rstrip())
    space = text.rfind(" ", start + 1, limit + 1)
    if space <= start:
        return limit
    while space > start and text[space - 1].isspace():
        space -= 1
    return space


def _bounded(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans, each longer than MAX_SENTENCE_CHARS cut at spaces into pieces no longer than that."""
    if all(b - a <= MAX_SENTENCE_CHARS for a, b in spans):
        return spans
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > MAX_SENTENCE_CHARS:
            cut = _cut_at_space(paragraph, a, a + MAX_SENTENCE_CHARS)
            out.append((a, cut))
            a = cut
            while a < b and paragraph[a].isspace():
                a += 1
        if b > a:
            out.append((a, b))
    return out


def _split_window(paragraph: str, segmenter: SentenceSplitter | None) -> list[tuple[int, int]]:
    """split_paragraph on text read at once.

    A paragraph with no sentence-ending mark before its end (a heading, a bullet, a one-sentence paragraph:
    about half of a letter's) is one sentence, and pysbd, which runs some sixty rules over any text, is not
    asked; `segmenter` forces it to be (tests/test_documents.py checks both agree)."""
    body = paragraph.rstrip()
    if not body.strip():
        return []
    if segmenter is None:
        if ONE_SENTENCE.fullmatch(paragraph) and not LIST_MARK.search(paragraph):
            lead = len(body) - len(body.lstrip())
            return [(lead, len(body))]
        segmenter = sentence_segmenter()
    # pysbd never ends a sentence inside double quotation marks, so a source paragraph that quotes a speaker
    # ('“However … relations. A number of …”') would be one sentence: it reads the marks as another character,
    # which has the same length, so every offset holds.
    paragraph = paragraph.replace('"', QUOTE_MASK)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in segmenter.segment(paragraph):
        piece = piece.strip()
        if not piece:
            continue
        at = paragraph.find(piece, cursor)
        if at < 0:
            continue
        if spans and not any(ch.isalnum() for ch in piece):
            spans[-1] = (spans[-1][0], at + len(piece))
        else:
            closing = 0  # a closing mark pysbd put at the start of the next sentence belongs to the one before
            while spans and piece[closing : closing + 1] == QUOTE_MASK and at > 0 and not paragraph[at - 1].isspace():
                closing += 1
            if closing:
                spans[-1] = (spans[-1][0], at + closing)
                rest = piece[closing:]
                at += closing + len(rest) - len(rest.lstrip())
                piece = rest.strip()
            if piece:
                spans.append((at, at + len(piece)))
        cursor = at + len(piece)
    if cursor < len(body):
        rest = paragraph[cursor:]
        lead = len(rest) - len(rest.lstrip())
        if spans and cursor > 0:
            spans[-1] = (spans[-1][0], len(body))
        else:
            spans.append((cursor + lead, len(body)))
    return spans


def find_sentences(text: str, view: TextView, paragraphs: Sequence[Span]) -> SentenceTable:
    """The sentences of each paragraph, in order, kept as arrays of offsets."""
    starts, ends, indices = offset_array(()), offset_array(()), offset_array(())
    for index, para in enumerate(paragraphs):
        a, b = view.norm_index(para.start), view.norm_index(para.end)
        for start, end in split_paragraph(view.norm[a:b]):
            orig_start, orig_end = view.to_orig(a + start, a + end)
            starts.append(orig_start)
            ends.append(orig_end)
            indices.append(index)
    return SentenceTable(starts, ends, indices)

