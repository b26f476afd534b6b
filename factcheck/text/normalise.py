"""The normalised view of a text, whose every character remembers the original character it came from.

Matching happens on this view (Unicode NFKC, one style of quote mark and dash, single spaces), so results can
always be shown in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

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


def offsets(size: int) -> array[int]:
    """An empty array for offsets into a text of `size` characters: four bytes an offset where they fit (a list
    of ints costs some forty)."""
    return array("i" if size < 2**31 else "q")


def cluster_end(text: str, i: int) -> int:
    """The end of the character at `i` with the combining marks after it: what normalise reads as one."""
    j = i + 1
    while j < len(text) and text[j] >= "\u0300" and unicodedata.combining(text[j]):
        j += 1
    return j


@dataclass
class TextView:
    """The normalised text of a document, its words, and maps back to the original characters.

    Only each normalised character's original offset is stored (`orig_start`); where it ends (`orig_end`) and
    the way back (`norm_at`) are worked out from it, so a view costs some five bytes a character, not fifty."""

    norm: str
    orig_start: array[int]  # orig_start[k]: original offset of the character norm[k] came from
    words: list[str] = field(default_factory=list)  # lower-cased normalised words (one string object each)
    word_start: array[int] = field(default_factory=lambda: array("i"))  # original offsets
    word_end: array[int] = field(default_factory=lambda: array("i"))
    original: str = ""  # the original text, for looking at what lies between words

    @property
    def orig_end(self) -> OrigEnd:
        """orig_end[k]: original offset just after the character norm[k] came from."""
        return OrigEnd(self)

    @property
    def norm_at(self) -> NormAt:
        """norm_at[i]: first normalised index at or after original offset i."""
        return NormAt(self)

    def end_of(self, k: int) -> int:
        return cluster_end(self.original, self.orig_start[k])

    def norm_index(self, i: int) -> int:
        """The first normalised index at or after original offset `i` (inside a character and its combining
        marks: that character's first)."""
        k = bisect_left(self.orig_start, i)
        if k > 0 and (k == len(self.orig_start) or self.orig_start[k] != i):
            before = self.orig_start[k - 1]
            if cluster_end(self.original, before) > i:
                return bisect_left(self.orig_start, before)
        return k

    def to_orig(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        if norm_end <= norm_start:
            at = self.orig_start[norm_start] if norm_start < len(self.orig_start) else len(self.original)
            return at, at
        return self.orig_start[norm_start], self.end_of(norm_end - 1)

    def words_between(self, start: int, end: int) -> range:
        """Indices of the words lying inside original offsets [start, end)."""
        first = bisect_right(self.word_end, start)
        while first < len(self.word_start) and self.word_start[first] < start:
            first += 1
        last = bisect_right(self.word_start, end - 1)
        while last > first and self.word_end[last - 1] > end:
            last -= 1
        return range(first, last)


class OrigEnd(Sequence[int]):
    """A view's orig_end, worked out from orig_start."""

    def __init__(self, view: TextView) -> None:
        self.view = view

    def __len__(self) -> int:
        return len(self.view.orig_start)

    @overload
    def __getitem__(self, k: int) -> int: ...
    @overload
    def __getitem__(self, k: slice) -> list[int]: ...
    def __getitem__(self, k: int | slice) -> int | list[int]:
        if isinstance(k, slice):
            return [self.view.end_of(i) for i in range(len(self))[k]]
        return self.view.end_of(range(len(self))[k])


class NormAt(Sequence[int]):
    """A view's norm_at, worked out from orig_start: one entry for each original offset, and one past the end."""

    def __init__(self, view: TextView) -> None:
        self.view = view

    def __len__(self) -> int:
        return len(self.view.original) + 1

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self.view.norm_index(j) for j in range(len(self))[i]]
        return self.view.norm_index(range(len(self))[i])


def normalise(text: str) -> TextView:
    """The normalised view of `text`: NFKC, one quote mark and dash, single spaces; each character mapped back."""
    out: list[str] = []
    starts = offsets(len(text))
    i, n = 0, len(text)
    after_space = True
    while i < n:
        run = ASCII_RUN.match(text, i)
        if run is not None:  # plain ASCII: copied in bulk (a letter before a combining accent is left to the loop)
            j = run.end()
            if j < n and unicodedata.combining(text[j]):
                j -= 1
            if j > i:
                out.append(text[i:j])
                starts.extend(range(i, j))
                after_space = text[j - 1] == " "
                i = j
                continue
        j = cluster_end(text, i)
        cluster = text[i:j]
        if cluster.isspace():
            if not after_space:
                out.append(" ")
                starts.append(i)
                after_space = True
        else:
            folded = cluster if cluster.isascii() else unicodedata.normalize("NFKC", cluster).translate(QUOTE_FOLD)
            out.append(folded)
            starts.extend([i] * len(folded))
            after_space = False if folded else after_space
        i = j
    view = TextView("".join(out), starts, original=text)
    view.word_start = offsets(n)
    view.word_end = offsets(n)
    known: dict[str, str] = {}  # one string object for each distinct word: a long text repeats most of them
    for m in WORD.finditer(view.norm):
        word = m.group().lower()
        view.words.append(known.setdefault(word, word))
        view.word_start.append(starts[m.start()])
        end = starts[m.end() - 1] + 1
        view.word_end.append(end if end == n or text[end] < "\u0300" else cluster_end(text, end - 1))
    return view
