"""Judge an aligned quotation: verbatim, a minor edit, or one of the ways a quotation misleads."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.assess.qualify import STRONG, Cue, Qualifier, Topics, describe, stem
from factcheck.types import SEVERITY_ORDER, Alignment, ContextNote, EditOp, Quote, QuoteFinding
from factcheck.text import same_words_in_other_forms
from factcheck.text import words as word_list

CONTEXT_CATEGORIES = ("contrast", "negation", "limiting", "criticism")
OMISSION_CATEGORIES = STRONG + ("soft",)
ELLIPSIS_JOIN = re.compile(r"\u2026|\.\s?\.\s?\.")
CONCESSIVE_OPENING = re.compile(
    r"(?:while|whilst|although|though|even though|even if|despite|in spite of|whereas|notwithstanding|for all)\b", re.IGNORECASE
)
# A clause cut from the end of a sentence that opens like this contrasts with what was quoted.
CUT_CONTRAST_OPENING = re.compile(
    r"(?:but|however|although|though|yet|except|unless|while|whilst|whereas|albeit|despite|in spite of|apart from"
    r"|other than|save for|notwithstanding|only)\b",
    re.IGNORECASE,
)
# A sentence opening like this contrasts with the one before it.
LINKING_CONTRAST = re.compile(
    r"(?:however|but|yet|nevertheless|nonetheless|that said|even so|in contrast|on the other hand|conversely"
    r"|although|though|despite this|despite these)\b",
    re.IGNORECASE,
)
# A word opening a sentence that links it to the one before rather than qualifying what follows.
LINKING_OPENING = re.compile(
    r"^(?:however|but|yet|and|also|moreover|furthermore|nevertheless|nonetheless|in addition|additionally|equally|"
    r"similarly|likewise|indeed|overall|in summary|in conclusion|finally|first|second|third)\b,?\s*",
    re.IGNORECASE,
)
MIN_MAIN_CLAUSE_WORDS = 3  # a main clause cut after a conceded quotation is at least a subject and a verb
MAX_MAIN_CLAUSE_LEAD = 3  # words of the main clause a quotation may leave out after a concession ('…, OIG has found')
# Where the clause a quotation continues begins, looking back from it.
LEAD_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\s(?:and|or|but|while|whereas|which|because|since|that)\s", re.IGNORECASE)
# Where the clause a quotation belongs to ends: a comma or stronger stop (a comma before 'and' or 'which' too).
CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|(?:^|\s)(?:and|or|while|whereas|which|because|since)\s(?!all\b|most\b|some\b)", re.IGNORECASE)
MAX_RESHAPED_WORDS = 2  # a quoted word or two the source uses in another form is flagged low, not high
MIN_RESHAPED_LENGTH = 5  # shorter words share their starts with too many others
VERDICT_PRIORITY = ["altered", "elided", "truncated", "context_omitted", "not_in_source", "minor_edit", "verbatim"]


@dataclass
class Problem:
    verdict: str
    severity: str
    explanation: str
    omitted: list[str] = field(default_factory=list)


def _quoted(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return "\u2018" + text + "\u2019"


def _cue_list(cues: list[Cue]) -> str:
    return ", ".join(_quoted(c.phrase) for c in cues[:3])


CARRIED_CATEGORIES = ("negation", "hedge", "limiting", "soft")  # a release may keep these in words of its own
RELEASE_CONTEXT_WORDS = 15  # how far either side of a quotation the release may carry words it cut from it
SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z\u2018\u201c'\"])|\n\s*\n")


def release_before(release_text: str, quote: Quote) -> str:
    """The release's own words just before a quotation, in its sentence."""
    opening = max(0, quote.start - 1)
    lead = release_text[max(0, opening - 400) : opening]
    lead = SENTENCE_END.split(lead)[-1]
    return " ".join(lead.split()[-RELEASE_CONTEXT_WORDS:])


