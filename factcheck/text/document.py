"""Load text and find its paragraphs, sentences and words, keeping offsets into the original characters.

Matching happens on a normalised view (Unicode NFKC, one style of quote mark and dash, single spaces) whose
every character remembers the original character it came from, so results can always be shown in the
original text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from factcheck.config import Settings, load_settings
from factcheck.errors import BinaryInputError, EmptyInputError, InputError, InputTooLargeError
from factcheck.types import Document, Sentence, Span

QUOTE_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2039": "'", "\u203a": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    }
)
WORD = re.compile(r"[^\W\d_]+|\d+")  # letters and digits apart: "1.5C" and "1.5°C" are the same words
ASCII_RUN = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words and the single spaces between them
BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n|\f")
BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2023\u25e6\u25aa\u25cf\u2013\u2014\u00b7]|\(?\d{1,3}[.)]|\(?[a-z][.)])[ \t]+")
TERMINAL = re.compile(r"""[.!?:;'"\u2019\u201d)\]]\s*$""")


@dataclass
class TextView:
    """The normalised text of a document, its words, and maps back to the original characters."""

    norm: str
    orig_start: list[int]  # orig_start[k]: original offset of the character norm[k] came from
    orig_end: list[int]  # orig_end[k]: original offset just after it
    norm_at: list[int]  # norm_at[i]: first normalised index at or after original offset i
    words: list[str] = field(default_factory=list)  # lower-cased normalised words
    word_start: list[int] = field(default_factory=list)  # original offsets
    word_end: list[int] = field(default_factory=list)
    original: str = ""  # the original text, for looking at what lies between words

    def to_orig(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        if norm_end <= norm_start:
            at = self.orig_start[norm_start] if norm_start < len(self.orig_start) else len(self.norm_at) - 1
            return at, at
        return self.orig_start[norm_start], self.orig_end[norm_end - 1]

    def words_between(self, start: int, end: int) -> range:
        """Indices of the words lying inside original offsets [start, end)."""
        first = bisect_right(self.word_end, start)
        while first < len(self.word_start) and self.word_start[first] < start:
            first += 1
        last = bisect_right(self.word_start, end - 1)
        while last > first and self.word_end[last - 1] > end:
            last -= 1
        return range(first, last)


def normalise(text: str) -> TextView:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    norm_at = [0] * (len(text) + 1)
    i, n = 0, len(text)
    after_space = True
    while i < n:
        run = ASCII_RUN.match(text, i)
        if run is not None:  # plain ASCII: copied in bulk (a letter before a combining accent is left to the loop)
            j = run.end()
            if j < n and unicodedata.combining(text[j]):
                j -= 1
            if j > i:
                base = len(starts)
                out.append(text[i:j])
                starts.extend(range(i, j))
                ends.extend(range(i + 1, j + 1))
                norm_at[i:j] = range(base, base + j - i)
                after_space = text[j - 1] == " "
                i = j
                continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        for k in range(i, j):
            norm_at[k] = len(starts)
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
    norm_at[n] = len(starts)
    view = TextView("".join(out), starts, ends, norm_at, original=text)
    for m in WORD.finditer(view.norm):
        view.words.append(m.group().lower())
        view.word_start.append(starts[m.start()])
        view.word_end.append(ends[m.end() - 1])
    return view


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise EmptyInputError(f"{name} is empty")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    head = data[:8192]
    if b"\x00" in head or _control_share(head) > 0.05:
        raise BinaryInputError(f"{name} looks like a binary file, not text")
    for codec in ("utf-8", "cp1252"):  # Word exports are usually one or the other; English text rarely anything else
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best)
    return data.decode("cp1252", errors="replace")


def _control_share(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


def read_input(value: str | Path, settings: Settings) -> tuple[str, str]:
    """(name, text) of a path, an http(s) URL, "-" (standard input), or a string that is itself the text.
    Files, URLs and standard input may be PDF, DOCX, HTML, Markdown or plain text (factcheck.inputs.formats)."""
    from factcheck.inputs.formats import extract_text

    if str(value) == "-" and not Path("-").exists():  # "-" or Path("-") (as a CLI passes it): standard input
        return "<stdin>", extract_text(_read_stdin(settings.limits.max_input_bytes), "<stdin>", None)
    if isinstance(value, str):
        from factcheck.inputs.fetch import fetch, is_url

        if is_url(value):
            fetched = fetch(value, settings)
            return value, extract_text(fetched.data, value, fetched.hint)
    if isinstance(value, str) and ("\n" in value or len(value) > 1024 or not _names_a_file(value)):
        if not value.strip():
            raise EmptyInputError("the text is empty")
        return "<text>", value
    path = Path(value)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    size = path.stat().st_size
    if size > settings.limits.max_input_bytes:
        raise InputTooLargeError(
            f"{path} is {size:,} bytes, over the limit of {settings.limits.max_input_bytes:,} (limits.max_input_bytes)"
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    return str(path), extract_text(data, str(path), path.suffix or None)


def _names_a_file(value: str) -> bool:
    """Whether a string is the path of something that exists; a sentence is not (and may be too long, or hold
    characters, that the file system refuses outright)."""
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def _read_stdin(cap: int) -> bytes:
    import sys

    data = sys.stdin.buffer.read(cap + 1)
    if len(data) > cap:
        raise InputTooLargeError(f"standard input is over the limit of {cap:,} bytes (limits.max_input_bytes)")
    return data


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


PATTERN_CACHE = 4096


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    # pysbd passes hundreds of pattern strings to re.sub, more than the 512 the re module keeps compiled, so
    # every paragraph recompiled them (a third of a long document's load); a larger cache keeps them.
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), PATTERN_CACHE)  # type: ignore[attr-defined]

    class Segmenter(pysbd.Segmenter):  # type: ignore[misc]
        def sentences_with_char_spans(self, sentences):  # type: ignore[no-untyped-def]
            """pysbd's own, with str.find for the regex it compiled anew for every sentence (a tenth of a
            letter's loading time): each sentence's first occurrence, with its trailing whitespace, that ends
            past the previous one, found left to right without overlaps as re.finditer would."""
            from pysbd.utils import TextSpan

            text = self.original_text
            spans = []
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

    segmenter = Segmenter(language="en", clean=False)
    segmenter.language_module = _english_with_fast_abbreviations(segmenter.language_module)
    return segmenter


def _english_with_fast_abbreviations(english):  # type: ignore[no-untyped-def]
    """pysbd's English rules with one shortcut that leaves every result unchanged.

    For each known abbreviation that starts any word of a paragraph ('al' starts 'all', 'co' starts 'could'),
    pysbd rewrites the whole paragraph once per such word, though a rewrite only ever turns the period right
    after the abbreviation into a placeholder. A paragraph in which the abbreviation is never followed by a
    period is left as it was, so those abbreviations are skipped: without the shortcut a letter-sized source
    spent over half its loading time here, growing with the square of the paragraph's length.
    tests/test_documents.py compares the two on every sample paragraph."""

    class AbbreviationReplacer(english.AbbreviationReplacer):  # type: ignore[name-defined,misc]
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            for abbr in self.lang.Abbreviation.ABBREVIATIONS:
                stripped = abbr.strip()
                if stripped + "." not in lowered:
                    continue
                matches = re.findall(r"(?:^|\s|\r|\n){}".format(stripped), text, flags=re.IGNORECASE)
                next_chars = re.findall(r"(?<={" + str(re.escape(stripped)) + "} ).{1}", text)
                for number, match in enumerate(matches):
                    text = self.scan_for_replacements(text, match, number, next_chars)
            return text

    return type("FastEnglish", (english,), {"AbbreviationReplacer": AbbreviationReplacer})


QUOTE_MASK = "\ue000"  # a private-use character pysbd treats as a letter-less symbol, standing in for '"'
LIST_MARK = re.compile(r"(?:^|\s)\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]+)\)")  # pysbd reads "a)", "(iv)", "2)" as list items
ONE_SENTENCE = re.compile(r"[^.!?\u2026\n\r]*[.!?\u2026\"'\u2019\u201d)\]]*\s*")


def split_paragraph(paragraph: str, segmenter=None) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The sentences of one normalised paragraph, as (start, end) offsets into it: pysbd's pieces, with a piece
    that is only closing punctuation (pysbd splits ‘…it.'’ after the full stop) joined to the one before.

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
        segmenter = _segmenter()
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


def find_sentences(text: str, view: TextView, paragraphs: list[Span]) -> list[Sentence]:
    sentences: list[Sentence] = []
    for index, para in enumerate(paragraphs):
        a, b = view.norm_at[para.start], view.norm_at[para.end]
        for start, end in split_paragraph(view.norm[a:b]):
            orig_start, orig_end = view.to_orig(a + start, a + end)
            sentences.append(Sentence(start=orig_start, end=orig_end, paragraph=index))
    return sentences


class LoadedDocument(Document):
    """A Document with its normalised view attached (not serialised)."""

    def model_post_init(self, __context: object) -> None:
        self._view: TextView | None = None

    @property
    def view(self) -> TextView:
        if self._view is None:
            self._view = normalise(self.text)
        return self._view

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing (or nearest before) an original offset."""
        starts = self._sentence_starts()
        return max(0, bisect_right(starts, offset) - 1)

    def _sentence_starts(self) -> list[int]:
        cached = getattr(self, "_starts", None)
        if cached is None:
            cached = [s.start for s in self.sentences]
            self._starts = cached
        return cached

    def paragraph_at(self, offset: int) -> int:
        starts = [p.start for p in self.paragraphs]
        return max(0, bisect_right(starts, offset) - 1)


MIN_CACHED_CHARS = 20_000  # shorter texts are segmented faster than a cache file is read
MAX_CACHED_STRUCTURES = 200


@lru_cache(maxsize=1)
def _structure_version() -> str:
    """Changes whenever this module (which decides the structure) or pysbd changes: old entries are not reused."""
    import pysbd

    return hashlib.sha256(Path(__file__).read_bytes() + pysbd.__version__.encode()).hexdigest()[:16]


def _structure_path(text: str) -> Path:
    from factcheck.embed import cache_dir

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir() / "structure" / f"{_structure_version()}-{digest}.json"


def _cached_structure(text: str) -> tuple[list[Span], list[Sentence]] | None:
    """Paragraphs and sentences of a long text seen before: sentence splitting is most of a long text's load."""
    if len(text) < MIN_CACHED_CHARS:
        return None
    try:
        data = json.loads(_structure_path(text).read_text(encoding="utf-8"))
        return [Span(start=a, end=b) for a, b in data["paragraphs"]], [
            Sentence(start=a, end=b, paragraph=p) for a, b, p in data["sentences"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store_structure(text: str, paragraphs: list[Span], sentences: list[Sentence]) -> None:
    if len(text) < MIN_CACHED_CHARS:
        return
    path = _structure_path(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"paragraphs": [[p.start, p.end] for p in paragraphs], "sentences": [[s.start, s.end, s.paragraph] for s in sentences]}
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)
        entries = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-MAX_CACHED_STRUCTURES]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs time


def build_document(name: str, text: str) -> LoadedDocument:
    view = normalise(text)
    cached = _cached_structure(text)
    if cached is not None:
        paragraphs, sentences = cached
    else:
        paragraphs = find_paragraphs(text)
        sentences = find_sentences(text, view, paragraphs)
        _store_structure(text, paragraphs, sentences)
    doc = LoadedDocument(name=name, text=text, paragraphs=paragraphs, sentences=sentences)
    doc._view = view
    return doc


def load(value: str | Path, settings: Settings | None = None) -> LoadedDocument:
    settings = settings or load_settings()
    name, text = read_input(value, settings)
    if not text.strip():
        raise EmptyInputError(f"{name} is empty")
    return build_document(name, text)
