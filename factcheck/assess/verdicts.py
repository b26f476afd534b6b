"""Judge an aligned quotation: verbatim, a minor edit, or one of the ways a quotation misleads."""

from __future__ import annotations

from factcheck.assess.context import context_problem, omitted_context
from factcheck.assess.edits import edit_problems
from factcheck.assess.notfound import SourceVocabulary, not_found, other_speaker, someone_elses
from factcheck.assess.problems import Problem, quote_fields
from factcheck.assess.qualify import Qualifier, Topics
from factcheck.assess.truncation import truncation_problems
from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.text.abbreviations import defined_abbreviations
from factcheck.types import SEVERITY_ORDER, Alignment, ContextNote, Quote, QuoteFinding, Severity, Verdict

VERDICT_PRIORITY = ["altered", "elided", "truncated", "context_omitted", "not_in_source", "minor_edit", "verbatim"]


class Assessor:
    """Judges the quotations of releases against one source; built once per source."""

    def __init__(self, source: LoadedDocument, settings: Settings) -> None:
        self.source = source
        self.settings = settings
        self.q = Qualifier(settings.lexicon)
        self.topics = Topics([source.text[s.start : s.end] for s in source.sentences])
        self.grades = frozenset(g.lower() for g in settings.lexicon.grades)
        self.vocabulary = SourceVocabulary(source)
        self.abbreviations = defined_abbreviations(source.text)

    def assess(self, quote: Quote, alignment: Alignment | None, release: LoadedDocument) -> QuoteFinding:
        base = quote_fields(quote)
        if quote.speaker == "other":
            return other_speaker(quote, base)
        if alignment is None or not alignment.found:
            return not_found(quote, alignment, base, self.source, self.settings, self.vocabulary)
        if not quote.credited and (
            alignment.score < self.settings.align.reattribute_min_score
            or (alignment.score < 100 and len(quote.text.split()) < self.settings.assess.context_min_words)
        ):
            return someone_elses(alignment, base, "the source has only some of them")
        grade = quote.text.strip(" .,;:").lower() in self.grades  # a grade quoted alone names the grade: a label
        problems = edit_problems(alignment, release.text, self.source, self.settings, self.q, self.abbreviations)
        if not grade:
            problems += truncation_problems(
                alignment, quote, release, self.source, self.settings, self.q, self.topics, self.grades
            )
        context: list[ContextNote] = []
        long_enough = len(quote.text.split()) >= self.settings.assess.context_min_words
        if long_enough and not any(p.verdict in ("altered", "elided", "truncated") for p in problems):
            context = omitted_context(quote, alignment, release, self.source, self.settings, self.q, self.topics)
            if context:
                problems.append(context_problem(context, alignment))
        verdict, severity, explanation, omitted = decide(problems)
        return QuoteFinding(
            **base, verdict=verdict, severity=severity, score=alignment.score,
            source_start=alignment.source_start, source_end=alignment.source_end,
            source_text=self.source.text[alignment.source_start : alignment.source_end],
            omitted=omitted, explanation=explanation, edits=alignment.ops, context=context,
        )


FURTHER_SHOWN = 2  # further problems named in the explanation; the rest are counted


def _not_repeating(top: Problem, rest: list[Problem]) -> list[Problem]:
    """The further problems that are not the top one seen another way (the same words, cut and changed)."""
    seen = {" ".join(o.lower().split()) for o in top.omitted}
    further: list[Problem] = []
    for problem in rest:
        words = {" ".join(o.lower().split()) for o in problem.omitted}
        if words and words <= seen:
            continue
        seen |= words
        further.append(problem)
    return further


def decide(problems: list[Problem]) -> tuple[Verdict, Severity, str, list[str]]:
    """The verdict of the worst problem (by severity, then by VERDICT_PRIORITY), counting the rest; a list of
    the minor edits when there is nothing worse; verbatim when there is nothing at all."""
    flagged = [p for p in problems if p.verdict != "minor_edit"]
    if flagged:
        flagged.sort(key=lambda p: (-SEVERITY_ORDER[p.severity], VERDICT_PRIORITY.index(p.verdict)))
        top = flagged[0]
        further = _not_repeating(top, flagged[1:])
        omitted = list(dict.fromkeys([*top.omitted, *(o for p in further for o in p.omitted)]))
        more = "".join(f" Also: {p.explanation}" for p in further[:FURTHER_SHOWN])
        if len(further) > FURTHER_SHOWN:
            more += f" ({len(further) - FURTHER_SHOWN} more in the edits.)"
        return top.verdict, top.severity, top.explanation + more, omitted
    if problems:
        changes = list(dict.fromkeys(p.explanation for p in problems))
        listed = "; ".join(changes[:4])
        omitted = [o for p in problems for o in p.omitted]
        return "minor_edit", "none", f"The quotation matches the source apart from {listed}, which does not change its meaning.", omitted
    return "verbatim", "none", "The quotation matches the source word for word.", []
