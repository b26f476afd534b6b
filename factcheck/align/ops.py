"""Edit operations between a quotation and the source: word ranges on both sides, and the EditOps a report shows.

A raw operation is (kind, first quote word, end quote word, first source word, end source word), the kinds
those of EditOp: "equal", "replace", "insert" (words the release added) and "delete" (source words left out).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from factcheck.align.index import QuoteWords
from factcheck.config import Settings
from factcheck.text import LoadedDocument, TextView
from factcheck.text.wordforms import reverses
from factcheck.types import EditKind, EditOp

RawOp = tuple[EditKind, int, int, int, int]

STRENGTH_WORDS = frozenset(
    ["all", "most", "many", "some", "few", "every", "each", "none", "no", "never", "always", "often", "usually", "sometimes", "rarely", "majority", "minority", "nearly", "almost", "virtually", "several", "not"]
)

# Levenshtein's tags turn the quotation into the source; an op here says what the release did to the source
FROM_LEVENSHTEIN: dict[str, EditKind] = {"equal": "equal", "replace": "replace", "insert": "delete", "delete": "insert"}


def word_ops(qw: QuoteWords, qa: int, qb: int, sa: int, sb: int, view: TextView, settings: Settings) -> list[RawOp]:
    """Edit operations between quote words [qa, qb) and source words [sa, sb): a small word-level diff."""
    if qa == qb and sa == sb:
        return []
    if qa == qb:
        return [("delete", qa, qb, sa, sb)]
    if sa == sb:
        return [("insert", qa, qb, sa, sb)]
    if sb - sa > 4 * (qb - qa) + 20:
        return [("delete", qa, qa, sa, sb), ("insert", qa, qb, sb, sb)]
    qs = qw.words[qa:qb]
    ss = view.words[sa:sb]
    ops: list[RawOp] = []
    for op in Levenshtein.opcodes(qs, ss):
        kind = FROM_LEVENSHTEIN[op.tag]
        ops.append((kind, qa + op.src_start, qa + op.src_end, sa + op.dest_start, sa + op.dest_end))
    return ops


def edge_ops(
    qw: QuoteWords, qa: int, qb: int, s_at: int, view: TextView, leading: bool, function_words: frozenset[str]
) -> list[RawOp]:
    """Quote words before the first or after the last aligned run: matched to the adjacent source words when
    they are close (a changed first word), otherwise words the release added."""
    n = qb - qa
    if leading:
        sa, sb = max(0, s_at - n), s_at
    else:
        sa, sb = s_at, min(len(view.words), s_at + n)
    if sb - sa == n and all(
        fuzz.ratio(qw.words[qa + i], view.words[sa + i]) >= 85 and not reverses(qw.words[qa + i], view.words[sa + i]) for i in range(n)
    ):
        return [("replace", qa, qb, sa, sb)]
    anchored = _anchored_at_edge(qw, qa, qb, s_at, view, leading, function_words)
    if anchored:
        return anchored
    skipped = _skipped_at_edge(qw.words[qa:qb], s_at, view, leading, function_words)
    if skipped:  # 'It would [not] be cost-effective': the edge words are the source's, a word or two away
        if leading:
            return [("equal", qa, qb, s_at - skipped - n, s_at - skipped), ("delete", qb, qb, s_at - skipped, s_at)]
        return [("delete", qa, qa, s_at, s_at + skipped), ("equal", qa, qb, s_at + skipped, s_at + skipped + n)]
    if sb - sa == n and n <= 3 and STRENGTH_WORDS.intersection(qw.words[qa:qb]) and STRENGTH_WORDS.intersection(view.words[sa:sb]):
        return [("replace", qa, qb, sa, sb)]  # 'all pupils' for 'Most pupils': a changed quantifier, not an addition
    if sb - sa == n and n <= 3 and not function_words.intersection(qw.words[qa:qb]) and _same_sentence(view, sa, sb, leading):
        return [("replace", qa, qb, sa, sb)]  # '…leaders weakly' for '…leaders effectively': a changed last word
    near = s_at if not leading else s_at - 1  # the source word next to the aligned ones
    if n >= 2 and 0 <= near < len(view.words) and _same_sentence(view, near, near + 1, leading):
        inner = qa if not leading else qb - 1  # the quotation's edge word next to the aligned ones
        if fuzz.ratio(qw.words[inner], view.words[near]) >= 85 and not reverses(qw.words[inner], view.words[near]):  # 'patient volumes' for 'patients': changed, then added
            if leading:
                return [("insert", qa, qb - 1, near, near), ("replace", qb - 1, qb, near, near + 1)]
            return [("replace", qa, qa + 1, near, near + 1), ("insert", qa + 1, qb, near + 1, near + 1)]
    return [("insert", qa, qb, s_at, s_at)]


MAX_EDGE_REACH = 2  # source words beyond the quotation's own count that its far edge word may be found across


def _anchored_at_edge(
    qw: QuoteWords, qa: int, qb: int, s_at: int, view: TextView, leading: bool, function_words: frozenset[str]
) -> list[RawOp]:
    """The edge words when the outermost of them is the source's, a few words on in the same sentence
    ('physical activity recommendations' for 'PA recommendations'): the words between are changed, the outer
    ones equal. Empty when the outer word is a function word or is not found there."""
    n = qb - qa
    words, src = qw.words, view.words
    outer = words[qa] if leading else words[qb - 1]
    if outer in function_words:
        return []
    reach = range(1, n + MAX_EDGE_REACH + 1)
    for width in reach:  # source words from the aligned ones through the outer word
        sa, sb = (s_at - width, s_at) if leading else (s_at, s_at + width)
        if sa < 0 or sb > len(src) or src[sa if leading else sb - 1] != outer or not _same_sentence(view, sa, sb, leading):
            continue
        common = 0
        while common < min(n, width) and (
            words[qa + common] == src[sa + common] if leading else words[qb - 1 - common] == src[sb - 1 - common]
        ):
            common += 1
        if common == n:
            return []  # the words are the source's word for word: the run finder's concern, not an edit
        if leading:
            return [("equal", qa, qa + common, sa, sa + common), *_changed(qa + common, qb, sa + common, sb)]
        return [*_changed(qa, qb - common, sa, sb - common), ("equal", qb - common, qb, sb - common, sb)]
    return []


def _changed(qa: int, qb: int, sa: int, sb: int) -> list[RawOp]:
    if qa == qb:
        return [("delete", qa, qa, sa, sb)] if sa < sb else []
    if sa == sb:
        return [("insert", qa, qb, sa, sa)]
    return [("replace", qa, qb, sa, sb)]


MAX_EDGE_SKIP = 3  # source words the release may have dropped between a quotation's edge words and the rest


def _skipped_at_edge(words: list[str], s_at: int, view: TextView, leading: bool, function_words: frozenset[str]) -> int:
    """How many source words lie between the aligned words and a copy of the quotation's edge words just beyond
    them in the same source sentence (0 when there is none). One edge word must not be a function word: a lone
    'the' is found everywhere."""
    n = len(words)
    if not n or (n == 1 and words[0] in function_words):
        return 0
    src = view.words
    for skip in range(1, MAX_EDGE_SKIP + 1):
        sa = s_at - skip - n if leading else s_at + skip
        if sa < 0 or sa + n > len(src) or src[sa : sa + n] != words:
            continue
        first, last = (sa, s_at) if leading else (s_at - 1, sa + n - 1)  # the edge words through the aligned one
        if first >= 0 and not any(
            re.search(r"[.!?:;]", view.original[view.word_end[i] : view.word_start[i + 1]]) for i in range(first, last)
        ):
            return skip
    return 0


def _same_sentence(view: TextView, sa: int, sb: int, leading: bool) -> bool:
    """Whether source words [sa, sb) continue the aligned words' sentence (no full stop between)."""
    if sa >= sb or sa == 0 or sb > len(view.words):
        return False
    first, last = (sa, sb) if not leading else (sa, sb + 1)
    if last > len(view.words):
        return False
    starts, ends = view.word_start, view.word_end
    gaps = range(first, last - 1) if leading else range(first - 1, last - 1)
    source = view.original
    return not any(re.search(r"[.!?:;]", source[ends[i] : starts[i + 1]]) for i in gaps)


