"""Judge the edit operations between a quotation and its source passage: words dropped, added or replaced,
and passages stitched together."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise

from rapidfuzz import fuzz

from factcheck.assess.problems import Problem, cue_list, in_quotes
from factcheck.assess.qualify import STRONG, CueCategory, Qualifier, describe
from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.text.abbreviations import same_with_abbreviations
from factcheck.text.wordforms import reverses, same_words_in_other_forms
from factcheck.text.wordforms import words as word_list
from factcheck.types import Alignment, EditOp, Severity

OMISSION_CATEGORIES: tuple[CueCategory, ...] = (*STRONG, "soft")
ELLIPSIS_JOIN = re.compile(r"\u2026|\.\s?\.\s?\.")


def edit_problems(
    alignment: Alignment,
    release_text: str,
    source: LoadedDocument,
    settings: Settings,
    qualifier: Qualifier,
    abbreviations: Mapping[str, str] | None = None,
) -> list[Problem]:
    """One problem (or minor edit) for each edit operation, one for stitched passages, one for changed capitals;
    `abbreviations` are those the source defines ({'pa': 'physical activity'})."""
    problems: list[Problem] = []
    moved = [op for op in alignment.ops if op.moved and op.kind == "equal"]
    if moved:
        problems.append(stitched(moved, alignment, release_text))
    spelt = abbreviation_changes(alignment.ops, abbreviations or {})
    for ops in spelt:
        said = " ".join(op.source_text for op in ops if op.source_text)
        written = " ".join(op.quote_text for op in ops if op.quote_text)
        problems.append(Problem("minor_edit", "none", f"{in_quotes(written, 40)} for the source's {in_quotes(said, 40)}"))
    handled = {id(op) for ops in spelt for op in ops}
    for ops in changed_runs(alignment.ops, handled):  # 'didn’t' for 'did not': two words changed, one form
        said = source.text[ops[0].source_start : ops[-1].source_end]
        written = release_text[ops[0].quote_start : ops[-1].quote_end]
        if same_words_in_other_forms(said, written, settings.align.fuzzy_word_ratio) and not reverses(said, written):
            problems.append(Problem("minor_edit", "none", f"the form {in_quotes(written, 40)} for {in_quotes(said, 40)}"))
            handled |= {id(op) for op in ops}
    for op in alignment.ops:
        if op.kind == "equal" or (op.moved and op.kind == "insert") or id(op) in handled:
            continue
        if op.kind == "delete":
            problems.append(deletion(op, qualifier))
        elif op.kind == "insert":
            problems.append(insertion(op, alignment, source, settings, qualifier))
        else:
            problems.append(replacement(op, settings, qualifier))
    if alignment.case_changes:
        problems.append(Problem("minor_edit", "none", "a change of capital letters"))
    return problems


def abbreviation_changes(ops: list[EditOp], abbreviations: Mapping[str, str]) -> list[list[EditOp]]:
    """Runs of adjacent changes that only spell out or shorten an abbreviation the source defines ('PA' replaced
    by 'physical' and 'activity' added)."""
    if not abbreviations:
        return []
    runs: list[list[EditOp]] = []
    run: list[EditOp] = []
    for op in [*ops, None]:
        if op is not None and op.kind != "equal" and not op.moved and (not run or op.quote_start - run[-1].quote_end <= 1):
            run.append(op)
            continue
        said = " ".join(o.source_text for o in run if o.source_text)
        written = " ".join(o.quote_text for o in run if o.quote_text)
        if run and same_with_abbreviations(said, written, abbreviations):
            runs.append(run)
        run = [op] if op is not None and op.kind != "equal" and not op.moved else []
    return runs


def changed_runs(ops: list[EditOp], handled: set[int]) -> list[list[EditOp]]:
    """Runs of two or more adjacent replacements, in the quotation and in the source, not yet judged."""
    runs: list[list[EditOp]] = []
    run: list[EditOp] = []
    for op in [*ops, None]:
        if (
            op is not None and op.kind == "replace" and not op.moved and id(op) not in handled
            and (not run or op.quote_start - run[-1].quote_end <= 1 and op.source_start - run[-1].source_end <= 1)
        ):
            run.append(op)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = [op] if op is not None and op.kind == "replace" and not op.moved and id(op) not in handled else []
    return runs


def stitched(moved: list[EditOp], alignment: Alignment, release_text: str) -> Problem:
    """Part of the quotation comes from elsewhere in the source: joined on silently, put in a different
    order, or joined after an ellipsis (a minor edit when the order is the source's)."""
    pieces = [op for op in alignment.ops if op.kind == "equal"]
    silent, reordered = [], []
    for before, after in pairwise(pieces):
        if not (before.moved or after.moved):
            continue
        if after.source_start < before.source_end:
            reordered.append(after)
        elif not ELLIPSIS_JOIN.search(release_text[before.quote_end : after.quote_start]):
            silent.append(after)
    if not silent and not reordered:
        return Problem("minor_edit", "none", f"an ellipsis joining {in_quotes(moved[0].source_text, 50)} from further on")
    if reordered:
        return Problem(
            "elided", "medium",
            f"The quotation puts {in_quotes(reordered[0].source_text)} after words that follow it in the source, "
            "joining separate passages in a different order.",
        )
    return Problem(
        "elided", "medium",
        f"The quotation joins {in_quotes(silent[0].source_text)}, from another part of the source, without marking "
        "the join, so separate passages read as one.",
    )


def deletion(op: EditOp, qualifier: Qualifier) -> Problem:
    omitted = op.source_text
    cues = qualifier.cues(omitted, OMISSION_CATEGORIES)
    words = omitted.split()
    if op.marked:
        if cues:
            return Problem(
                "elided", "medium",
                f"The ellipsis stands for {in_quotes(omitted)}, which {describe(cues)} what is quoted ({cue_list(cues)}).",
                [omitted],
            )
        return Problem("minor_edit", "none", f"a marked ellipsis over {in_quotes(omitted, 60)}", [omitted])
    if not cues and qualifier.is_function_only([w.strip(".,;:") for w in words]):
        return Problem("minor_edit", "none", f"the dropped word(s) {in_quotes(omitted)}", [omitted])
    if len(words) <= 2 and any(c.category == "negation" for c in cues):
        return Problem(
            "altered", "high",
            f"The release drops {in_quotes(omitted)} from inside the quotation, which reverses what the source says.",
            [omitted],
        )
    severity: Severity = "high" if cues else "medium"
    why = f", which {describe(cues)} what is quoted" if cues else ""
    return Problem(
        "elided", severity,
        f"The release silently drops {in_quotes(omitted)} from inside the quotation{why}, with no ellipsis to show it.",
        [omitted],
    )


def insertion(op: EditOp, alignment: Alignment, source: LoadedDocument, settings: Settings, qualifier: Qualifier) -> Problem:
    added = op.quote_text
    words = [w.strip(".,;:") for w in added.split()]
    cues = qualifier.cues(added, ("negation", "limiting", "soft", "hedge", "contrast"))
    strength = qualifier.quantifier_strengths(added)
    if op.marked and not cues and not strength:
        return Problem("minor_edit", "none", f"the bracketed insertion {in_quotes(added, 60)}")
    limit = settings.assess.max_edge_function_words
    reshaped = edge_source_words(op, len(word_list(added)), alignment, source) if op.edge and not op.marked else ""
    if reshaped and not cues and not strength and same_words_in_other_forms(reshaped, added, settings.align.fuzzy_word_ratio):
        return Problem("minor_edit", "none", f"the form {in_quotes(added, 40)} for {in_quotes(reshaped, 40)}")
    if not op.marked and not cues and len(words) <= limit and qualifier.is_function_only(words):
        where = "at the start" if op.edge and op.source_start <= op.quote_start else "to fit the sentence"
        return Problem("minor_edit", "none", f"{in_quotes(added, 40)} added {where}")
    if not op.marked and not cues and not strength and len(words) <= limit and _repeats_the_quotation(words, alignment):
        return Problem("minor_edit", "none", f"{in_quotes(added, 40)} repeated from the quotation's own words")
    return Problem(
        "altered", "high" if cues or strength else "medium",
        f"The release adds {in_quotes(added)}, which the source does not say.",
    )


def _repeats_the_quotation(words: list[str], alignment: Alignment) -> bool:
    """Whether every added word is one the quotation already has from the source ('high volumes of patient
    volumes'): a slip that says nothing new."""
    quoted = {w.lower() for op in alignment.ops if op.kind == "equal" for w in word_list(op.quote_text)}
    return bool(words) and all(w.lower() in quoted for w in words)


def edge_source_words(op: EditOp, count: int, alignment: Alignment, source: LoadedDocument) -> str:
    """The source's words just beyond an edge insertion, within its sentence, as many as it has: where the
    release's 'a home' may stand for the source's 'homes'."""
    sentence = source.sentences[source.sentence_at(op.source_start)]
    text = source.text
    if op.source_start <= alignment.source_start:
        preceding = text[sentence.start : op.source_start].split()
        return " ".join(preceding[-count:]) if count and preceding else ""
    following = text[op.source_start : sentence.end].split()
    return " ".join(following[:count]).rstrip(".,;:!?") if count else ""


def replacement(op: EditOp, settings: Settings, qualifier: Qualifier) -> Problem:
    said, written = op.source_text, op.quote_text
    src_q = qualifier.quantifier_strengths(said)
    rel_q = qualifier.quantifier_strengths(written)
    if src_q != rel_q and (src_q or rel_q):
        return Problem(
            "altered", "high",
            f"The source says {in_quotes(said)} where the release has {in_quotes(written)}, which changes how many it claims.",
        )
    same_words = same_words_in_other_forms(said, written, settings.align.fuzzy_word_ratio)
    # 't' for 'not' (the tail of 'didn’t') is the same word, though only one of them reads as a negation
    negated = bool(qualifier.cues(said, ("negation",))) != bool(qualifier.cues(written, ("negation",))) and not same_words
    if negated:
        return Problem("altered", "high", f"The source says {in_quotes(said)} where the release has {in_quotes(written)}, reversing it.")
    if fuzz.ratio(said.lower(), written.lower()) >= settings.align.fuzzy_word_ratio and not reverses(said, written):
        return Problem("minor_edit", "none", f"the spelling {in_quotes(written, 40)} for {in_quotes(said, 40)}")
    if op.marked:
        return Problem("minor_edit", "none", f"the bracketed {in_quotes(written, 60)} for {in_quotes(said, 60)}")
    if same_words:
        return Problem("minor_edit", "none", f"the form {in_quotes(written, 40)} for {in_quotes(said, 40)}")
    return Problem(
        "altered", "medium",
        f"The source says {in_quotes(said)} where the release has {in_quotes(written)}.",
    )
