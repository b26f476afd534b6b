"""Attribution's second look, once each quotation has been aligned: the names a source goes by, and quotations
credited to someone else that are, in this release, the source's own words."""

from __future__ import annotations

import re
from collections.abc import Sequence

from factcheck.config import Settings
from factcheck.quotes.attribute import CARRY_PRONOUNS, PERSON_PRONOUNS
from factcheck.text import LoadedDocument
from factcheck.text.wordforms import same_words_in_other_forms
from factcheck.types import Alignment, Quote

SIGN_OFF = re.compile(r"^\s*yours\s+(?:sincerely|faithfully|truly)\b", re.IGNORECASE | re.MULTILINE)
SHORT_NAME = re.compile(r"^[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*){0,5}$")
HEADING_LEAD = re.compile(  # 'Key findings from the DTO:' heads quotations of the DTO
    r"^(?:(?:the\s+)?(?:key|main|headline)\s+)?(?:findings|conclusions|points|messages|highlights|extracts)"
    r"\s+(?:from|of|by)\s+"
)
NAME_LINKS = frozenset({"of", "for", "and", "the", "on", "&"})


def learn_source_names(source: LoadedDocument) -> list[str]:
    """Names the source goes by, read from the document itself: its letterhead and its signatories."""
    names: list[str] = []
    lines = [line.strip() for line in source.text.splitlines() if line.strip()]
    for line in lines[:2]:
        if SHORT_NAME.match(line) and len(line) <= 60:
            names.append(line)
    sign_off = SIGN_OFF.search(source.text)
    if sign_off:
        for line in source.text[sign_off.end() :].splitlines()[:6]:
            line = line.strip(" ,")
            if line and SHORT_NAME.match(line) and len(line) <= 60:
                names.append(line)
    return list(dict.fromkeys(names))


def reattribute(quotes: Sequence[Quote], alignments: Sequence[Alignment], settings: Settings) -> list[Quote]:
    """The quotations, those credited to someone else but found to be the source's (see words_of_the_source)
    credited to the source. A name the release credits with words the source does contain is, in this release,
    the source's name (‘OIG found …’): its other quotations are checked too, not set aside as someone else's."""
    sourced = [words_of_the_source(q, a, settings) for q, a in zip(quotes, alignments)]
    confirmed = confirmed_source_keys(quotes, sourced, settings)
    return [
        q.model_copy(update={"speaker": "source"})
        if q.speaker == "other" and (found or speaker_key(q.speaker_name) in confirmed)
        else q
        for q, found in zip(quotes, sourced)
    ]


def confirmed_source_keys(quotes: Sequence[Quote], sourced: Sequence[bool], settings: Settings) -> set[str]:
    """The speaker keys (see speaker_keys) of the names credited with a quotation long enough to tell, which the
    source contains."""
    return {
        key
        for q, found in zip(quotes, sourced)
        if found and len(q.text.split()) >= settings.align.reattribute_min_words
        for key in speaker_keys(q.speaker_name)
    }


def speaker_key(name: str) -> str:
    """A speaker's name as compared across one release: 'The Ministry of Defence' and 'the Ministry of Defence'
    are one; a person's role after the comma is dropped."""
    key = " ".join(name.split(",")[0].lower().split())
    key = HEADING_LEAD.sub("", key)
    return key.removeprefix("the ")


def speaker_keys(name: str) -> set[str]:
    """A name's key and, for a name of several words, its initials with and without the linking words
    ('Office of Inspector General': 'oig'; 'Ministry of Defence': 'mod' and 'md')."""
    key = speaker_key(name)
    words = key.split()
    if len(words) < 2:
        return {key} if key and key not in CARRY_PRONOUNS | PERSON_PRONOUNS else set()
    full = "".join(w[0] for w in words if w[0].isalnum())
    content = "".join(w[0] for w in words if w not in NAME_LINKS and w[0].isalnum())
    return {key, full, content} - {""}


def words_of_the_source(quote: Quote, alignment: Alignment, settings: Settings) -> bool:
    """A quotation credited to someone else that the source nonetheless contains, nearly word for word, is the
    source's: the release is naming the source's author or publisher (‘OIG found …’, ‘HMI Jane Smith wrote …’).
    A shorter one counts only when the source has every word of it in order: a term or a phrase taken from it
    (‘broadly unaffected’), though a person is named nearby."""
    if not alignment.found:
        return False
    if len(quote.text.split()) >= settings.align.reattribute_min_words:
        return alignment.score >= settings.align.reattribute_min_score
    return all(
        op.kind == "equal"
        or (op.kind == "replace" and same_words_in_other_forms(op.source_text, op.quote_text, settings.align.fuzzy_word_ratio))
        for op in alignment.ops
    )