def split_reshaped(
    raw: list[RawOp], moved: set[int], written: list[str], source_words: list[str]
) -> tuple[list[RawOp], set[int], int]:
    """Words aligned through their source form ('planned' to the source's 'plan') are a one-word replace
    inside their run, so the assessment sees the change; also how many there are."""
    reshaped = 0
    out: list[RawOp] = []
    out_moved: set[int] = set()
    for n, (kind, qa, qb, sa, sb) in enumerate(raw):
        pieces = [(kind, qa, qb, sa, sb)]
        if kind == "equal" and any(written[qa + i] != source_words[sa + i] for i in range(qb - qa)):
            pieces, start = [], 0
            for i in range(qb - qa + 1):
                differs = i < qb - qa and written[qa + i] != source_words[sa + i]
                if i == qb - qa or differs:
                    if i > start:
                        pieces.append(("equal", qa + start, qa + i, sa + start, sa + i))
                    if differs:
                        pieces.append(("replace", qa + i, qa + i + 1, sa + i, sa + i + 1))
                        reshaped += 1
                    start = i + 1
        for piece in pieces:
            if n in moved:
                out_moved.add(len(out))
            out.append(piece)
    return out, out_moved, reshaped


def fuzzy_equal(raw: list[RawOp], qw: QuoteWords, view: TextView, settings: Settings) -> list[RawOp]:
    """A replace of words that differ only in spelling (organisation/organization) stays a replace, but one of
    identical normalised words (a case or apostrophe difference) becomes equal."""
    out = []
    for op in raw:
        kind, qa, qb, sa, sb = op
        if kind == "replace" and qb - qa == sb - sa and all(qw.words[qa + i] == view.words[sa + i] for i in range(qb - qa)):
            op = ("equal", qa, qb, sa, sb)
        out.append(op)
    return out


def to_edit(op: RawOp, qw: QuoteWords, release: LoadedDocument, view: TextView, source: LoadedDocument, total: int) -> EditOp:
    kind, qa, qb, sa, sb = op
    if qb > qa:
        q_start, q_end = qw.starts[qa], qw.ends[qb - 1]
    else:
        q_start = q_end = qw.ends[qa - 1] if qa > 0 else qw.starts[0]
    if sb > sa:
        s_start, s_end = view.word_start[sa], view.word_end[sb - 1]
    else:
        s_start = s_end = view.word_end[sa - 1] if sa > 0 else 0
    if kind == "delete":
        marked = qa < len(qw.ellipsis_before) and qw.ellipsis_before[qa] or (qa == total and qw.ellipsis_after_end)
    elif kind in ("insert", "replace"):
        marked = all(qw.bracketed[qa:qb])
    else:
        marked = False
    return EditOp(
        kind=kind,
        quote_start=q_start,
        quote_end=q_end,
        source_start=s_start,
        source_end=s_end,
        quote_text=release.text[q_start:q_end],
        source_text=source.text[s_start:s_end],
        marked=bool(marked),
        edge=qa == 0 or qb == total,
    )
