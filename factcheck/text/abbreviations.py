"""Abbreviations a document defines ('physical activity (PA)'), so a quotation that spells one out, or
shortens the long form, keeps the source's meaning."""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFINED = re.compile(r"\(([A-Z][A-Za-z]{1,7}?)(s?)\)")
WORD = re.compile(r"[\w’'-]+")
SKIPPED = frozenset({"of", "and", "the", "for", "in", "on", "to", "&"})  # 'Care Quality Commission (CQC)'


def defined_abbreviations(text: str) -> dict[str, str]:
    """Each abbreviation defined in `text` by a parenthesis after its long form, lower-cased: {'pa': 'physical
    activity'}. The long form is the run of words before the parenthesis whose initials spell it."""
    found: dict[str, str] = {}
    for match in DEFINED.finditer(text):
        letters = match.group(1).lower()
        if not any(c.isupper() for c in match.group(1)[1:]) and len(letters) > 3:
            continue  # '(Smith)', '(England)': a name in brackets, not an abbreviation
        before = WORD.findall(text[max(0, match.start() - 120) : match.start()])
        long_form = _spelt_by(before, letters)
        if long_form:
            found.setdefault(letters, long_form)
    return found


def _spelt_by(words: list[str], letters: str) -> str:
    """The shortest run of words ending `words` whose initials (skipping small words inside) are `letters`."""
    for size in range(len(letters), min(len(words), 2 * len(letters)) + 1):
        run = words[-size:]
        initials = "".join(w[0].lower() for i, w in enumerate(run) if i == 0 or w.lower() not in SKIPPED)
        if initials == letters:
            return " ".join(w.lower() for w in run)
    return ""


def same_with_abbreviations(said: str, written: str, abbreviations: Mapping[str, str]) -> bool:
    """Whether two stretches of words differ only by abbreviations the source defines, spelt out or shortened
    ('PA recommendations' and 'physical activity recommendations')."""
    if not abbreviations:
        return False

    def expanded(text: str) -> list[str]:
        out: list[str] = []
        for word in WORD.findall(text.lower()):
            out.extend(abbreviations.get(word, abbreviations.get(word.rstrip("s"), word)).split())
        return out

    said_words, written_words = expanded(said), expanded(written)
    return bool(said_words) and said_words == written_words and said.lower().split() != written.lower().split()
