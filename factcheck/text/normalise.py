"""The normalised view of a text, whose every character remembers the original character it came from.

Matching happens on this view (Unicode NFKC, one style of quote mark and dash, single spaces), so results can
always be shown in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

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
    """The normalised view of `text`: NFKC, one quote mark and dash, single spaces; each character mapped back."""
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