def release_after(release_text: str, quote: Quote) -> str:
    """The release's own words just after a quotation, in its sentence."""
    tail = release_text[quote.end + 1 : quote.end + 400]
    tail = SENTENCE_END.split(tail)[0]
    return " ".join(tail.split()[:RELEASE_CONTEXT_WORDS])


def _not_carried(cues: list[Cue], release_words: str, qualifier: Qualifier) -> list[Cue]:
    """The cues the release does not carry itself beside the quotation: 'the Bureau said that Sandy did not
    “substantively impact …”' keeps the source's 'did not' outside the marks, and 'vaping might “desensitise”'
    keeps the source's hedge ('may') in a word of its own."""
    if not cues or not release_words:
        return cues
    said = " " + " ".join(re.findall(r"[\w'\u2019-]+", release_words.lower())) + " "
    kept = {c.category for c in qualifier.cues(release_words, CARRIED_CATEGORIES)}
    return [c for c in cues if f" {c.phrase.lower()} " not in said and c.category not in kept]


class Assessor:
    def __init__(self, source: LoadedDocument, settings: Settings) -> None:
        self.source = source
        self.settings = settings
        self.q = Qualifier(settings.lexicon)
        self.topics = Topics([source.text[s.start : s.end] for s in source.sentences])
        self.grades = frozenset(g.lower() for g in settings.lexicon.grades)
        self._source_words: list[str] | None = None

    def assess(self, quote: Quote, alignment: Alignment | None, release: LoadedDocument) -> QuoteFinding:
        base = dict(
            text=quote.text, start=quote.start, end=quote.end, parts=quote.parts, kind=quote.kind,
            speaker=quote.speaker, speaker_name=quote.speaker_name, frame=quote.frame, unclosed=quote.unclosed,
        )
        if quote.speaker == "other":
            who = quote.speaker_name or "another speaker"
            return QuoteFinding(
                **base, verdict="other_speaker", severity="none", score=0.0, source_start=-1, source_end=-1,
                source_text="", omitted=[], edits=[],
                explanation=f"These are the words of {who}, not of the source, so they are not checked against it.",
            )
        if alignment is None or not alignment.found:
            return self._not_found(quote, alignment, base)
        if not quote.credited and (
            alignment.score < self.settings.align.reattribute_min_score
            or (alignment.score < 100 and len(quote.text.split()) < self.settings.assess.context_min_words)
        ):
            return self._someone_elses(quote, alignment, base, "the source has only some of them")
        grade = quote.text.strip(" .,;:").lower() in self.grades  # a grade quoted alone names the grade: a label
        problems = self._edit_problems(alignment, release.text) + ([] if grade else self._truncation(alignment, quote, release.text))
        context: list[ContextNote] = []
        long_enough = len(quote.text.split()) >= self.settings.assess.context_min_words
        if long_enough and not any(p.verdict in ("altered", "elided", "truncated") for p in problems):
            context = self._context(quote, alignment, release)
            if context:
                note = context[0]
                what = describe([Cue(c.split(":")[0], c.split(":")[1]) for c in note.cues])
                problems.append(
                    Problem(
                        "context_omitted",
                        "high" if any(c.startswith(("negation", "contrast")) for c in note.cues) and note.topic >= 0.3 else "medium",
                        f"{'The source goes on to say' if note.source_start >= alignment.source_end else 'Just before this, the source says'} "
                        f"{_quoted(note.text)}, which {what} what is quoted, but the release leaves it out.",
                        [n.text for n in context],
                    )
                )
        verdict, severity, explanation, omitted = self._decide(problems, alignment)
        return QuoteFinding(
            **base, verdict=verdict, severity=severity, score=alignment.score,  # type: ignore[arg-type]
            source_start=alignment.source_start, source_end=alignment.source_end,
            source_text=self.source.text[alignment.source_start : alignment.source_end],
            omitted=omitted, explanation=explanation, edits=alignment.ops, context=context,
        )

    def _not_found(self, quote: Quote, alignment: Alignment | None, base: dict) -> QuoteFinding:  # type: ignore[type-arg]
        nearest = alignment.nearest_similarity if alignment else None
        start = alignment.source_start if alignment else -1
        end = alignment.source_end if alignment else -1
        source_text = self.source.text[start:end] if start >= 0 else ""
        if not quote.credited:
            return self._someone_elses(quote, alignment, base, "they are not in the source")
        if nearest is not None and nearest >= self.settings.assess.paraphrase_similarity and source_text:
            return QuoteFinding(
                **base, verdict="altered", severity="high", score=alignment.score if alignment else 0.0,
                source_start=start, source_end=end, source_text=source_text, omitted=[], edits=[],
                explanation=(
                    f"The source does not say these words; the nearest passage, {_quoted(source_text)}, says something "
                    f"similar in other words, so the quotation marks present a paraphrase as the source's words."
                ),
            )
        severity = "low" if quote.kind == "term" else "high"
        near = f" The closest passage is {_quoted(source_text)}." if source_text and nearest is not None else ""
        relatives = self._related_source_words(quote.text)
        if relatives:  # ‘neurotic’ tendencies, from a paper on neuroticism: a word of the source's, reshaped
            severity = "low"
            near = f" The source uses {', '.join(_quoted(w) for w in relatives)}."
        return QuoteFinding(
            **base, verdict="not_in_source", severity=severity, score=alignment.score if alignment else 0.0,
            source_start=-1, source_end=-1, source_text="", omitted=[], edits=alignment.ops if alignment else [],
            explanation=f"These words do not appear in the source.{near}",
        )

    def _someone_elses(self, quote: Quote, alignment: Alignment | None, base: dict, why: str) -> QuoteFinding:  # type: ignore[type-arg]
        """A quotation the release credits to no one by name, that the source does not hold whole: a phrase of
        someone else's (a slogan, a treaty's words), not checked rather than flagged."""
        return QuoteFinding(
            **{**base, "speaker": "other"}, verdict="other_speaker", severity="none",
            score=alignment.score if alignment else 0.0, source_start=-1, source_end=-1, source_text="", omitted=[],
            edits=[],
            explanation=f"The release credits these words to no one by name and {why}, so they are taken as someone else's and not checked.",
        )

    def _related_source_words(self, text: str) -> list[str]:
        """For a quotation of one or two words, other forms of each of them that the source uses (the same
        stem, or one word the start of the other: 'neurotic', 'neuroticism'); empty unless every word has one."""
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
        if not words or len(words) > MAX_RESHAPED_WORDS:
            return []
        if self._source_words is None:
            self._source_words = sorted(set(self.source.view.words))
        found: list[str] = []
        for word in words:
            if len(word) < MIN_RESHAPED_LENGTH:
                return []
            at = bisect_left(self._source_words, word[:MIN_RESHAPED_LENGTH])
            related = []
            for other in self._source_words[at:]:
                if not other.startswith(word[:MIN_RESHAPED_LENGTH]):
                    break
                if other != word and (other.startswith(word) or word.startswith(other) or stem(other) == stem(word)):
                    related.append(other)
            if not related:
                return []
            found.append(min(related, key=lambda w: (abs(len(w) - len(word)), w)))
        return found

    def _edit_problems(self, alignment: Alignment, release_text: str) -> list[Problem]:
        problems: list[Problem] = []
        moved = [op for op in alignment.ops if op.moved and op.kind == "equal"]
        if moved:
            problems.append(self._stitched(moved, alignment, release_text))
        for op in alignment.ops:
            if op.kind == "equal" or (op.moved and op.kind == "insert"):
                continue
            if op.kind == "delete":
                problems.append(self._deletion(op))
            elif op.kind == "insert":
                problems.append(self._insertion(op, alignment))
            else:
                problems.append(self._replacement(op))
        if alignment.case_changes:
            problems.append(Problem("minor_edit", "none", "a change of capital letters"))
        return problems

    def _stitched(self, moved: list[EditOp], alignment: Alignment, release_text: str) -> Problem:
        """Part of the quotation comes from elsewhere in the source: joined on silently, put in a different
        order, or joined after an ellipsis (a minor edit when the order is the source's)."""
        pieces = [op for op in alignment.ops if op.kind == "equal"]
        silent, reordered = [], []
        for before, after in zip(pieces, pieces[1:]):
            if not (before.moved or after.moved):
                continue
            if after.source_start < before.source_end:
                reordered.append(after)
            elif not ELLIPSIS_JOIN.search(release_text[before.quote_end : after.quote_start]):
                silent.append(after)
        if not silent and not reordered:
            return Problem("minor_edit", "none", f"an ellipsis joining {_quoted(moved[0].source_text, 50)} from further on")
        if reordered:
            return Problem(
                "elided", "medium",
                f"The quotation puts {_quoted(reordered[0].source_text)} after words that follow it in the source, "
                "joining separate passages in a different order.",
            )
        return Problem(
            "elided", "medium",
            f"The quotation joins {_quoted(silent[0].source_text)}, from another part of the source, without marking "
            "the join, so separate passages read as one.",
        )

    def _deletion(self, op: EditOp) -> Problem:
        omitted = op.source_text
        cues = self.q.cues(omitted, OMISSION_CATEGORIES)
        words = omitted.split()
        if op.marked:
            if cues:
                return Problem(
                    "elided", "medium",
                    f"The ellipsis stands for {_quoted(omitted)}, which {describe(cues)} what is quoted ({_cue_list(cues)}).",
                    [omitted],
                )
            return Problem("minor_edit", "none", f"a marked ellipsis over {_quoted(omitted, 60)}", [omitted])
        if not cues and self.q.is_function_only([w.strip(".,;:") for w in words]):
            return Problem("minor_edit", "none", f"the dropped word(s) {_quoted(omitted)}", [omitted])
        if len(words) <= 2 and any(c.category == "negation" for c in cues):
            return Problem(
                "altered", "high",
                f"The release drops {_quoted(omitted)} from inside the quotation, which reverses what the source says.",
                [omitted],
            )
        severity = "high" if cues else "medium"
        why = f", which {describe(cues)} what is quoted" if cues else ""
        return Problem(
            "elided", severity,
            f"The release silently drops {_quoted(omitted)} from inside the quotation{why}, with no ellipsis to show it.",
            [omitted],
        )

    def _insertion(self, op: EditOp, alignment: Alignment) -> Problem:
        added = op.quote_text
        words = [w.strip(".,;:") for w in added.split()]
        cues = self.q.cues(added, ("negation", "limiting", "soft", "hedge", "contrast"))
        strength = self.q.quantifier_strengths(added)
        if op.marked and not cues and not strength:
            return Problem("minor_edit", "none", f"the bracketed insertion {_quoted(added, 60)}")
        limit = self.settings.assess.max_edge_function_words
        reshaped = self._edge_source_words(op, len(word_list(added)), alignment) if op.edge and not op.marked else ""
        if reshaped and not cues and not strength and same_words_in_other_forms(reshaped, added, self.settings.align.fuzzy_word_ratio):
            return Problem("minor_edit", "none", f"the form {_quoted(added, 40)} for {_quoted(reshaped, 40)}")
        if not op.marked and not cues and len(words) <= limit and self.q.is_function_only(words):
            where = "at the start" if op.edge and op.source_start <= op.quote_start else "to fit the sentence"
            return Problem("minor_edit", "none", f"{_quoted(added, 40)} added {where}")
        return Problem(
            "altered", "high" if cues or strength else "medium",
            f"The release adds {_quoted(added)}, which the source does not say.",
        )

    def _edge_source_words(self, op: EditOp, count: int, alignment: Alignment) -> str:
        """The source's words just beyond an edge insertion, within its sentence, as many as it has: where the
        release's 'a home' may stand for the source's 'homes'."""
        sentence = self.source.sentences[self.source.sentence_at(op.source_start)]
        text = self.source.text
        if op.source_start <= alignment.source_start:
            preceding = text[sentence.start : op.source_start].split()
            return " ".join(preceding[-count:]) if count and preceding else ""
        following = text[op.source_start : sentence.end].split()
        return " ".join(following[:count]).rstrip(".,;:!?") if count else ""

    def _replacement(self, op: EditOp) -> Problem:
        said, written = op.source_text, op.quote_text
        from rapidfuzz import fuzz

        src_q = self.q.quantifier_strengths(said)
        rel_q = self.q.quantifier_strengths(written)
        if src_q != rel_q and (src_q or rel_q):
            return Problem(
                "altered", "high",
                f"The source says {_quoted(said)} where the release has {_quoted(written)}, which changes how many it claims.",
            )
        negated = bool(self.q.cues(said, ("negation",))) != bool(self.q.cues(written, ("negation",)))
        if negated:
            return Problem("altered", "high", f"The source says {_quoted(said)} where the release has {_quoted(written)}, reversing it.")
        if fuzz.ratio(said.lower(), written.lower()) >= self.settings.align.fuzzy_word_ratio:
            return Problem("minor_edit", "none", f"the spelling {_quoted(written, 40)} for {_quoted(said, 40)}")
        if op.marked:
            return Problem("minor_edit", "none", f"the bracketed {_quoted(written, 60)} for {_quoted(said, 60)}")
        if same_words_in_other_forms(said, written, self.settings.align.fuzzy_word_ratio):
            return Problem("minor_edit", "none", f"the form {_quoted(written, 40)} for {_quoted(said, 40)}")
        return Problem(
            "altered", "medium",
            f"The source says {_quoted(said)} where the release has {_quoted(written)}.",
        )

    def _sentence_bounds(self, alignment: Alignment) -> tuple[int, int]:
        first = self.source.sentence_at(alignment.source_start)
        last = self.source.sentence_at(max(alignment.source_start, alignment.source_end - 1))
        return first, last

    def _truncation(self, alignment: Alignment, quote: Quote, release_text: str) -> list[Problem]:
        first, last = self._sentence_bounds(alignment)
        text = self.source.text
        quoted = text[alignment.source_start : alignment.source_end]
        problems = []
        after = text[alignment.source_end : self.source.sentences[last].end].strip()
        after_cues = _not_carried(self._cut_qualifiers(after, quoted), release_after(release_text, quote), self.q)
        if after_cues:
            problems.append(
                Problem(
                    "truncated", "high" if any(c.category in ("contrast", "negation", "criticism") for c in after_cues) else "medium",
                    f"The quotation stops before the rest of the source sentence, {_quoted(after)}, which {describe(after_cues)} it.",
                    [after],
                )
            )
        before = text[self.source.sentences[first].start : alignment.source_start].strip()
        main_clause = self._main_clause_after_concession(before, after, quoted)
        if main_clause and not self._reported_in(main_clause, release_text):
            problems.append(
                Problem(
                    "truncated", "high",
                    f"The quotation is what the source concedes ({_quoted(before.split(',')[-1].strip() + ' …', 40)}); "
                    f"the sentence goes on to say {_quoted(main_clause)}, which the release leaves out.",
                    [main_clause],
                )
            )
            return problems
        before_cues = _not_carried(self._lead_qualifiers(before, quoted), release_before(release_text, quote), self.q)
        if before_cues:
            problems.append(
                Problem(
                    "truncated", "high" if any(c.category == "negation" for c in before_cues) else "medium",
                    f"The quotation starts after {_quoted(before)}, the opening of the source sentence, which {describe(before_cues)} it.",
                    [before],
                )
            )
        return problems

    def _main_clause_after_concession(self, before: str, after: str, quoted: str) -> str:
        """When the quotation sits inside a concession ('for all the “energy, razzmatazz and technical wizardry”,
        the audience had been shortchanged'), the main clause that follows is what the sentence asserts."""
        breaks = list(LEAD_CLAUSE_BREAK.finditer(before))
        last_clause = before[breaks[-1].end() :].strip() if breaks else LINKING_OPENING.sub("", before, count=1)
        if not CONCESSIVE_OPENING.match(last_clause) or self._critical(quoted):
            return ""
        clause_break = CLAUSE_BREAK.search(after)
        main = after[clause_break.end() :].strip() if clause_break else ""
        return main if len(main.split()) >= MIN_MAIN_CLAUSE_WORDS else ""

    def _reported_in(self, text: str, release_text: str) -> bool:
        threshold = self.settings.assess.context_reported_coverage
        return any(self.topics.coverage(text, part) >= threshold for part in release_text.split("\n\n"))

    def _lead_qualifiers(self, before: str, quoted: str) -> list[Cue]:
        """Cues in the words cut from the start of a sentence that qualify the quoted part: a concessive opening
        ('Although losses are recognised, …') or a limit, hedge or negation in the clause the quotation continues
        ('Most children …', 'did not …'). A linking word opening the sentence ('However, …') points back to the
        sentence before, and a label before a colon ('Overall effectiveness: …') is not a clause."""
        if before.endswith(":") or not any(ch.isalnum() for ch in before):
            return []
        unlinked = LINKING_OPENING.sub("", before, count=1)
        concession = CONCESSIVE_OPENING.match(unlinked)
        # the quotation must open the main clause the concession governs, not sit inside the concession ('While
        # some services are "strong", …') nor in a later clause ('While …, there has been …, and this "is leading …"')
        if concession:
            clause_break = LEAD_CLAUSE_BREAK.search(unlinked, concession.end())
            if clause_break and len(unlinked[clause_break.end() :].split()) <= MAX_MAIN_CLAUSE_LEAD:
                return [Cue("contrast", concession.group().lower())]
            return []
        breaks = list(LEAD_CLAUSE_BREAK.finditer(unlinked))
        same_clause = unlinked[breaks[-1].end() :] if breaks else unlinked
        return self.q.cues(same_clause, ("negation", "limiting", "soft", "hedge"))

    def _cut_qualifiers(self, after: str, quoted: str) -> list[Cue]:
        """Cues in the words cut from the end of a sentence that change what the quoted part says: a clause that
        opens with a contrast ('…, but not yet consistently'), or a limit, hedge or negation in the clause the
        quotation belongs to ('… for most pupils'). A later clause that only explains ('…, because assessments
        are late') qualifies nothing, and criticism cut from a quotation that is itself critical does not soften it."""
        rest = after.lstrip(" ,;:)]\"'\u2019\u201d\u2013\u2014-")
        if not any(ch.isalnum() for ch in rest) or rest.strip(" .").lower() in self.grades:
            return []  # nothing left, or a grade in the next cell of a judgements table ('Overall effectiveness Good')
        opening = CUT_CONTRAST_OPENING.match(rest)
        if opening:
            return [Cue("contrast", opening.group().lower()), *self.q.cues(rest, ("negation", "limiting", "hedge"))]
        same_clause = after[: CLAUSE_BREAK.search(after).start()] if CLAUSE_BREAK.search(after) else after
        categories: tuple[str, ...] = ("negation", "limiting", "soft", "hedge")
        if not self._critical(quoted):
            categories += ("criticism",)
        return self.q.cues(same_clause, categories)

    def _critical(self, text: str) -> bool:
        """The quotation reports something bad: a criticism, a negation, or an adverse outcome ('damages')."""
        return bool(self.q.cues(text, ("criticism", "negation", "adverse")))

    def _context(self, quote: Quote, alignment: Alignment, release: LoadedDocument) -> list[ContextNote]:
        """Neighbouring sentences of the same paragraph that limit, contrast with or negate the very claim the
        release makes with the quotation, and that the release does not report itself.

        A neighbour after the quotation qualifies it when it opens with a contrast ('However, …') or carries a
        limit, negation or criticism; one before it, only when it criticises or negates and the quoted sentence
        answers it ('However, the service is improving'). Against a quotation that is itself bad news, only a
        contrast or a negation counts: a second criticism beside a first does not soften or reverse it."""
        cfg = self.settings.assess
        first, last = self._sentence_bounds(alignment)
        sentences = self.source.sentences
        paragraph = sentences[first].paragraph
        notes: list[ContextNote] = []
        candidates = list(range(last + 1, last + 1 + cfg.context_window))
        candidates += list(range(first - 1, first - 1 - cfg.context_window, -1))
        quoted = quote.text
        critical_quote = self._critical(quoted)
        quoted_sentence = self.source.text[sentences[first].start : sentences[first].end]
        answers_before = bool(LINKING_CONTRAST.match(quoted_sentence.lstrip(" \"'\u201c\u2018")))
        for index in candidates:
            if not 0 <= index < len(sentences) or sentences[index].paragraph != paragraph:
                continue
            after = index > last
            distance = abs(index - (last if after else first))
            sentence = sentences[index]
            text = self.source.text[sentence.start : sentence.end]
            opens_with_contrast = after and distance == 1 and bool(LINKING_CONTRAST.match(text.lstrip(" \"'\u201c\u2018")))
            # a contrast inside the neighbour ('In all scenarios except …') relates its own parts, not the quotation
            cues = [c for c in self.q.cues(text, CONTEXT_CATEGORIES) if c.category != "contrast" or opens_with_contrast]
            if critical_quote:
                counted = cues if opens_with_contrast else [c for c in cues if c.category in ("contrast", "negation")] if after else []
            elif after:
                counted = cues
            else:
                counted = [c for c in cues if c.category in ("negation", "criticism")] if answers_before else []
            if not counted:
                continue
            decay = cfg.context_decay[min(distance, len(cfg.context_decay)) - 1]
            topic = self.topics.similarity(quoted, text) * decay
            # 'However, there has been a decline …' straight after a quoted finding answers it, whatever words they share
            answers = opens_with_contrast and not critical_quote and any(c.category != "contrast" for c in counted)
            if not (topic >= cfg.context_min_topic or (opens_with_contrast and topic > 0) or answers):
                continue
            if self._reported_by(text, release):
                continue
            notes.append(
                ContextNote(
                    source_start=sentence.start, source_end=sentence.end, text=text,
                    cues=[f"{c.category}:{c.phrase}" for c in counted], topic=round(topic, 3),
                )
            )
        notes.sort(key=lambda n: -n.topic)
        return notes

    def _reported_by(self, text: str, release: LoadedDocument) -> bool:
        """The release reports this sentence itself, in its own words or in quotes: most of its content words
        (weighted by rarity) are in one release paragraph and the next."""
        threshold = self.settings.assess.context_reported_coverage
        paragraphs = release.paragraphs
        return any(  # a release often spreads one point over two short paragraphs
            self.topics.coverage(text, release.text[a.start : b.end]) >= threshold
            for a, b in zip(paragraphs, [*paragraphs[1:], paragraphs[-1]])
        )

    def _decide(self, problems: list[Problem], alignment: Alignment) -> tuple[str, str, str, list[str]]:
        flagged = [p for p in problems if p.verdict != "minor_edit"]
        if flagged:
            flagged.sort(key=lambda p: (-SEVERITY_ORDER[p.severity], VERDICT_PRIORITY.index(p.verdict)))
            top = flagged[0]
            omitted = list(dict.fromkeys([*top.omitted, *(o for p in flagged[1:] for o in p.omitted)]))
            extra = len(flagged) - 1
            more = f" ({extra} further problem{'s' if extra > 1 else ''} listed in the edits.)" if extra else ""
            return top.verdict, top.severity, top.explanation + more, omitted
        if problems:
            changes = list(dict.fromkeys(p.explanation for p in problems))
            listed = "; ".join(changes[:4])
            omitted = [o for p in problems for o in p.omitted]
            return "minor_edit", "none", f"The quotation matches the source apart from {listed}, which does not change its meaning.", omitted
        return "verbatim", "none", "The quotation matches the source word for word.", []
