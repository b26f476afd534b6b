"""The words the aligner compares: a source's, indexed once, and a quotation's, with what it marks about them.

The source is indexed once (word n-grams to positions, and each word's form: its stem in one spelling), so
finding a quotation costs time in proportion to its own length, not the source's, and the index costs some
thirty bytes a word of the source.
"""

from __future__ import annotations

import copy
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from factcheck.text import LoadedDocument, TextView, stem
from factcheck.text.wordforms import MIN_TYPO_LENGTH, american, reverses
from factcheck.types import Quote

MAX_SEED_HITS = 64  # an n-gram found more often than this seeds nothing (too common to place a quotation)
ELLIPSIS = re.compile(r"\u2026|\.\s?\.\s?\.")
BRACKETED = re.compile(r"\[[^\[\]]*\]")


# 'didn’t' is read as 'didn' and 't': in their forms, the same words as 'did not'
NEGATED_AUXILIARIES = {
    "didn": "did", "doesn": "does", "isn": "is", "aren": "are", "wasn": "was", "weren": "were", "hasn": "has",
    "haven": "have", "hadn": "had", "couldn": "could", "wouldn": "would", "shouldn": "should", "mustn": "must",
}


def form_key(word: str) -> str:
    if word in ("t", "nt"):
        return "not"
    return stem(american(NEGATED_AUXILIARIES.get(word, word)))


def position_type(size: int) -> type[np.signedinteger[Any]]:
    """Four bytes a position where they fit."""
    return np.int32 if size < 2**31 else np.int64


FEW_POSITIONS = 64  # as many positions as this are read through in Python: two numpy calls cost more


class Postings:
    """Where each id occurs in a sequence of ids, ascending: the positions sorted by id (a stable sort keeps
    each id's in order), with where each id's run of them starts. Some twelve bytes a position, where a dict of
    lists of ints costs some fifty, and built in one pass of numpy."""

    def __init__(self, ids: np.ndarray, size: int) -> None:
        self.order = np.argsort(ids, kind="stable").astype(position_type(len(ids)))
        bounds = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(ids, minlength=size), out=bounds[1:])
        self.bounds = _as_array(bounds)  # read one entry at a time: an array's items are cheaper than numpy's

    def count(self, at: int) -> int:
        return self.bounds[at + 1] - self.bounds[at]

    def of(self, at: int) -> np.ndarray:
        return self.order[self.bounds[at] : self.bounds[at + 1]]

    def listed(self, at: int) -> list[int]:
        found: list[int] = self.of(at).tolist()
        return found

    def between(self, at: int, lo: int, hi: int) -> list[int]:
        """The positions of id `at` in [lo, hi)."""
        if self.count(at) <= FEW_POSITIONS:
            return [p for p in self.listed(at) if lo <= p < hi]
        found = self.of(at)
        inside: list[int] = found[np.searchsorted(found, lo) : np.searchsorted(found, hi)].tolist()
        return inside

    def within(self, lo: int, hi: int) -> Postings:
        """The same postings holding only the positions in [lo, hi)."""
        narrowed = copy.copy(self)
        bounds = np.frombuffer(self.bounds, dtype=np.int64)
        ids = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        keep = (self.order >= lo) & (self.order < hi)
        narrowed.order = self.order[keep]
        narrowed.bounds = _as_array(np.searchsorted(ids[keep], np.arange(len(bounds))))
        return narrowed


def _as_array(values: np.ndarray) -> array[int]:
    return array("q", values.astype(np.int64).tobytes())


@dataclass(frozen=True)
class WordForms:
    """A source's words by form: each form's first word (in sorted order), the long words by length (the typo
    candidates), and each position's form (`at_forms`, an index into `forms`) with where each form occurs."""

    first_word: dict[str, str]
    long_words: dict[int, list[str]]
    forms: dict[str, int]
    at_forms: np.ndarray
    where: Postings

    @classmethod
    def of(cls, word_ids: np.ndarray, vocabulary: dict[str, int]) -> WordForms:
        keys = {w: form_key(w) for w in sorted(vocabulary)}
        first_word: dict[str, str] = {}
        long_words: defaultdict[int, list[str]] = defaultdict(list)
        forms: dict[str, int] = {}
        form_of_word = np.zeros(len(vocabulary), dtype=position_type(len(word_ids)))
        for w, key in keys.items():
            first_word.setdefault(key, w)
            if len(w) >= MIN_TYPO_LENGTH and w.isalpha():
                long_words[len(w)].append(w)
            form_of_word[vocabulary[w]] = forms.setdefault(key, len(forms))
        at_forms = form_of_word[word_ids]
        return cls(first_word, dict(long_words), forms, at_forms, Postings(at_forms, len(forms)))


