"""Align a quotation to the source: find where its words come from and list the edits between the two.

The source is indexed once (word n-grams to positions), so finding a quotation costs time in proportion to
its own length, not the source's. Exact runs of shared words are seeded from the index, extended, and chained
in order with a cost for each stretch of source left out; the stretches between runs become edit operations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from factcheck.config import Settings
from factcheck.text import LoadedDocument, TextView
from factcheck.assess.qualify import stem
from factcheck.types import Alignment, EditOp, Quote
from factcheck.text import MIN_TYPO_LENGTH, american

STRENGTH_WORDS = frozenset(
    ["all", "most", "many", "some", "few", "every", "each", "none", "no", "never", "always", "often", "usually", "sometimes", "rarely", "majority", "minority", "nearly", "almost", "virtually", "several", "not"]
)
SUBSTITUTION_WORDS = 3  # words changed in place, on both sides, that count as a substitution rather than a gap
MAX_SEED_HITS = 64  # an n-gram found more often than this seeds nothing (too common to place a quotation)
ELLIPSIS = re.compile(r"\u2026|\.\s?\.\s?\.")
BRACKETED = re.compile(r"\[[^\[\]]*\]")


MAX_FORM_MATCH_WORDS = 6  # a quotation this short with no exact run of words is looked for by word forms


def form_key(word: str) -> str:
    return stem(american(word))


class SourceIndex:
    """Word n-gram positions of a source document, built once and reused for every quotation."""

    def __init__(self, doc: LoadedDocument, seed_words: int) -> None:
        self.doc = doc
        self.view: TextView = doc.view
        self.k = seed_words
        words = self.view.words
        self.grams: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i in range(len(words) - seed_words + 1):
            self.grams[tuple(words[i : i + seed_words])].append(i)
        self.unigrams: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(words):
            self.unigrams[w].append(i)
        self._forms: dict[str, str] | None = None
        self._long_words: defaultdict[int, list[str]] = defaultdict(list)
        self._source_forms: dict[tuple[str, float], str] = {}
        self._form_keys: list[str] | None = None
        self._form_starts: defaultdict[str, list[int]] = defaultdict(list)

    def source_form(self, word: str, typo_ratio: float) -> str:
        """The source's own word for a quotation word the source never uses: the same word in another form
        (tense, number, British or American spelling) or, for a long word, a typo of it; else the word itself."""
        if word in self.unigrams or not word.isalpha():
            return word
        known = self._source_forms.get((word, typo_ratio))
        if known is None:  # a pure function of the source, remembered: safe to share between threads
            known = self._source_forms[(word, typo_ratio)] = self._find_source_form(word, typo_ratio)
        return known

    def _find_source_form(self, word: str, typo_ratio: float) -> str:
        if self._forms is None:
            forms: dict[str, str] = {}
            by_length: defaultdict[int, list[str]] = defaultdict(list)
            for w in sorted(self.unigrams):
                forms.setdefault(form_key(w), w)
                if len(w) >= MIN_TYPO_LENGTH and w.isalpha():
                    by_length[len(w)].append(w)
            self._long_words = by_length
            self._forms = forms
        same = self._forms.get(form_key(word))
        if same is not None:
            return same
        if len(word) < MIN_TYPO_LENGTH:
            return word
        from rapidfuzz import fuzz, process

        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self._long_words.get(n, ())]
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=typo_ratio)
        return best[0] if best else word

    def form_position(self, keys: list[str]) -> int | None:
        """Where the source first has these words in the same forms, in order (a short quotation whose words are
        all the source's in other forms)."""
        if self._form_keys is None:
            self._form_keys = [form_key(w) for w in self.view.words]
            self._form_starts = defaultdict(list)
            for i, key in enumerate(self._form_keys):
                self._form_starts[key].append(i)
        for at in self._form_starts.get(keys[0], [])[:MAX_SEED_HITS]:
            if self._form_keys[at : at + len(keys)] == keys:
                return at
        return None

    def positions(self, gram: tuple[str, ...]) -> list[int]:
        if len(gram) == self.k:
            return self.grams.get(gram, [])
        hits = self.unigrams.get(gram[0], [])
        words = self.view.words
        return [p for p in hits if tuple(words[p : p + len(gram)]) == gram]


@dataclass
class QuoteWords:
    """The words of a quotation, with what the quotation itself marks about them."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    originals: list[str]
    bracketed: list[bool]
    ellipsis_before: list[bool]  # an ellipsis stands between word i-1 and word i
    ellipsis_after_end: bool


def quote_words(release: LoadedDocument, quote: Quote) -> QuoteWords:
    view = release.view
    qw = QuoteWords([], [], [], [], [], [], False)
    text = release.text
    brackets = [(m.start(), m.end()) for part in quote.parts for m in BRACKETED.finditer(text, part.start, part.end)]
    previous_end: int | None = None
    for part in quote.parts:
        for i in view.words_between(part.start, part.end):
            s, e = view.word_start[i], view.word_end[i]
            qw.words.append(view.words[i])
            qw.starts.append(s)
            qw.ends.append(e)
            qw.originals.append(text[s:e])
            qw.bracketed.append(any(a <= s and e <= b for a, b in brackets))
            gap = text[previous_end if previous_end is not None else part.start : s]
            qw.ellipsis_before.append(bool(ELLIPSIS.search(gap)))
            previous_end = e
    if previous_end is not None:
        qw.ellipsis_after_end = bool(ELLIPSIS.search(text[previous_end : quote.parts[-1].end]))
    return qw


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
        hits = index.positions(tuple(words[i : i + k]))
        if len(hits) > MAX_SEED_HITS:
            continue
        for p in hits:
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
        for p in index.unigrams.get(word, []):
            if lo <= p < hi:
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
        for i in range(j):
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


def _word_ops(qw: QuoteWords, qa: int, qb: int, sa: int, sb: int, view: TextView, settings: Settings) -> list[tuple[str, int, int, int, int]]:
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
    ops = []
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(qs, ss).as_list():
        kind = {"equal": "equal", "replace": "replace", "insert": "delete", "delete": "insert"}[tag]
        ops.append((kind, qa + i1, qa + i2, sa + j1, sa + j2))
    return ops


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
    return _from_chain(qw, written, chain, release, index, settings)


def exact_occurrences(quote: Quote, release: LoadedDocument, index: SourceIndex) -> list[int]:
    """Source word positions where every word of the quotation appears, in order, exactly."""
    words = tuple(quote_words(release, quote).words)
    if not words or len(index.unigrams.get(words[0], ())) > MAX_SEED_HITS:
        return []
    return index.positions(words)


def align_at(quote: Quote, release: LoadedDocument, index: SourceIndex, settings: Settings, at: int) -> Alignment:
    """The alignment of a quotation to one exact occurrence of its words (see exact_occurrences)."""
    qw = quote_words(release, quote)
    return _from_chain(qw, list(qw.words), [Run(0, at, len(qw.words))], release, index, settings)


def _from_chain(
    qw: QuoteWords, written: list[str], chain: list[Run], release: LoadedDocument, index: SourceIndex, settings: Settings
) -> Alignment:
    view = index.view
    counted = [i for i in range(len(qw.words)) if not qw.bracketed[i]] or list(range(len(qw.words)))
    raw: list[tuple[str, int, int, int, int]] = []
    function_words = frozenset(settings.lexicon.function_words)
    first, last = chain[0], chain[-1]
    if first.q > 0:
        raw.extend(_edge_ops(qw, 0, first.q, first.s, view, True, function_words))
    for a, b in zip(chain, chain[1:]):
        raw.append(("equal", a.q, a.q_end, a.s, a.s_end))
        raw.extend(_word_ops(qw, a.q_end, b.q, a.s_end, b.s, view, settings))
    raw.append(("equal", last.q, last.q_end, last.s, last.s_end))
    if last.q_end < len(qw.words):
        raw.extend(_edge_ops(qw, last.q_end, len(qw.words), last.s_end, view, False, function_words))
    raw = _fuzzy_equal(raw, qw, view, settings)
    raw, moved = _place_elsewhere(raw, qw, index, settings)
    raw, moved, reshaped = _split_reshaped(raw, moved, written, index.view.words)
    # words placed through their source form count as found: the assessment judges the change of form
    matched = reshaped + sum(
        1 for kind, qa, qb, *_ in raw if kind == "equal" for i in range(qa, qb) if not qw.bracketed[i]
    )
    score = 100.0 * matched / len(counted)
    ops = [
        _to_edit(op, qw, release, view, index.doc, len(qw.words)).model_copy(update={"moved": n in moved})
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
    raw: list[tuple[str, int, int, int, int]], qw: QuoteWords, index: SourceIndex, settings: Settings
) -> tuple[list[tuple[str, int, int, int, int]], set[int]]:
    """Quote words the first alignment could not place (an 'insert') may come from another part of the source:
    a passage stitched on from further away, or put in a different order. Each such stretch is aligned on its
    own; the ops that place it are returned with their positions in `moved`."""
    out: list[tuple[str, int, int, int, int]] = []
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
        placed: list[tuple[str, int, int, int, int]] = []
        if chain[0].q > 0:
            placed.append(("insert", qa, qa + chain[0].q, chain[0].s, chain[0].s))
        for a, b in zip(chain, chain[1:]):
            placed.append(("equal", qa + a.q, qa + a.q_end, a.s, a.s_end))
            for sub in _word_ops(part, a.q_end, b.q, a.s_end, b.s, index.view, settings):
                placed.append((sub[0], qa + sub[1], qa + sub[2], sub[3], sub[4]))
        last = chain[-1]
        placed.append(("equal", qa + last.q, qa + last.q_end, last.s, last.s_end))
        if qa + last.q_end < qb:
            placed.append(("insert", qa + last.q_end, qb, last.s_end, last.s_end))
        for sub in placed:
            moved.add(len(out))
            out.append(sub)
    return out, moved


def _edge_ops(
    qw: QuoteWords, qa: int, qb: int, s_at: int, view: TextView, leading: bool, function_words: frozenset[str]
) -> list[tuple[str, int, int, int, int]]:
    """Quote words before the first or after the last aligned run: matched to the adjacent source words when
    they are close (a changed first word), otherwise words the release added."""
    n = qb - qa
    if leading:
        sa, sb = max(0, s_at - n), s_at
    else:
        sa, sb = s_at, min(len(view.words), s_at + n)
    if sb - sa == n and all(fuzz.ratio(qw.words[qa + i], view.words[sa + i]) >= 85 for i in range(n)):
        return [("replace", qa, qb, sa, sb)]
    skipped = _skipped_at_edge(qw.words[qa:qb], s_at, view, leading, function_words)
    if skipped:  # 'It would [not] be cost-effective': the edge words are the source's, a word or two away
        if leading:
            return [("equal", qa, qb, s_at - skipped - n, s_at - skipped), ("delete", qb, qb, s_at - skipped, s_at)]
        return [("delete", qa, qa, s_at, s_at + skipped), ("equal", qa, qb, s_at + skipped, s_at + skipped + n)]
    if sb - sa == n and n <= 3 and STRENGTH_WORDS.intersection(qw.words[qa:qb]) and STRENGTH_WORDS.intersection(view.words[sa:sb]):
        return [("replace", qa, qb, sa, sb)]  # 'all pupils' for 'Most pupils': a changed quantifier, not an addition
    if sb - sa == n and n <= 3 and not function_words.intersection(qw.words[qa:qb]) and _same_sentence(view, sa, sb, leading):
        return [("replace", qa, qb, sa, sb)]  # '…leaders weakly' for '…leaders effectively': a changed last word
    return [("insert", qa, qb, s_at, s_at)]


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


def _split_reshaped(
    raw: list[tuple[str, int, int, int, int]], moved: set[int], written: list[str], source_words: list[str]
) -> tuple[list[tuple[str, int, int, int, int]], set[int], int]:
    """Words aligned through their source form ('planned' to the source's 'plan') are a one-word replace
    inside their run, so the assessment sees the change; also how many there are."""
    reshaped = 0
    out: list[tuple[str, int, int, int, int]] = []
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


def _fuzzy_equal(raw: list[tuple[str, int, int, int, int]], qw: QuoteWords, view: TextView, settings: Settings) -> list[tuple[str, int, int, int, int]]:
    """A replace of words that differ only in spelling (organisation/organization) stays a replace, but one of
    identical normalised words (a case or apostrophe difference) becomes equal."""
    out = []
    for op in raw:
        kind, qa, qb, sa, sb = op
        if kind == "replace" and qb - qa == sb - sa and all(qw.words[qa + i] == view.words[sa + i] for i in range(qb - qa)):
            op = ("equal", qa, qb, sa, sb)
        out.append(op)
    return out


def _to_edit(op: tuple[str, int, int, int, int], qw: QuoteWords, release: LoadedDocument, view: TextView, source: LoadedDocument, total: int) -> EditOp:
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
        kind=kind,  # type: ignore[arg-type]
        quote_start=q_start,
        quote_end=q_end,
        source_start=s_start,
        source_end=s_end,
        quote_text=release.text[q_start:q_end],
        source_text=source.text[s_start:s_end],
        marked=bool(marked),
        edge=qa == 0 or qb == total,
    )
