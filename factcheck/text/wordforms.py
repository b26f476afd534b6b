"""Whether two runs of words say the same thing in other forms: tense, number, a pronoun changed to fit the
release's sentence, British or American spelling, a typo, an article dropped or added."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?|\d+(?:[.,]\d+)*%?")
ARTICLES = frozenset({"a", "an", "the"})
PRONOUNS = frozenset(
    ["it", "its", "they", "their", "them", "theirs", "he", "him", "his", "she", "her", "hers", "we", "our", "us", "ours", "you", "your", "yours", "this", "these", "that", "those"]
)
AUXILIARIES = frozenset(["am", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "will", "would", "shall"])
# British and American spellings of one word reduce to one form (organisation/organization, centre/center,
# colour/color, programme/program, analyse/analyze, travelled/traveled).
SPELLING_RULES = (
    (re.compile(r"is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"our(s|ed|ing|ite|ful|able)?$"), r"or\1"),
    (re.compile(r"([^aeiou])re(s|d)?$"), r"\1er\2"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"mme(s)?$"), r"m\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
    (re.compile(r"ae"), "e"),
    (re.compile(r"oe"), "e"),
)
MIN_TYPO_LENGTH = 6  # shorter words are too often other words one letter apart ('form', 'from')


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)  # a pure function called for every word of every source: Snowball is slow in Python
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem: continue, continued and continues share one."""
    return str(_stemmer().stemWord(word.lower()))


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    word = word.lower()
    for pattern, replacement in SPELLING_RULES:
        word = pattern.sub(replacement, word)
    return word


def words(text: str) -> list[str]:
    return [w.lower().replace("\u2019", "'") for w in WORD.findall(text)]


# What a contraction's tail stands for, as the word tokenizer leaves it ('I’m' → 'i', 'm').
CONTRACTIONS = {"m": {"am"}, "s": {"is", "has"}, "re": {"are"}, "ve": {"have"}, "ll": {"will", "shall"},
                "d": {"would", "had"}, "t": {"not"}, "nt": {"not"}}


NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        ]
    )
}


# 'inadequate' is no typo of 'adequate': a prefix that negates or reverses the word it is on
REVERSING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "non-", "dis", "mis", "de", "anti", "counter")


def reverses(a: str, b: str) -> bool:
    """One word is the other with a prefix that negates or reverses it ('inadequate', 'adequate')."""
    a, b = a.lower(), b.lower()
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 3 and long.endswith(short) and long[: len(long) - len(short)] in REVERSING_PREFIXES


def same_word(a: str, b: str, typo_ratio: float) -> bool:
    """One word in two forms: the same stem, the same word spelt the British or American way, a typo of a
    long word, or one pronoun for another."""
    if a == b or stem(a) == stem(b) or american(a) == american(b) or stem(american(a)) == stem(american(b)):
        return True
    if a in PRONOUNS and b in PRONOUNS:
        return True
    if b in CONTRACTIONS.get(a, ()) or a in CONTRACTIONS.get(b, ()):
        return True
    if NUMBER_WORDS.get(a, a) == NUMBER_WORDS.get(b, b):  # 'two months' for '2 months'
        return True
    if a[:1].isdigit() or b[:1].isdigit():
        return False
    return min(len(a), len(b)) >= MIN_TYPO_LENGTH and fuzz.ratio(a, b) >= typo_ratio and not reverses(a, b)


ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")


def _acronyms_spelt_out(said: str, written: str) -> tuple[list[str], list[str]]:
    """Both texts' words, with an acronym on one side matched to the words it stands for on the other ('PA' for
    'physical activity') taken out of both."""
    a, b = said.split(), written.split()
    for short, long in ((a, b), (b, a)):
        for i, token in enumerate(list(short)):
            letters = token.strip(".,;:()").rstrip("s")
            if not ACRONYM.match(letters):
                continue
            initials = [w[:1].lower() for w in long]
            for j in range(len(long) - len(letters) + 1):
                if "".join(initials[j : j + len(letters)]) == letters.lower():
                    del long[j : j + len(letters)]
                    short[i] = ""
                    break
    return [w for w in a if w], [w for w in b if w]


def same_words_in_other_forms(said: str, written: str, typo_ratio: float) -> bool:
    """The release's words are the source's in other forms, word for word in order once articles and
    auxiliary verbs are set aside ('help them find homes' / 'help them find a home'; 'have made' / 'made')."""
    said_left, written_left = _acronyms_spelt_out(said, written)
    if not said_left and not written_left:
        return bool(said.strip()) and bool(written.strip())
    said_words, written_words = _expanded(words(" ".join(said_left))), _expanded(words(" ".join(written_left)))
    a = [w for w in said_words if w not in ARTICLES and w not in AUXILIARIES and w not in CONTRACTIONS]
    b = [w for w in written_words if w not in ARTICLES and w not in AUXILIARIES and w not in CONTRACTIONS]
    if not a and not b:  # 'is' for the tokenizer's 's' of 'it's', 'was' for 'is': the verb's form only
        return bool(said_words) and bool(written_words)
    if not a or len(a) != len(b):
        return False
    return all(same_word(x, y, typo_ratio) for x, y in zip(a, b))


def _expanded(tokens: list[str]) -> list[str]:
    """'it's' → 'it', 'is'; 'didn't' → 'did', 'not': contractions as the words they stand for."""
    out: list[str] = []
    for token in tokens:
        if token in ("t", "nt"):  # the tail of 'didn’t', split off by the word tokenizer
            out.append("not")
        elif token.endswith("n't"):
            out.extend([token[:-3] if token[:-3] not in ("ca", "wo") else {"ca": "can", "wo": "will"}[token[:-3]], "not"])
        elif "'" in token:
            head, tail = token.split("'", 1)
            out.extend([head, min(CONTRACTIONS.get(tail, {tail}))])
        else:
            out.append(token)
    return out
