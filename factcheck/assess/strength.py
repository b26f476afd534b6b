"""How strongly a claim says what its evidence says: reversed by a negation or an opposite word, a hedge dropped,
an association stated as a cause. Each check reads the claim and its best source passage (figures and
quantifiers are compared in claims.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from factcheck.assess.qualify import Qualifier
from factcheck.config import Lexicon


@dataclass
class Strength:
    """What the checks found: reasons the claim is only partly supported, and why it is contradicted (if it is)."""

    problems: list[str] = field(default_factory=list)
    contradiction: str = ""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()))


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(r"\b" + re.escape(phrase) + r"\b", text, re.IGNORECASE) is not None


SUBJECT_REACH = 4  # words either side of two opposite words that must share a content word: the same thing
# Words that say how much of something, not what: 'low levels of fitness' and 'high levels of inspiration' are
# about different things though both are 'levels'.
MEASURE_WORDS = frozenset({
    "level", "levels", "rate", "rates", "number", "numbers", "proportion", "share", "amount", "amounts", "degree",
    "quality", "standard", "standards", "risk", "risks", "scale", "extent", "percentage", "figure", "figures",
})
# A clause about an earlier time ('Since the last inspection in 2015, where services were rated as good'):
# an opposite word there describes the past, not what the claim says now.
EARLIER_TIME = re.compile(r"\b(?:last|previous|previously|prior|earlier|formerly|once|since|(?:in|from) (?:19|20)\d\d)\b", re.IGNORECASE)


def _near(text: str, phrase: str) -> set[str]:
    """Content words within SUBJECT_REACH words of the phrase."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())
    first = phrase.lower().split()[0]
    near: set[str] = set()
    for i, word in enumerate(words):
        if word == first:
            near.update(w for w in words[max(0, i - SUBJECT_REACH) : i + SUBJECT_REACH + 1] if len(w) > 3)
    return near - set(phrase.lower().split()) - MEASURE_WORDS


def _same_subject(claim: str, written: str, sentence: str, said: str) -> bool:
    """'take-up … is high' against 'take-up … remains too low': the opposite words describe the same thing."""
    return bool(_near(claim, written) & _near(sentence, said))


CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\b(?:while|whereas|although|but)\b", re.IGNORECASE)
NEGATED_CLAUSE_SHARE = 0.5  # of a negated source clause's content words the claim must hold for it to be the same statement


def _mostly_in(clause: str, claim: str) -> bool:
    """Whether the claim holds most of the clause's content words: a negation in that clause is about what the
    claim says ('the council did not publish its accounts'), not about something else in the sentence ('there
    are no details of specific events in the report, I accept its findings')."""
    words = {w for w in _words(clause) if len(w) > 3}
    if not words:
        return True
    claimed = {w for w in _words(claim) if len(w) > 3}
    stems = {w[:5] for w in claimed}
    shared = sum(1 for w in words if w in claimed or w[:5] in stems)
    return shared / len(words) >= NEGATED_CLAUSE_SHARE


def _said_of_an_earlier_time(said: str, sentence: str, claim: str) -> bool:
    """Whether the source's opposite word sits in a clause about an earlier time the claim does not name."""
    clauses = [c for c in CLAUSE_BREAK.split(sentence) if c and _phrase_in(said, c)]
    return bool(clauses) and all(EARLIER_TIME.search(c) or EARLIER_TIME.search(sentence.split(",")[0]) for c in clauses) and not EARLIER_TIME.search(claim)


# a share of a group given as a figure: '37% of households', 'a third of buyers', 'more than half'
SHARE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:%|per\s?cent\b|percent\b)|\b(?:a|one|two)\s+(?:third|quarter|fifth|half)s?\b|\bhalf\b",
    re.IGNORECASE,
)
WHOLE = frozenset({0, 6})  # 'none', 'all': a negation there is about the whole group


def _parts(text: str, qualifier: Qualifier) -> set[str]:
    """The parts of a group the text speaks of ('many', '37%'), leaving out the whole ('all', 'none')."""
    shares = {re.sub(r"\s+", " ", m.group().lower()) for m in SHARE.finditer(text)}
    return shares | {word for word, strength in qualifier.quantifier_strengths(text) if strength not in WHOLE}


def _different_parts(claim: str, sentence: str, qualifier: Qualifier) -> bool:
    """Claim and source speak of different parts of a group ('37% would not have been able to buy a home
    without it'; 'many would have been able to buy a home anyway'): one negated and one not, both can be true."""
    claimed, said = _parts(claim, qualifier), _parts(sentence, qualifier)
    return bool(claimed) and bool(said) and not claimed & said


def _closest_sentence(claim: str, evidence: str) -> str:
    """The evidence sentence sharing most words with the claim: where its polarity is read."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", evidence) if s.strip()] or [evidence]
    words = _words(claim)
    return max(sentences, key=lambda s: (len(words & _words(s)), -sentences.index(s)))


def strength(
    claim: str, evidence: str, qualifier: Qualifier, lexicon: Lexicon, *, close: bool = True, polarity_of: str = ""
) -> Strength:
    """The strength checks of a claim against its evidence (empty evidence: nothing to compare). `close`: the
    evidence holds most of the claim's words, so a negation on one side only reverses it; on looser evidence a
    negation is too often about something else in the sentence to count. `polarity_of`: the release's text whose
    negation counts (its whole sentence, quoted words included), when it is more than the claim."""
    found = Strength()
    if not evidence.strip():
        return found
    sentence = _closest_sentence(claim, evidence)
    negated_claim = bool(qualifier.cues(polarity_of or claim, ("negation",)))
    negated_source = any(
        qualifier.cues(clause, ("negation",)) and _mostly_in(clause, claim) for clause in CLAUSE_BREAK.split(sentence)
    )
    if close and negated_claim != negated_source and not _different_parts(claim, sentence, qualifier):
        found.contradiction = "one of them is negated and the other is not"
    for first, second in lexicon.antonyms:
        for said, written in ((first, second), (second, first)):
            if (
                _phrase_in(written, claim) and _phrase_in(said, sentence) and not _phrase_in(written, evidence)
                and not _phrase_in(said, claim)  # 'inadequate … to be good' holds both words: no reversal to read
                and _same_subject(claim, written, sentence, said)
                and not _said_of_an_earlier_time(said, sentence, claim)
            ):
                found.contradiction = found.contradiction or f"the source says {said!r} where the release says {written!r}"
    hedges = [c.phrase for c in qualifier.cues(sentence, ("hedge",))]
    if hedges and not qualifier.cues(claim, ("hedge",)):
        found.problems.append(f"the source hedges it ({hedges[0]!r}) and the release does not")
    associated = [p for p in lexicon.association_phrases if _phrase_in(p, sentence)]
    causal = [p for p in lexicon.causal_phrases if _phrase_in(p, claim)]
    if associated and causal and not any(_phrase_in(p, sentence) for p in causal):
        found.problems.append(f"the source reports an association ({associated[0]!r}); the release states a cause ({causal[0]!r})")
    return found
