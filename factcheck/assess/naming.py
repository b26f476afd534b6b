"""How a release names the source and introduces its words, for telling its claims about the source apart.

These build the same patterns as factcheck/quotes/extract.py's `_alias_pattern` and `_speech_verb_pattern`
(copied exactly), so that this package imports no private name; when the extract stage exports them, claims.py
can import them from there and this module can go."""

from __future__ import annotations

import re
from functools import lru_cache

from factcheck.config import Settings

DOCUMENT_NOUNS = (
    "report|reports|review|study|strategy|plan|paper|letter|audit|inspection|evaluation|survey|analysis|assessment|"
    "document|findings|summary|research team|research|researchers|authors|investigation|inquiry|judgement|judgment|"
    "statement|publication|article|white paper|guidance|framework"
)


def speech_verb_pattern(settings: Settings) -> re.Pattern[str]:
    """Any of the lexicon's speech verbs ('said', 'found', 'concluded') as a whole word, the longest first."""
    return _speech_verbs(tuple(settings.lexicon.speech_verbs))


@lru_cache(maxsize=8)
def _speech_verbs(verbs_given: tuple[str, ...]) -> re.Pattern[str]:
    verbs = sorted(verbs_given, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(v) for v in verbs) + r")(?![\w-])", re.IGNORECASE)


def alias_pattern(names: list[str]) -> re.Pattern[str]:
    """Names of the source: the given ones, and any 'the … report/study/strategy/research team' (a document
    or its authors named by what it is)."""
    return _aliases(tuple(sorted({n.strip().lower() for n in names if n.strip()}, key=lambda n: (-len(n), n))))


@lru_cache(maxsize=64)
def _aliases(names: tuple[str, ...]) -> re.Pattern[str]:
    folded = [re.escape(n).replace("'", "['\u2019]").replace("\\'", "['\u2019]") for n in names]
    document = r"(?:the|this|its|their|a|an)\s+(?:[\w\u2019'-]+\s+){0,3}?(?:" + DOCUMENT_NOUNS + r")"
    return re.compile(r"(?<!\w)(?:" + "|".join([*folded, document]) + r")(?!\w)", re.IGNORECASE)
