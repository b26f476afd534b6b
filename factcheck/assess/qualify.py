"""Does a stretch of source text qualify a quotation? Cue words (models/qualifiers.toml) say whether it
limits, contrasts, negates, hedges or criticises; word overlap says whether it is about the same subject."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from factcheck.config import Lexicon
from factcheck.text import stem

CueCategory = Literal["contrast", "negation", "limiting", "soft", "hedge", "criticism", "adverse"]
CUE_CATEGORIES: tuple[CueCategory, ...] = get_args(CueCategory)
STRONG: tuple[CueCategory, ...] = ("contrast", "negation", "limiting", "hedge", "criticism")
CATEGORY_WORDS = {
    "contrast": "contrasts with",
    "negation": "negates",
    "limiting": "limits",
    "soft": "limits",
    "hedge": "hedges",
    "criticism": "criticises",
    "adverse": "reports harm in",
}
STOPWORDS = frozenset(
    ["a", "an", "the", "to", "that", "and", "or", "of", "in", "on", "at", "for", "with", "by", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "it", "its", "this", "these", "those", "their", "they", "there", "which", "who", "whom", "whose", "from", "into", "s", "also", "so", "then", "than", "but", "not", "no", "if", "when", "where", "while", "what", "how", "all", "any", "each", "our", "we", "us", "you", "your", "he", "she", "his", "her", "them", "i", "me", "my", "do", "does", "did", "can", "could", "will", "would", "should", "may", "might", "must", "shall", "very", "more", "most", "some", "many", "much", "such", "only", "other", "own", "same", "just", "over", "under", "about", "after", "before", "between", "during", "through", "up", "down", "out", "off", "again", "further", "once", "here", "both", "few", "nor", "too", "well"]
)


# Each letter of the phrases leads to the letters that may follow it; the key '' marks where a phrase ends.
Trie = dict[str, "Trie"]


@dataclass(frozen=True)
class Cue:
    category: CueCategory
    phrase: str

    @classmethod
    def parse(cls, label: str) -> Cue:
        """A cue from its 'category:phrase' label (as a ContextNote keeps it)."""
        category, phrase = label.split(":", 1)
        for known in CUE_CATEGORIES:
            if category == known:
                return cls(known, phrase)
        raise ValueError(f"not a cue category: {category!r}")


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of the phrases as whole words, the longest first; an apostrophe matches either
    form and a space any run of whitespace. The phrases are laid out as a trie (‘no(?:t|ne|body)’), so each
    position of a text is tried against one branch per letter instead of every phrase in turn."""
    return _compiled_phrases(tuple(sorted({p.lower() for p in phrases})))


@lru_cache(maxsize=256)  # one set of lexicons per settings: built once per process, not once per source
def _compiled_phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    trie: Trie = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(r"(?<![\w'-])" + _trie_regex(trie) + r"(?![\w'-])", re.IGNORECASE)


