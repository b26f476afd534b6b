"""Is a quotation cut from a sentence that qualifies it? A clause cut from the end ('…, but not yet
consistently'), a concession it was taken from ('for all the “energy”, the audience had been shortchanged'),
or an opening cut from the start ('Most children …'), unless the release carries the qualifier itself."""

from __future__ import annotations

import re

from factcheck.assess.problems import Problem, in_quotes, is_critical, reported_by, sentence_bounds
from factcheck.assess.qualify import Cue, CueCategory, Qualifier, Topics, describe
from factcheck.config import Settings
from factcheck.text import LoadedDocument, stem
from factcheck.types import Alignment, Quote

CONCESSIVE_OPENING = re.compile(
    r"(?:while|whilst|although|though|even though|even if|despite|in spite of|whereas|notwithstanding|for all)\b", re.IGNORECASE
)
# A clause cut from the end of a sentence that opens like this contrasts with what was quoted.
CUT_CONTRAST_OPENING = re.compile(
    r"(?:but|however|although|though|yet|except|unless|while|whilst|whereas|albeit|despite|in spite of|apart from"
    r"|other than|save for|notwithstanding|only)\b",
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

CARRIED_CATEGORIES: tuple[CueCategory, ...] = ("negation", "hedge", "limiting", "soft")  # a release may keep these in words of its own
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


def not_carried(cues: list[Cue], release_words: str, qualifier: Qualifier) -> list[Cue]:
    """The cues the release does not carry itself beside the quotation: 'the Bureau said that Sandy did not
    “substantively impact …”' keeps the source's 'did not' outside the marks, and 'vaping might “desensitise”'
    keeps the source's hedge ('may') in a word of its own."""
    if not cues or not release_words:
        return cues
    said = " " + " ".join(stem(w) for w in re.findall(r"[\w'\u2019-]+", release_words.lower())) + " "
    kept = {c.category for c in qualifier.cues(release_words, CARRIED_CATEGORIES)}
    return [c for c in cues if f" {_stems(c.phrase)} " not in said and c.category not in kept]


def _stems(phrase: str) -> str:
    """A phrase as the stems of its words: 'requires improvement' is carried by 'require improvement'."""
    return " ".join(stem(w) for w in re.findall(r"[\w'\u2019-]+", phrase.lower()))


def truncation_problems(
    alignment: Alignment,
    quote: Quote,
    release: LoadedDocument,
    source: LoadedDocument,
    settings: Settings,
    qualifier: Qualifier,
    topics: Topics,
    grades: frozenset[str],
) -> list[Problem]:
    first, last = sentence_bounds(source, alignment)
    text = source.text
    quoted = text[alignment.source_start : alignment.source_end]
    # Source words the release replaced at its edges ('Most' written as 'all') are changed, not cut.
    placed = [op for op in alignment.ops if not op.moved and op.kind != "insert"]
    reach_start = min([alignment.source_start, *(op.source_start for op in placed)])
    reach_end = max([alignment.source_end, *(op.source_end for op in placed)])
    problems = []
    after = text[reach_end : source.sentences[last].end].strip()
    # the release may carry a cut qualifier in its own words on either side: 'the services “require improvement
    # to be good” around “children who need help and protection”'
    beside = f"{release_before(release.text, quote)} {release_after(release.text, quote)}"
    after_cues = not_carried(cut_qualifiers(after, quoted, qualifier, grades), beside, qualifier)
    if after_cues:
        problems.append(
            Problem(
                "truncated", "high" if any(c.category in ("contrast", "negation", "criticism") for c in after_cues) else "medium",
                f"The quotation stops before the rest of the source sentence, {in_quotes(after)}, which {describe(after_cues)} it.",
                [after],
            )
        )
    before = text[source.sentences[first].start : reach_start].strip()
    main_clause = main_clause_after_concession(before, after, quoted, qualifier)
    if main_clause and not reported_by(main_clause, release, topics, settings.assess.context_reported_coverage):
        problems.append(
            Problem(
                "truncated", "high",
                f"The quotation is what the source concedes ({in_quotes(before.split(',')[-1].strip() + ' …', 40)}); "
                f"the sentence goes on to say {in_quotes(main_clause)}, which the release leaves out.",
                [main_clause],
            )
        )
        return problems
    before_cues = not_carried(lead_qualifiers(before, qualifier), beside, qualifier)
    if before_cues:
        problems.append(
            Problem(
                "truncated", "high" if any(c.category == "negation" for c in before_cues) else "medium",
                f"The quotation starts after {in_quotes(before)}, the opening of the source sentence, which {describe(before_cues)} it.",
                [before],
            )
        )
    return problems


def main_clause_after_concession(before: str, after: str, quoted: str, qualifier: Qualifier) -> str:
    """When the quotation sits inside a concession ('for all the “energy, razzmatazz and technical wizardry”,
    the audience had been shortchanged'), the main clause that follows is what the sentence asserts."""
    breaks = list(LEAD_CLAUSE_BREAK.finditer(before))
    last_clause = before[breaks[-1].end() :].strip() if breaks else LINKING_OPENING.sub("", before, count=1)
    if not CONCESSIVE_OPENING.match(last_clause) or is_critical(qualifier, quoted):
        return ""
    clause_break = CLAUSE_BREAK.search(after)
    main = after[clause_break.end() :].strip() if clause_break else ""
    return main if len(main.split()) >= MIN_MAIN_CLAUSE_WORDS else ""


def lead_qualifiers(before: str, qualifier: Qualifier) -> list[Cue]:
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
    return qualifier.cues(same_clause, ("negation", "limiting", "soft", "hedge"))


def cut_qualifiers(after: str, quoted: str, qualifier: Qualifier, grades: frozenset[str]) -> list[Cue]:
    """Cues in the words cut from the end of a sentence that change what the quoted part says: a clause that
    opens with a contrast ('…, but not yet consistently'), or a limit, hedge or negation in the clause the
    quotation belongs to ('… for most pupils'). A later clause that only explains ('…, because assessments
    are late') qualifies nothing, and criticism cut from a quotation that is itself critical does not soften it."""
    rest = after.lstrip(" ,;:)]\"'\u2019\u201d\u2013\u2014-")
    if not any(ch.isalnum() for ch in rest) or rest.strip(" .").lower() in grades:
        return []  # nothing left, or a grade in the next cell of a judgements table ('Overall effectiveness Good')
    opening = CUT_CONTRAST_OPENING.match(rest)
    if opening:
        return [Cue("contrast", opening.group().lower()), *qualifier.cues(rest, ("negation", "limiting", "hedge"))]
    clause_break = CLAUSE_BREAK.search(after)
    same_clause = after[: clause_break.start()] if clause_break else after
    categories: tuple[CueCategory, ...] = ("negation", "limiting", "soft", "hedge")
    if not is_critical(qualifier, quoted):
        categories += ("criticism",)
    return qualifier.cues(same_clause, categories)
