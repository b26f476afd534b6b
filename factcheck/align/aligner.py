"""Align a quotation to the source: find where its words come from and list the edits between the two.

Exact runs of shared words are seeded from the source's index (factcheck.align.index), extended, and chained in
order with a cost for each stretch of source left out; the stretches between runs become edit operations
(factcheck.align.ops).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from factcheck.align.index import MAX_SEED_HITS, QuoteWords, SourceIndex, form_key, quote_words
from factcheck.align.ops import RawOp, edge_ops, fuzzy_equal, split_reshaped, to_edit, word_ops
from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.types import Alignment, Quote

SUBSTITUTION_WORDS = 3  # words changed in place, on both sides, that count as a substitution rather than a gap
MAX_FORM_MATCH_WORDS = 6  # a quotation this short with no exact run of words is looked for by word forms


@dataclass
class Run:
    q: int  # first quote word
    s: int  # first source word
    n: int  # length

    @property
    def q_end(self) -> int:
        return self.q + self.n

    @property
    def s_end(self) -> int:
        return self.s + self.n


def _seed_runs(qw: QuoteWords, index: SourceIndex) -> list[Run]:
    words = qw.words
    src = index.view.words
    k = min(index.k, len(words))
    seen: set[tuple[int, int]] = set()
    runs: list[Run] = []
    breaks = qw.ellipsis_before  # a run never crosses an ellipsis: the quotation says words are missing there
    editorial = qw.bracketed  # nor takes in bracketed words: the release's own, even when the source has them too
    for i in range(len(words) - k + 1):
        if any(breaks[i + 1 : i + k]) or any(editorial[i : i + k]):
            continue
        for p in index.seed_positions(tuple(words[i : i + k]), MAX_SEED_HITS):
            if (i, p) in seen:
                continue
            a, b = i, p
            while a > 0 and b > 0 and not breaks[a] and not editorial[a - 1] and words[a - 1] == src[b - 1]:
                a, b = a - 1, b - 1
            n = 0
            while (
                a + n < len(words) and b + n < len(src) and words[a + n] == src[b + n]
                and not (n and breaks[a + n]) and not editorial[a + n]
            ):
                seen.add((a + n, b + n))
                n += 1
            runs.append(Run(a, b, n))
    return runs


# Runs (in quote order) back from each run that the chain may link it to: a long quotation seeds thousands of
# runs, and linking each to every earlier one is quadratic (a 4,000-character quotation took 8 s)
CHAIN_REACH = 256
LOCAL_WINDOW = 60  # source words either side of the first chain searched again for single-word matches


def _local_runs(qw: QuoteWords, chain: list[Run], index: SourceIndex) -> list[Run]:
    """Single-word seeds for quote words the first chain left uncovered, searched only near that chain: a word
    after an ellipsis or between two changes is too short to seed from the whole index."""
    covered = [False] * len(qw.words)
    for run in chain:
        for i in range(run.q, run.q_end):
            covered[i] = True
    lo = max(0, chain[0].s - LOCAL_WINDOW)
    hi = min(len(index.view.words), chain[-1].s_end + LOCAL_WINDOW)
    src = index.view.words
    runs: list[Run] = []
    for i, word in enumerate(qw.words):
        if covered[i] or qw.bracketed[i] or (i > 0 and not covered[i - 1] and runs and runs[-1].q_end > i):
            continue
        for p in index.word_positions(word, lo, hi):
            n = 0
            while (
                i + n < len(qw.words) and p + n < hi and not covered[i + n] and not qw.bracketed[i + n]
                and qw.words[i + n] == src[p + n]
            ):
                n += 1
            runs.append(Run(i, p, n))
    return runs


def _chain(runs: list[Run], qw: QuoteWords, settings: Settings) -> list[Run]:
    """The best ordered chain of runs: most quote words covered, least source skipped."""
    if not runs:
        return []
    cfg = settings.align
    runs = sorted(runs, key=lambda r: (r.q, r.s))
    best: list[float] = []
    back: list[int] = []
    trimmed: list[list[Run]] = []
    for j, run in enumerate(runs):
        best.append(float(run.n))
        back.append(-1)
        trimmed.append([run])
        for i in range(max(0, j - CHAIN_REACH), j):
            prev = runs[i]
            cut = max(0, prev.q_end - run.q)
            if cut >= run.n or prev.s_end > run.s + cut or run.q + cut < prev.q_end:
                continue
            qgap = run.q + cut - prev.q_end
            sgap = run.s + cut - prev.s_end
            cost = 0.0
            if 0 < qgap <= SUBSTITUTION_WORDS and 0 < sgap <= SUBSTITUTION_WORDS:
                cost += 0.5 * max(qgap, sgap)  # a word or two changed in place ('many' → 'all'), not a gap
            elif sgap > 0:
                marked = qw.ellipsis_before[run.q + cut] if run.q + cut < len(qw.ellipsis_before) else False
                open_cost = cfg.gap_open / 4 if marked else cfg.gap_open
                cost += open_cost + min(cfg.gap_cap, cfg.gap_per_word * sgap)
            if qgap > 0 and sgap == 0:
                cost += 0.5
            score = best[i] + (run.n - cut) - cost
            if score > best[j]:
                best[j] = score
                back[j] = i
        if back[j] >= 0:
            prev = runs[back[j]]
            cut = max(0, prev.q_end - run.q)
            trimmed[j] = [Run(run.q + cut, run.s + cut, run.n - cut)]
    end = max(range(len(runs)), key=lambda j: (best[j], -runs[j].s))
    chain: list[Run] = []
    j = end
    while j >= 0:
        chain.append(trimmed[j][0])
        j = back[j]
    chain.reverse()
    return chain


def align(quote: Quote, release: LoadedDocument, index: SourceIndex, settings: Settings) -> Alignment:
    qw = quote_words(release, quote)
    if not qw.words:
        return Alignment(found=False, score=0.0)
    written = list(qw.words)
    qw.words = [index.source_form(w, settings.align.fuzzy_word_ratio) for w in written]
    seeds = _seed_runs(qw, index)
    chain = _chain(seeds, qw, settings)
    if chain and sum(r.n for r in chain) < len(qw.words):
        chain = _chain(seeds + _local_runs(qw, chain, index), qw, settings)
    if not chain and len(qw.words) <= MAX_FORM_MATCH_WORDS:
        at = index.form_position([form_key(w) for w in written])
        if at is not None:  # 'continued improvement' where the source says 'continuous improvement'
            qw.words = index.view.words[at : at + len(written)]
            chain = [Run(0, at, len(written))]
    if not chain:
        return Alignment(found=False, score=0.0)
    alignment = _from_chain(qw, written, chain, release, index, settings)
    if alignment.case_changes and len(chain) == 1 and chain[0].n == len(qw.words):
        return _in_same_capitals(qw, written, chain[0].s, release, index, settings) or alignment
    return alignment


def _in_same_capitals(
    qw: QuoteWords, written: list[str], placed: int, release: LoadedDocument, index: SourceIndex, settings: Settings
) -> Alignment | None:
    """A quotation found word for word, but with capitals changed, where the source also has it without: that
    place (a whole sentence quoted is itself, not the end of one sentence and the start of the next)."""
    for at in index.positions(tuple(qw.words)):
        if at != placed:
            alignment = _from_chain(qw, written, [Run(0, at, len(qw.words))], release, index, settings)
            if not alignment.case_changes:
                return alignment
    return None


def exact_occurrences(quote: Quote, release: LoadedDocument, index: SourceIndex) -> list[int]:
    """Source word positions where every word of the quotation appears, in order, exactly."""
    words = tuple(quote_words(release, quote).words)
    if not words or index.word_count(words[0]) > MAX_SEED_HITS:
        return []
    return index.positions(words)


def align_at(quote: Quote, release: LoadedDocument, index: SourceIndex, settings: Settings, at: int) -> Alignment:
    """The alignment of a quotation to one exact occurrence of its words (see exact_occurrences)."""
    qw = quote_words(release, quote)
    return _from_chain(qw, list(qw.words), [Run(0, at, len(qw.words))], release, index, settings)


SHORT_QUOTE_WORDS = 4  # a quotation this short may stand for any of several places in the source
RELEASE_SENTENCE_REACH = 200  # characters either side of a quotation read as the release's sentence about it
RELEASE_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def likeliest_occurrence(
    quote: Quote,
    alignment: Alignment,
    release: LoadedDocument,
    index: SourceIndex,
    settings: Settings,
    *,
    similarity: Callable[[str, str], float],
) -> Alignment:
    """A short quotation found word for word in several places (‘strong’) stands for the one whose sentence
    shares most with the release's sentence around it (‘“strong” services for care leavers’ → ‘Care leavers
    continue to receive a strong service’), by `similarity`(release sentence, source sentence); the first
    (`alignment`), when none shares more."""
    if not alignment.found or len(quote.text.split()) > SHORT_QUOTE_WORDS:
        return alignment
    places = exact_occurrences(quote, release, index)
    if len(places) < 2:
        return alignment
    text = release.text
    around = (
        RELEASE_SENTENCE_BREAK.split(text[max(0, quote.start - RELEASE_SENTENCE_REACH) : quote.start])[-1]
        + " "
        + RELEASE_SENTENCE_BREAK.split(text[quote.end : quote.end + RELEASE_SENTENCE_REACH])[0]
    )
    view = index.view
    doc = index.doc

    def affinity(at: int) -> float:
        sentence = doc.sentences[doc.sentence_at(view.word_start[at])]
        return similarity(around, doc.text[sentence.start : sentence.end])

    scores = [affinity(at) for at in places]
    best = max(range(len(places)), key=lambda i: (scores[i], -i))
    if scores[best] <= scores[0]:
        return alignment
    return align_at(quote, release, index, settings, places[best])


def _from_chain(
    qw: QuoteWords, written: list[str], chain: list[Run], release: LoadedDocument, index: SourceIndex, settings: Settings
) -> Alignment:
    view = index.view
    counted = [i for i in range(len(qw.words)) if not qw.bracketed[i]] or list(range(len(qw.words)))
    raw: list[RawOp] = []
    function_words = frozenset(settings.lexicon.function_words)
    first, last = chain[0], chain[-1]
    if first.q > 0:
        raw.extend(edge_ops(qw, 0, first.q, first.s, view, True, function_words))
    for a, b in pairwise(chain):
        raw.append(("equal", a.q, a.q_end, a.s, a.s_end))
        raw.extend(word_ops(qw, a.q_end, b.q, a.s_end, b.s, view, settings))
    raw.append(("equal", last.q, last.q_end, last.s, last.s_end))
    if last.q_end < len(qw.words):
        raw.extend(edge_ops(qw, last.q_end, len(qw.words), last.s_end, view, False, function_words))
    raw = fuzzy_equal(raw, qw, view, settings)
    raw, moved = _place_elsewhere(raw, qw, index, settings)
    raw, moved, reshaped = split_reshaped(raw, moved, written, index.view.words)
    # words placed through their source form count as found: the assessment judges the change of form
    matched = reshaped + sum(
        1 for kind, qa, qb, *_ in raw if kind == "equal" for i in range(qa, qb) if not qw.bracketed[i]
    )
    score = 100.0 * matched / len(counted)
    ops = [
        to_edit(op, qw, release, view, index.doc, len(qw.words)).model_copy(update={"moved": n in moved})
        for n, op in enumerate(raw)
    ]
    s_words = [op for n, op in enumerate(raw) if op[0] == "equal" and n not in moved] or [
        op for n, op in enumerate(raw) if op[0] == "replace" and n not in moved and op[4] > op[3]
    ]  # a one-word quotation placed by its source form has no equal run
    s_first = min(op[3] for op in s_words)
    s_last = max(op[4] for op in s_words)
    case_changes = sum(
        1
        for kind, qa, qb, sa, _ in raw
        if kind == "equal"
        for offset in range(qb - qa)
        if qa + offset > 0
        and qw.originals[qa + offset] != index.doc.text[view.word_start[sa + offset] : view.word_end[sa + offset]]
    )
    return Alignment(
        found=score >= 100 * settings.align.min_coverage,
        score=round(score, 1),
        source_start=view.word_start[s_first],
        source_end=view.word_end[s_last - 1],
        ops=ops,
        case_changes=case_changes,
    )


MIN_PLACED_WORDS = 3  # a stretch of the quotation at least this long is looked for elsewhere in the source
MIN_PLACED_SHARE = 0.6


def _place_elsewhere(
    raw: list[RawOp], qw: QuoteWords, index: SourceIndex, settings: Settings
) -> tuple[list[RawOp], set[int]]:
    """Quote words the first alignment could not place (an 'insert') may come from another part of the source:
    a passage stitched on from further away, or put in a different order. Each such stretch is aligned on its
    own; the ops that place it are returned with their positions in `moved`."""
    out: list[RawOp] = []
    moved: set[int] = set()
    for op in raw:
        kind, qa, qb, _, _ = op
        if kind != "insert" or qb - qa < MIN_PLACED_WORDS or all(qw.bracketed[qa:qb]):
            out.append(op)
            continue
        part = QuoteWords(
            qw.words[qa:qb], qw.starts[qa:qb], qw.ends[qa:qb], qw.originals[qa:qb], qw.bracketed[qa:qb],
            qw.ellipsis_before[qa:qb], False,
        )
        chain = _chain(_seed_runs(part, index), part, settings)
        if sum(r.n for r in chain) < MIN_PLACED_SHARE * (qb - qa):
            out.append(op)
            continue
        placed: list[RawOp] = []
        if chain[0].q > 0:
            placed.append(("insert", qa, qa + chain[0].q, chain[0].s, chain[0].s))
        for a, b in pairwise(chain):
            placed.append(("equal", qa + a.q, qa + a.q_end, a.s, a.s_end))
            for sub in word_ops(part, a.q_end, b.q, a.s_end, b.s, index.view, settings):
                placed.append((sub[0], qa + sub[1], qa + sub[2], sub[3], sub[4]))
        last = chain[-1]
        placed.append(("equal", qa + last.q, qa + last.q_end, last.s, last.s_end))
        if qa + last.q_end < qb:
            placed.append(("insert", qa + last.q_end, qb, last.s_end, last.s_end))
        for sub in placed:
            moved.add(len(out))
            out.append(sub)
    return out, moved


