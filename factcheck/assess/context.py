"""Does the source qualify a quotation in the sentences around it, and does the release leave that out?"""

from __future__ import annotations

import re

from factcheck.assess.problems import Problem, in_quotes, is_critical, reported_by, sentence_bounds
from factcheck.assess.qualify import Cue, CueCategory, Qualifier, Topics, content_stems, describe
from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.types import Alignment, ContextNote, Quote

CONTEXT_CATEGORIES: tuple[CueCategory, ...] = ("contrast", "negation", "limiting", "criticism")
# A sentence opening like this contrasts with the one before it.
LINKING_CONTRAST = re.compile(
    r"(?:however|but|yet|nevertheless|nonetheless|that said|even so|in contrast|on the other hand|conversely"
    r"|although|though|despite this|despite these)\b",
    re.IGNORECASE,
)

# 'We asked people not to meet loved ones', 'not only … but': a 'not' that denies nothing the quotation says
NOT_A_DENIAL = re.compile(r"\bnot\s+(?=to\b|only\b)", re.IGNORECASE)

# 'All other children …' after 'Children at immediate risk of harm receive …': a neighbour that turns to another
# group of what the quoted sentence is about
OTHER_GROUP = re.compile(r"(?:all\s+|the\s+|most\s+)?(?:other|remaining)\s+(\w+)", re.IGNORECASE)
OPENING_QUOTES = " \"'\u201c\u2018"


def omitted_context(
    quote: Quote,
    alignment: Alignment,
    release: LoadedDocument,
    source: LoadedDocument,
    settings: Settings,
    qualifier: Qualifier,
    topics: Topics,
) -> list[ContextNote]:
    """Neighbouring sentences of the same paragraph that limit, contrast with or negate the very claim the
    release makes with the quotation, and that the release does not report itself.

    A neighbour after the quotation qualifies it when it opens with a contrast ('However, …') or carries a
    limit, negation or criticism; one before it, only when it criticises or negates and the quoted sentence
    answers it ('However, the service is improving'). Against a quotation that is itself bad news, only a
    contrast or a negation counts: a second criticism beside a first does not soften or reverse it."""
    cfg = settings.assess
    first, last = sentence_bounds(source, alignment)
    sentences = source.sentences
    paragraph = sentences[first].paragraph
    notes: list[ContextNote] = []
    candidates = list(range(last + 1, last + 1 + cfg.context_window))
    candidates += list(range(first - 1, first - 1 - cfg.context_window, -1))
    quoted = quote.text
    critical_quote = is_critical(qualifier, quoted)
    quoted_sentence = source.text[sentences[first].start : sentences[first].end]
    answers_before = bool(LINKING_CONTRAST.match(quoted_sentence.lstrip(OPENING_QUOTES)))
    if release_answers(quote, release, qualifier, topics, cfg.context_min_topic):
        return []
    turned: set[bool] = set()  # the sides (after: True) on which the source has turned to another group
    for index in candidates:
        if not 0 <= index < len(sentences) or sentences[index].paragraph != paragraph:
            continue
        after = index > last
        if after in turned:
            continue
        distance = abs(index - (last if after else first))
        sentence = sentences[index]
        text = source.text[sentence.start : sentence.end]
        opens_with_contrast = after and distance == 1 and bool(LINKING_CONTRAST.match(text.lstrip(OPENING_QUOTES)))
        if after and not opens_with_contrast and turns_to_another_group(text, quoted_sentence):
            turned.add(after)  # it, and what follows it, speak of the others, not of what is quoted
            continue
        # a contrast inside the neighbour ('In all scenarios except …') relates its own parts, not the quotation
        cues = [
            c for c in qualifier.cues(NOT_A_DENIAL.sub("", text), CONTEXT_CATEGORIES)
            if c.category != "contrast" or opens_with_contrast
        ]
        if critical_quote:
            counted = cues if opens_with_contrast else [c for c in cues if c.category in ("contrast", "negation")] if after else []
        elif after:
            counted = cues
        else:
            counted = [c for c in cues if c.category in ("negation", "criticism")] if answers_before else []
        if not counted:
            continue
        decay = cfg.context_decay[min(distance, len(cfg.context_decay)) - 1]
        topic = topics.similarity(quoted, text) * decay
        # 'However, there has been a decline …' straight after a quoted finding answers it, whatever words they share
        answers = opens_with_contrast and not critical_quote and any(c.category != "contrast" for c in counted)
        if not (topic >= cfg.context_min_topic or (opens_with_contrast and topic > 0) or answers):
            continue
        if reported_by(text, release, topics, cfg.context_reported_coverage):
            continue
        notes.append(
            ContextNote(
                source_start=sentence.start, source_end=sentence.end, text=text,
                cues=[f"{c.category}:{c.phrase}" for c in counted], topic=round(topic, 3),
            )
        )
    notes.sort(key=lambda n: -n.topic)
    return notes


def turns_to_another_group(text: str, quoted_sentence: str) -> bool:
    """The sentence opens on the other members of a group the quoted sentence names ('All other children'
    after 'Children at immediate risk of harm …'), so it says nothing of those the quotation is about."""
    match = OTHER_GROUP.match(text.lstrip(OPENING_QUOTES))
    return match is not None and bool(content_stems(match.group(1)) & content_stems(quoted_sentence))


def release_answers(quote: Quote, release: LoadedDocument, qualifier: Qualifier, topics: Topics, min_topic: float) -> bool:
    """The release itself follows the quotation with a sentence that contrasts with it and limits or denies
    it, on its subject ('That said, the findings make clear that it isn't necessarily a safer world for
    everyone'): it gives the reader the caveat in its own words."""
    after = release.sentence_at(max(quote.start, quote.end - 1)) + 1
    if after >= len(release.sentences):
        return False
    sentence = release.sentences[after]
    text = release.text[sentence.start : sentence.end]
    return (
        bool(LINKING_CONTRAST.match(text.lstrip(OPENING_QUOTES)))
        and bool(qualifier.cues(NOT_A_DENIAL.sub("", text), ("negation", "limiting", "hedge")))
        and topics.similarity(quote.text, text) >= min_topic
    )


def context_problem(notes: list[ContextNote], alignment: Alignment) -> Problem:
    """The problem the most topical of the omitted neighbours makes: high when it negates or contrasts with a
    quotation it shares much of its subject with."""
    note = notes[0]
    what = describe([Cue.parse(c) for c in note.cues])
    return Problem(
        "context_omitted",
        "high" if any(c.startswith(("negation", "contrast")) for c in note.cues) and note.topic >= 0.3 else "medium",
        f"{'The source goes on to say' if note.source_start >= alignment.source_end else 'Just before this, the source says'} "
        f"{in_quotes(note.text)}, which {what} what is quoted, but the release leaves it out.",
        [n.text for n in notes],
    )