def _trie_regex(node: Trie) -> str:
    branches = [_char_regex(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a phrase may end here; the greedy ? tries the longer phrases first
        return f"(?:{body})?"
    return body


def _char_regex(ch: str) -> str:
    if ch in "'\u2019":
        return "['\u2019]"
    if ch == " ":
        return r"\s+"
    return re.escape(ch)


class Qualifier:
    """Cue finder and topic measure built from a lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.patterns = {
            "contrast": phrase_pattern(lexicon.contrast),
            "negation": phrase_pattern(lexicon.negation),
            "limiting": phrase_pattern(lexicon.limiting_quantifiers),
            "soft": phrase_pattern(lexicon.soft_quantifiers),
            "hedge": phrase_pattern(lexicon.hedges),
            "criticism": phrase_pattern(lexicon.criticism),
            "adverse": phrase_pattern(lexicon.adverse),
        }
        self.criticism_res = [re.compile(p, re.IGNORECASE) for p in lexicon.criticism_patterns]
        self.quantifiers = phrase_pattern(list(lexicon.quantifier_strength))
        self.function_words = frozenset(lexicon.function_words)

    def cues(self, text: str, categories: tuple[CueCategory, ...] = (*STRONG, "soft")) -> list[Cue]:
        return list(self._cues(text, categories))

    @lru_cache(maxsize=32768)  # noqa: B019 - one Qualifier per settings, kept for the process
    def _cues(self, text: str, categories: tuple[CueCategory, ...]) -> tuple[Cue, ...]:
        found: list[Cue] = []
        for category in categories:
            pattern = self.patterns.get(category)
            if pattern is not None:
                found.extend(
                    Cue(category, m.group().lower())
                    for m in pattern.finditer(text)
                    if not (category in ("soft", "limiting") and SUPERLATIVE_BEFORE.search(text, 0, m.start()))
                    and not (category == "hedge" and COMPARATIVE_BEFORE.search(text, 0, m.start()))
                    and not (category == "criticism" and _used_as_noun(text, m.start(), m.end()))
                )
        if "criticism" in categories:
            for regex in self.criticism_res:
                found.extend(Cue("criticism", m.group().lower().strip()) for m in regex.finditer(text))
        return tuple(_unique(found))

    def quantifier_strengths(self, text: str) -> list[tuple[str, int]]:
        if self.quantifiers is None:
            return []
        table = {k.lower(): v for k, v in self.lexicon.quantifier_strength.items()}
        return [(m.group().lower(), table[re.sub(r"\s+", " ", m.group().lower())]) for m in self.quantifiers.finditer(text)]

    def is_function_only(self, words: list[str]) -> bool:
        return all(w.lower() in self.function_words for w in words)


def _unique(cues: list[Cue]) -> list[Cue]:
    seen: set[tuple[str, str]] = set()
    out = []
    for cue in cues:
        if (cue.category, cue.phrase) not in seen:
            seen.add((cue.category, cue.phrase))
            out.append(cue)
    return out


WORD = re.compile(r"[^\W\d_]+")
# 'the most vulnerable children', 'their most recent inspection': a superlative, not a quantifier
NOUN_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
NOUN_AFTER = re.compile(r"\s*(?:[,.;:)]|$|\s(?:and|or|who|whose)\b)", re.IGNORECASE)


def _used_as_noun(text: str, start: int, end: int) -> bool:
    """'shield the poor and vulnerable': an adjective standing for people, not a criticism ('the poor quality' is)."""
    return bool(NOUN_BEFORE.search(text, 0, start)) and bool(NOUN_AFTER.match(text, end))


# 'more likely to move away', '4 times as likely': a comparison the finding measures, not a hedge on it
COMPARATIVE_BEFORE = re.compile(r"\b(?:more|less|as|times|equally|twice)\s+$", re.IGNORECASE)
SUPERLATIVE_BEFORE = re.compile(r"\b(?:the|their|its|our|his|her|your|my)\s+$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2)


class Topics:
    """How much two texts share a subject: cosine of their content-word stems, each weighted by its rarity
    (inverse document frequency) among the sentences of the source, so a shared rare name counts for more
    than a shared word the whole document uses."""

    def __init__(self, sentences: list[str]) -> None:
        counts: dict[str, int] = {}
        for sentence in sentences:
            for s in content_stems(sentence):
                counts[s] = counts.get(s, 0) + 1
        self.n = max(1, len(sentences))
        self.idf = {s: math.log((self.n + 1) / (c + 0.5)) for s, c in counts.items()}
        self.unseen = math.log((self.n + 1) / 0.5)

    def weight(self, stem_: str) -> float:
        return self.idf.get(stem_, self.unseen)

    def coverage(self, a: str, b: str) -> float:
        """Share (0-1) of a's content words that b contains, each weighted by its rarity."""
        sa, sb = content_stems(a), content_stems(b)
        if not sa:
            return 0.0
        total = sum(self.weight(s) for s in sa)
        return sum(self.weight(s) for s in sa & sb) / total

    def similarity(self, a: str, b: str) -> float:
        sa, sb = content_stems(a), content_stems(b)
        if not sa or not sb:
            return 0.0
        shared = sum(self.weight(s) ** 2 for s in sa & sb)
        norm_a = math.sqrt(sum(self.weight(s) ** 2 for s in sa))
        norm_b = math.sqrt(sum(self.weight(s) ** 2 for s in sb))
        return shared / (norm_a * norm_b)


def describe(cues: list[Cue]) -> str:
    """'limits ('a small number')' — what the cues do, for an explanation."""
    strongest = next((c for cat in ("negation", "contrast", "criticism", "limiting", "hedge", "soft") for c in cues if c.category == cat), None)
    if strongest is None:
        return "qualifies"
    return CATEGORY_WORDS[strongest.category]