class SourceIndex:
    """Word n-gram positions of a source document, built once and reused for every quotation.

    Each word is numbered (`vocabulary`, in order of first use) and each n-gram ranked among the source's
    distinct n-grams; positions are looked up by number in Postings, in time that grows with the logarithm of
    the source's length. Everything is built from the source alone: the postings here, the word forms on first
    use (`forms`), and `_source_forms`, a memo of the pure function `source_form`, so one index is safe to
    share between checks and threads."""

    def __init__(self, doc: LoadedDocument, seed_words: int) -> None:
        self.doc = doc
        self.view: TextView = doc.view
        self.k = seed_words
        words = self.view.words
        self.vocabulary: dict[str, int] = {}
        self.word_ids = np.fromiter(
            (self.vocabulary.setdefault(w, len(self.vocabulary)) for w in words),
            dtype=position_type(len(words)),
            count=len(words),
        )
        self._words = Postings(self.word_ids, len(self.vocabulary))
        # an n-gram's rank: that of its first n-1 words' among theirs, combined with its last word's number
        self._gram_keys: list[array[int]] = []
        grams = max(0, len(words) - seed_words + 1)
        rank = self.word_ids[:grams].astype(np.int64)  # rank * vocabulary size + number needs eight bytes
        distinct = len(self.vocabulary)
        for j in range(1, seed_words):
            keys, rank = np.unique(rank * len(self.vocabulary) + self.word_ids[j : j + grams], return_inverse=True)
            self._gram_keys.append(_as_array(keys))
            distinct = len(keys)
        self._grams = Postings(rank, distinct)
        self._source_forms: dict[tuple[str, float], str] = {}

    def within(self, first: int, end: int) -> SourceIndex:
        """A copy that finds only the words at positions [first, end) (the rest of the source stays readable)."""
        narrowed = copy.copy(self)
        narrowed._words = self._words.within(first, end)
        narrowed._grams = self._grams.within(first, end)
        return narrowed

    @cached_property
    def forms(self) -> WordForms:
        """The source's words by form, built on first use (most checks never need them, and building them
        stems every distinct word): a pure function of the source, so computing it twice gives the same."""
        return WordForms.of(self.word_ids, self.vocabulary)

    def source_form(self, word: str, typo_ratio: float) -> str:
        """The source's own word for a quotation word the source never uses: the same word in another form
        (tense, number, British or American spelling) or, for a long word, a typo of it; else the word itself."""
        if word in self.vocabulary or not word.isalpha():
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
        typos = [w for w in candidates if not reverses(word, w)]
        best = process.extractOne(word, typos, scorer=fuzz.ratio, score_cutoff=typo_ratio)
        return best[0] if best else word

    def form_position(self, keys: list[str]) -> int | None:
        """Where the source first has these words in the same forms, in order (a short quotation whose words are
        all the source's in other forms)."""
        forms = self.forms
        wanted = [forms.forms.get(key, -1) for key in keys]
        if wanted[0] < 0:
            return None
        for at in forms.where.of(wanted[0])[:MAX_SEED_HITS].tolist():
            if forms.at_forms[at : at + len(keys)].tolist() == wanted:
                return int(at)
        return None

    def word_count(self, word: str) -> int:
        """How often the source has this word."""
        at = self.vocabulary.get(word)
        return 0 if at is None else self._words.count(at)

    def word_positions(self, word: str, lo: int, hi: int) -> list[int]:
        """Where the source has this word among word positions [lo, hi), in order."""
        at = self.vocabulary.get(word)
        return [] if at is None else self._words.between(at, lo, hi)

    def count(self, gram: tuple[str, ...]) -> int:
        """How often the source has these words in this order (len(positions(gram)), without listing them)."""
        if len(gram) == self.k:
            rank = self._gram_rank(gram)
            return 0 if rank is None else self._grams.count(rank)
        return len(self._positions(gram))

    def positions(self, gram: tuple[str, ...]) -> list[int]:
        """Where the source has these words in this order, in order."""
        if len(gram) == self.k:
            rank = self._gram_rank(gram)
            return [] if rank is None else self._grams.listed(rank)
        found: list[int] = self._positions(gram).tolist()
        return found

    def seed_positions(self, gram: tuple[str, ...], limit: int) -> list[int]:
        """positions(gram), or none when there are more than `limit` (too common to place a quotation by)."""
        if len(gram) != self.k:
            found = self.positions(gram)
            return found if len(found) <= limit else []
        rank = self._gram_rank(gram)
        if rank is None or self._grams.count(rank) > limit:
            return []
        return self._grams.listed(rank)

    def _gram_rank(self, gram: tuple[str, ...]) -> int | None:
        rank = self.vocabulary.get(gram[0])
        for word, keys in zip(gram[1:], self._gram_keys):
            at = self.vocabulary.get(word)
            if rank is None or at is None:
                return None
            key = rank * len(self.vocabulary) + at
            rank = bisect_left(keys, key)  # on an array: one call, where np.searchsorted costs several microseconds
            if rank == len(keys) or keys[rank] != key:
                return None
        return rank

    def _positions(self, gram: tuple[str, ...]) -> np.ndarray:
        first = self.vocabulary.get(gram[0])
        if first is None:
            return np.zeros(0, dtype=np.int64)
        hits = self._words.of(first)
        for offset, word in enumerate(gram[1:], 1):
            at = self.vocabulary.get(word, -1)
            hits = hits[hits + offset < len(self.word_ids)]
            hits = hits[self.word_ids[hits + offset] == at]
        return hits


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

