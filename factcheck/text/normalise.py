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


class OffsetMap(Sequence[int]):
    """The original offset of each normalised character, kept as runs: characters that come from consecutive
    original ones (nearly all of a text) are one run, stored as where it starts in both texts. A collapsed
    space, an expanded or composed character starts a new one, so a map costs some eight bytes a paragraph
    break, where an offset a character costs four or more."""

    def __init__(self, size: int) -> None:
        self.norm = offsets(size)  # each run's first normalised index
        self.orig = offsets(size)  # and the original offset it came from
        self.length = 0
        self._next = -1  # the original offset that would continue the last run

    def add(self, orig: int, count: int = 1) -> None:
        """`count` normalised characters, from original offsets orig, orig + 1, …"""
        if orig != self._next:
            self.norm.append(self.length)
            self.orig.append(orig)
        self.length += count
        self._next = orig + count

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, k: int) -> int: ...
    @overload
    def __getitem__(self, k: slice) -> list[int]: ...
    def __getitem__(self, k: int | slice) -> int | list[int]:
        if isinstance(k, slice):
            return [self[i] for i in range(self.length)[k]]
        k = range(self.length)[k]
        run = bisect_right(self.norm, k) - 1
        return self.orig[run] + k - self.norm[run]

    def first_at_or_after(self, i: int) -> int:
        """The first normalised index whose original offset is `i` or more (bisect_left on the offsets)."""
        run = bisect_left(self.orig, i)  # the first run that starts at `i` or after
        if run > 0:
            end = self.norm[run] if run < len(self.norm) else self.length
            before = run - 1
            if i < self.orig[before] + end - self.norm[before]:  # `i` is inside the run before
                return self.norm[before] + i - self.orig[before]
        return self.norm[run] if run < len(self.norm) else self.length


@dataclass
class TextView:
    """The normalised text of a document, its words, and maps back to the original characters.

    Where each normalised character came from is kept as runs (`orig_start`); where it ends (`orig_end`) and
    the way back (`norm_at`) are worked out from them, so a view costs about the text again, where a list of
    ints for each character costs some forty bytes a character."""

    norm: str
    orig_start: OffsetMap  # orig_start[k]: original offset of the character norm[k] came from
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
        starts = self.orig_start
        k = starts.first_at_or_after(i)
        if k > 0 and (k == len(starts) or starts[k] != i):
            before = starts[k - 1]
            if cluster_end(self.original, before) > i:
                return starts.first_at_or_after(before)
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
    starts = OffsetMap(len(text))
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
                starts.add(i, j - i)
                after_space = text[j - 1] == " "
                i = j
                continue
        j = cluster_end(text, i)
        cluster = text[i:j]
        if cluster.isspace():
            if not after_space:
                out.append(" ")
                starts.add(i)
                after_space = True
        else:
            folded = cluster if cluster.isascii() else unicodedata.normalize("NFKC", cluster).translate(QUOTE_FOLD)
            out.append(folded)
            for _ in folded:
                starts.add(i)
            after_space = False if folded else after_space
        i = j
    view = TextView("".join(out), starts, original=text)
    view.word_start = offsets(n)
    view.word_end = offsets(n)
    known: dict[str, str] = {}  # one string object for each distinct word: a long text repeats most of them
    run_norm, run_orig = starts.norm, starts.orig
    runs = len(run_norm)
    at_run = 0  # the run of the word's first character: words come in order, so the runs are walked once
    for m in WORD.finditer(view.norm):
        word = m.group().lower()
        view.words.append(known.setdefault(word, word))
        first, last = m.start(), m.end() - 1
        while at_run + 1 < runs and run_norm[at_run + 1] <= first:
            at_run += 1
        view.word_start.append(run_orig[at_run] + first - run_norm[at_run])
        last_run = at_run
        while last_run + 1 < runs and run_norm[last_run + 1] <= last:
            last_run += 1
        end = run_orig[last_run] + last - run_norm[last_run] + 1
        view.word_end.append(end if end == n or text[end] < "\u0300" else cluster_end(text, end - 1))
    return view
