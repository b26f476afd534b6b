"""The words the aligner compares: a source's, indexed once, and a quotation's, with what it marks about them.

The source is indexed once (word n-grams to positions, and each word's form: its stem in one spelling), so
finding a quotation costs time in proportion to its own length, not the source's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from factcheck.text import LoadedDocument, TextView, stem
from factcheck.text.wordforms import MIN_TYPO_LENGTH, american
from factcheck.types import Quote

MAX_SEED_HITS = 64  # an n-gram found more often than this seeds nothing (too common to place a quotation)
ELLIPSIS = re.compile(r"\u2026|\.\s?\.\s?\.")
BRACKETED = re.compile(r"\[[^\[\]]*\]")


def form_key(word: str) -> str:
    return stem(american(word))


@dataclass(frozen=True)
class WordForms:
    """A source's words by form: each form's first word (in sorted order), the long words by length (the typo
    candidates), and each position's form with where each form starts."""

    first_word: dict[str, str]
    long_words: dict[int, list[str]]
    keys: list[str]
    starts: dict[str, list[int]]

    @classmethod
    def of(cls, words: list[str], unigrams: dict[str, list[int]]) -> WordForms:
        keys = {w: form_key(w) for w in sorted(unigrams)}
        first_word: dict[str, str] = {}
        long_words: defaultdict[int, list[str]] = defaultdict(list)
        for w, key in keys.items():
            first_word.setdefault(key, w)
            if len(w) >= MIN_TYPO_LENGTH and w.isalpha():
                long_words[len(w)].append(w)
        at_keys = [keys[w] for w in words]
        starts: defaultdict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(at_keys):
            starts[key].append(i)
        return cls(first_word, dict(long_words), at_keys, dict(starts))


class SourceIndex:
    """Word n-gram positions of a source document, built once and reused for every quotation.

    Everything is built from the source alone: the n-grams here, the word forms on first use (`forms`), and
    `_source_forms`, a memo of the pure function `source_form`, so one index is safe to share between checks
    and threads."""

    def __init__(self, doc: LoadedDocument, seed_words: int) -> None:
        self.doc = doc
        self.view: TextView = doc.view
        self.k = seed_words
        words = self.view.words
        self.grams: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i in range(len(words) - seed_words + 1):
            self.grams[tuple(words[i : i + seed_words])].append(i)
        self.unigrams: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(words):
            self.unigrams[w].append(i)
        self._source_forms: dict[tuple[str, float], str] = {}

    @cached_property
    def forms(self) -> WordForms:
        """The source's words by form, built on first use (most checks never need them, and building them
        stems every distinct word): a pure function of the source, so computing it twice gives the same."""
        return WordForms.of(self.view.words, self.unigrams)

    def source_form(self, word: str, typo_ratio: float) -> str:
        """The source's own word for a quotation word the source never uses: the same word in another form
        (tense, number, British or American spelling) or, for a long word, a typo of it; else the word itself."""
        if word in self.unigrams or not word.isalpha():
            return word
        known = self._source_forms.get((word, typo_ratio))
        if known is None:  # a pure function of the source, remembered: safe to share between threads
            known = self._source_forms[(word, typo_ratio)] = self._find_source_form(word, typo_ratio)
        return known

    def _find_source_form(self, word: str, typo_ratio: float) -> str:
        same = self.forms.first_word.get(form_key(word))
        if same is not None:
            return same
        if len(word) < MIN_TYPO_LENGTH:
            return word
        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self.forms.long_words.get(n, ())]
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=typo_ratio)
        return best[0] if best else word

    def form_position(self, keys: list[str]) -> int | None:
        """Where the source first has these words in the same forms, in order (a short quotation whose words are
        all the source's in other forms)."""
        forms = self.forms
        for at in forms.starts.get(keys[0], [])[:MAX_SEED_HITS]:
            if forms.keys[at : at + len(keys)] == keys:
                return at
        return None

    def positions(self, gram: tuple[str, ...]) -> list[int]:
        if len(gram) == self.k:
            return self.grams.get(gram, [])
        hits = self.unigrams.get(gram[0], [])
        words = self.view.words
        return [p for p in hits if tuple(words[p : p + len(gram)]) == gram]


@dataclass
class QuoteWords:
    """The words of a quotation, with what the quotation itself marks about them."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    originals: list[str]
    bracketed: list[bool]
    ellipsis_before: list[bool]  # an ellipsis stands between word i-1 and word i
    ellipsis_after_end: bool


def quote_words(release: LoadedDocument, quote: Quote) -> QuoteWords:
    view = release.view
    qw = QuoteWords([], [], [], [], [], [], False)
    text = release.text
    brackets = [(m.start(), m.end()) for part in quote.parts for m in BRACKETED.finditer(text, part.start, part.end)]
    previous_end: int | None = None
    for part in quote.parts:
        for i in view.words_between(part.start, part.end):
            s, e = view.word_start[i], view.word_end[i]
            qw.words.append(view.words[i])
            qw.starts.append(s)
            qw.ends.append(e)
            qw.originals.append(text[s:e])
            qw.bracketed.append(any(a <= s and e <= b for a, b in brackets))
            gap = text[previous_end if previous_end is not None else part.start : s]
            qw.ellipsis_before.append(bool(ELLIPSIS.search(gap)))
            previous_end = e
    if previous_end is not None:
        qw.ellipsis_after_end = bool(ELLIPSIS.search(text[previous_end : quote.parts[-1].end]))
    return qw

