"""Claims: what the release says the source found, in its own words, checked against the source's sentences.

A claim is a clause of the release outside any quotation that reports a finding: it names the source or most
of its content words are in the source. Its evidence is the source sentence (or pair) that contains the most of
its content words, weighted by rarity; numbers, dates, quantifiers and negation are then checked exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from factcheck.assess.qualify import Qualifier, Topics, content_stems
from factcheck.assess.strength import strength
from factcheck.config import Lexicon, Settings
from factcheck.embed import Embedder
from factcheck.quotes import TOPIC_LEAD, alias_pattern, speech_verb_pattern
from factcheck.text import LoadedDocument, normalise
from factcheck.text.wordforms import NUMBER_WORDS as CARDINALS
from factcheck.types import ClaimFinding, ClaimVerdict, Quote, Severity, Span

MIN_CLAIM_WORDS = 6
MIN_FINDING_WORDS = 3  # lower-case content words a clause naming the source needs to report a finding of its own
NEGATION_MARGIN = 0.2  # a negation on one side only reverses a claim whose evidence holds this much more than 'partly' needs
# How much a claim's verdict counts, beside the quotations' severities, for the gate (--fail-on) and the summary.
# Set by how often each verdict is right on the real labelled pairs: most real claims are partly supported and
# the judge's 'unsupported' is right about one time in five on held-out text (samples/real), so neither may fail
# a `--fail-on medium` gate on its own; a contradiction, rare and checked by exact rules, does.
CLAIM_SEVERITY: dict[ClaimVerdict, Severity] = {
    "supported": "none", "partly": "none", "unsupported": "low", "contradicted": "medium",
}
# the cardinals a quotation may spell either way, and the words a claim states a share with ('half' is 50 %)
NUMBER_WORDS = {**{word: int(n) for word, n in CARDINALS.items()}, "hundred": 100, "half": 50, "quarter": 25}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
MONTH = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
PARTICIPLE_SPLIT = re.compile(r",\s+(?=(?:[a-z]+ing)\b)|;\s+")


@dataclass
class Window:
    start: int
    end: int
    text: str


class ClaimChecker:
    def __init__(
        self, source: LoadedDocument, settings: Settings, qualifier: Qualifier, topics: Topics
    ) -> None:
        self._index: dict[str, list[int]] | None = None
        self.source = source
        self.settings = settings
        self.q = qualifier
        self.topics = topics
        text = source.text
        sentences = source.sentences
        self.sentence_texts = [" ".join(text[s.start : s.end].split()) for s in sentences]
        self.windows = [Window(s.start, s.end, t) for s, t in zip(sentences, self.sentence_texts)]
        self.members: list[tuple[int, ...]] = [(n,) for n in range(len(sentences))]
        for n, (a, b) in enumerate(pairwise(sentences)):
            if a.paragraph == b.paragraph:
                self.windows.append(Window(a.start, b.end, " ".join(text[a.start : b.end].split())))
                self.members.append((n, n + 1))
        self.source_lower = source.view.norm.lower()
        self.source_words = frozenset(source.view.words)
        self.source_numbers = _numbers(self.source_lower)

    def semantic_evidence(self, claim: str, embedder: Embedder | None) -> tuple[float, Window | None]:
        """The window nearest in meaning (cosine of sentence embeddings) among those sharing the most content
        words with `claim`, so the cost does not grow with the source's length.

        The model reads single sentences; a two-sentence window is first scored by the normalised sum of its
        sentences' vectors, so each sentence is encoded once however many windows it belongs to. That sum
        underrates a pair whose sentences only together say what the claim does, so the best pair, when it
        scores near the best window, is then encoded whole."""
        candidates = self.candidates(claim, self.settings.claims.semantic_candidates)
        if embedder is None or not candidates:
            return 0.0, None
        needed = sorted({m for n in candidates for m in self.members[n]})
        encoded = embedder.encode([*(self.sentence_texts[m] for m in needed), claim])
        query = encoded[-1]
        by_sentence = dict(zip(needed, encoded[:-1]))
        vectors = np.stack([sum(by_sentence[m] for m in self.members[n]) for n in candidates])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        scores = vectors @ query
        pairs = [k for k, n in enumerate(candidates) if len(self.members[n]) > 1]
        if pairs:
            k = max(pairs, key=lambda k: (scores[k], -k))
            if scores[k] >= scores.max() - self.settings.claims.pair_rescore_margin:
                scores[k] = float(embedder.encode([self.windows[candidates[k]].text])[0] @ query)
        best = int(np.argmax(scores))
        return float(scores[best]), self.windows[candidates[best]]

    def candidates(self, text: str, limit: int) -> list[int]:
        """The windows sharing the most rarity-weighted content words with `text`, best first."""
        gained = self._gains(text)
        return sorted(gained, key=lambda n: (-round(gained[n], 9), n))[:limit]

    def _gains(self, text: str) -> dict[int, float]:
        gained: dict[int, float] = {}
        postings = self._postings()
        for s in content_stems(text):
            weight = self.topics.weight(s)
            for number in postings.get(s, ()):
                gained[number] = gained.get(number, 0.0) + weight
        return gained

    def _postings(self) -> dict[str, list[int]]:
        """Which windows hold each content stem: only windows sharing a stem with a claim are scored."""
        if self._index is None:
            self._index = {}
            for number, window in enumerate(self.windows):
                for s in content_stems(window.text):
                    self._index.setdefault(s, []).append(number)
        return self._index

    def best_evidence(self, claim: str) -> tuple[float, Window | None]:
        total = sum(self.topics.weight(s) for s in content_stems(claim))
        if not total:
            return 0.0, None
        gained = self._gains(claim)
        if not gained:
            return 0.0, None
        number = min(gained, key=lambda n: (-round(gained[n], 9), len(self.windows[n].text), n))
        return gained[number] / total, self.windows[number]

    def judge(
        self, claim: str, start: int, end: int, embedder: Embedder | None, sentence: str = ""
    ) -> ClaimFinding | None:
        """The verdict on one claim; `sentence` is the release's whole sentence around it (its quoted words
        included), read for the claim's polarity."""
        coverage, window = self.best_evidence(claim)
        cfg = self.settings.claims
        # Meaning only matters when the shared words leave the verdict open
        similarity, near = (0.0, None) if coverage >= cfg.min_coverage_supported else self.semantic_evidence(claim, embedder)
        if near is not None and similarity >= cfg.min_similarity_partly and coverage < cfg.min_coverage_supported:
            window = near if self.topics.coverage(claim, near.text) >= coverage * 0.8 or similarity >= cfg.min_similarity_supported else window
        evidence = window.text if window else ""
        problems: list[str] = []
        contradiction = ""
        evidence_numbers = _numbers(evidence)
        for number in _numbers_in_order(claim):  # in the claim's order: the same input, the same reason
            if number not in evidence_numbers and number not in self.source_numbers:
                problems.append(f"the number {number} is not in the source")
        for month in dict.fromkeys(m.group().lower() for m in MONTH.finditer(claim)):
            if month not in self.source_words:
                problems.append(f"the source does not mention {month.title()}")
        for name in _names(claim):
            if not _mentions(self.source_lower, name.lower()):
                problems.append(f"the source does not mention {name}")
        claimed = self.q.quantifier_strengths(claim)
        found = self.q.quantifier_strengths(evidence)
        if claimed and found:
            strongest_claim = max(v for _, v in claimed)
            strongest_found = max(v for _, v in found)
            if strongest_claim > strongest_found:
                problems.append(
                    f"it says {claimed[0][0]!r} where the source says {found[0][0]!r}"
                )
                if strongest_found <= 1 and strongest_claim >= 5:
                    contradiction = f"the source says {found[0][0]!r}, the release {claimed[0][0]!r}"
        if coverage >= cfg.min_coverage_partly or similarity >= cfg.min_similarity_partly:
            checked = strength(
                claim, evidence, self.q, self.settings.lexicon,
                close=coverage >= cfg.min_coverage_partly + NEGATION_MARGIN, polarity_of=sentence or claim,
            )
            problems.extend(checked.problems)
            contradiction = contradiction or checked.contradiction
        spans = [Span(start=window.start, end=window.end)] if window else []
        texts = [evidence] if window else []
        verdict: ClaimVerdict
        if contradiction:
            verdict, reason = "contradicted", f"The source's nearest passage says the opposite: {contradiction}."
        elif (coverage >= cfg.min_coverage_supported or similarity >= cfg.min_similarity_supported) and not problems:
            verdict, reason = "supported", "The source says this."
        elif coverage >= cfg.min_coverage_partly or similarity >= cfg.min_similarity_partly:
            missing = _missing_words(claim, evidence)
            detail = "; ".join(problems) if problems else f"the source does not say {missing}" if missing else "only part of it is in the source"
            verdict, reason = "partly", f"Partly supported: {detail}."
        else:
            verdict, reason = "unsupported", "No passage of the source says this."
        return ClaimFinding(
            text=claim, start=start, end=end, verdict=verdict, severity=CLAIM_SEVERITY[verdict], evidence=spans,
            evidence_text=texts,
            reason=reason, coverage=round(coverage, 3), similarity=round(similarity, 3) if near is not None else None,
        )


NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b(?:[A-Z]{2,6}s?\b|[A-Z][a-z]+(?:\s+(?:of|for|and|the|on)?\s*[A-Z][a-z]+)+)")


def _names(claim: str) -> list[str]:
    """Named services, bodies and programmes in a claim (capitalised phrases past its first word, acronyms),
    in the normalised spelling the source is searched in."""
    folded = normalise(claim).norm
    names = []
    for m in NAME.finditer(folded):
        name = m.group().strip()
        if m.start() == 0 or name.lower() in MONTHS:
            continue
        names.append(name)
    return list(dict.fromkeys(names))


def _mentions(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words."""
    at = text.find(phrase)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(phrase)] if at + len(phrase) < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = text.find(phrase, at + 1)
    return False


def _numbers(text: str) -> set[str]:
    return set(_numbers_in_order(text))


def _numbers_in_order(text: str) -> list[str]:
    found: dict[str, None] = {}
    for m in NUMBER.finditer(text):
        token = m.group().lower().rstrip("%").replace(",", "")
        found[str(NUMBER_WORDS.get(token, token))] = None
    return list(found)


def _missing_words(claim: str, evidence: str) -> str:
    missing = sorted(content_stems(claim) - content_stems(evidence))
    if not missing:
        return ""
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", claim) if any(w.lower().startswith(m[:5]) for m in missing)]
    return ", ".join(f"\u2018{w}\u2019" for w in list(dict.fromkeys(words))[:4])


def claim_spans(release: LoadedDocument, quotes: list[Quote], settings: Settings, source_names: list[str]) -> list[tuple[int, int]]:
    """Clauses of the release, outside quotations, that may report a finding."""
    verbs = speech_verb_pattern(settings)
    text = release.text
    quote_spans = [(q.parts[0].start - 1, q.parts[-1].end + 1) for q in quotes if q.kind != "term"]
    speakers = {  # where another speaker's quotation opens: the clause naming them is no claim about the source
        q.parts[0].start - 1: q.speaker_name.split(",")[0].strip() for q in quotes if q.speaker == "other" and q.speaker_name
    }
    spans: list[tuple[int, int]] = []
    for sentence in release.sentences:
        if any(a <= sentence.start and sentence.end <= b + 1 for a, b in quote_spans):
            continue  # inside a quotation
        cursor = sentence.start
        pieces: list[tuple[int, int, bool]] = []  # (start, end, followed by a quotation)
        inside = [(a, b) for a, b in sorted(quote_spans) if b > sentence.start and a < sentence.end]
        for i, (a, b) in enumerate(inside):
            following = text[b : inside[i + 1][0] if i + 1 < len(inside) else sentence.end]
            if _carried_across(text[cursor:a], following, verbs):
                continue  # 'The rate of decline was “significant” for 22 of 26 categories': one claim, quote and all
            speaker = speakers.get(a, "")
            if not (speaker and speaker in text[cursor:a]):
                pieces.append((cursor, max(cursor, a), True))
            cursor = min(sentence.end, b)
        pieces.append((cursor, sentence.end, False))
        for start, end, before_quote in pieces:
            for clause_start, clause_end in _clauses(text, start, end):
                body = text[clause_start:clause_end]
                if before_quote and clause_end == end:
                    if TOPIC_LEAD.match(body.strip()) and body.rstrip().endswith(":"):
                        continue  # 'On services for disabled children:' names what the quotation is about
                    body = _strip_frame(body, verbs)
                    clause_end = clause_start + len(body)
                body = body.strip(" ,;:.\u2013\u2014-")
                if len(body.split()) < MIN_CLAIM_WORDS or _is_heading_like(text, sentence.start, sentence.end):
                    continue
                if _attribution_tail(body, verbs):
                    continue  # '…, said Steven Ward, executive director of ukactive': who spoke, not what was found
                offset = text.index(body, clause_start)
                spans.append((offset, offset + len(body)))
    return spans


def about_the_findings(claim: str, lexicon: Lexicon) -> bool:
    """Whether a clause that names the source reports something it found, rather than how it was published
    ('published in the journal BMJ Open'), how others took it ('British researchers criticised the design of the
    study'), the writer's own view ('I would characterise …'), or only who said it ('according to a new report').
    A publication aside ('The study, published in BMJ Open, records …') is set apart before the rest is read."""
    kept = [part for part in re.split(r"[,;:()\u2013\u2014]", claim) if not _has_any(part, lexicon.publication_words)]
    rest = " ".join(kept)
    words = re.findall(r"[\w'-]+", rest.replace("\u2019", "'"))
    lowered = [w.lower() for w in words]
    if _has_any(rest, lexicon.reaction_words) or any(w in lexicon.first_person for w in lowered):
        return False
    named = {w for alias in lexicon.source_aliases for w in alias.split()}
    ignored = {*lexicon.function_words, *named, *(w for v in lexicon.speech_verbs for w in v.split()), "according"}
    content = [w for w, original in zip(lowered, words) if w not in ignored and not original[:1].isupper()]
    return len(content) >= MIN_FINDING_WORDS


def _has_any(text: str, phrases: list[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", lowered) for p in phrases)


def _attribution_tail(body: str, verbs: re.Pattern[str]) -> bool:
    """The clause only names who spoke, after a quotation: a speech verb, then a name ('said United Nations
    Secretary-General António Guterres in his speech')."""
    opening = verbs.match(body)
    if opening is None or not body[:1].islower() or opening.group().lower().startswith("according"):
        return False  # 'According to Ofsted, …' opens a claim
    return body[opening.end() :].lstrip()[:1].isupper()


def _carried_across(before: str, after: str, verbs: re.Pattern[str]) -> bool:
    """Whether one clause runs through a quotation: the release's words go on into it ('the scheme had “…”') or
    out of it ('“…” for 22 of 26 categories'), rather than framing it ('Inspectors found that “…”', '“…”, the
    report said', '“…” said Ofsted')."""
    into = before.rstrip()[-1:].isalnum() and _strip_frame(before, verbs) == before
    head = after.lstrip()
    out_of = head[:1].isalnum() and not verbs.search(" ".join(head.split()[:4]))
    return bool(into or out_of)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    cursor = start
    for m in PARTICIPLE_SPLIT.finditer(text, start, end):
        out.append((cursor, m.start()))
        cursor = m.end()
    out.append((cursor, end))
    return out


FRAME_TAIL = (
    r"(?:,?\s*(?:and|as well as|while|but)?\s*(?:[\w’'-]+\s+){0,4}?(?:%s)"
    # 'described the response to referrals as': what the quotation describes, then 'as'
    r"(?:\s+(?:that|by\s+[\w’' -]+?|to|(?:[\w’'()-]+\s+){1,8}?as))?\s*[:,]?\s*)$"
)


def _strip_frame(body: str, verbs: re.Pattern[str]) -> str:
    """'…, and found' / 'Inspectors commented positively about staff that' / 'recognised by Ofsted': the words that
    introduce the following quotation are not a claim of their own."""
    if re.search(r"(?:\bthat|:|\bas|\bby [\w’' -]+)\s*$", body) or verbs.search(body[-40:] if len(body) > 40 else body):
        stripped = re.sub(FRAME_TAIL % verbs.pattern, "", body, flags=re.IGNORECASE)
        if stripped != body:
            tail = body[len(stripped) :]
            # '…progress, and inspectors found' leaves a clause of its own; 'Social workers at the Trust were
            # recognised by' leaves only the subject of the frame, which says nothing by itself
            return stripped if re.match(r"\s*(?:[,;\u2013\u2014-]|(?:and|but|while|as well as)\b)", tail, re.IGNORECASE) else ""

        if re.search(r"\bthat\s*$", body):
            return ""
    return body


def _is_heading_like(text: str, start: int, end: int) -> bool:
    body = text[start:end].strip()
    tail = text[end : end + 2]
    return not re.search(r"[.!?]", tail + body[-1:]) and len(body.split()) <= 12


def check_claims(
    release: LoadedDocument,
    quotes: list[Quote],
    checker: ClaimChecker,
    settings: Settings,
    source_names: list[str],
    embedder: Embedder | None = None,
) -> list[ClaimFinding]:
    """The release's claims about the source, each judged against it (by meaning too when `embedder` is given)."""
    aliases = alias_pattern([*settings.lexicon.source_aliases, *source_names])
    lexicon = settings.lexicon
    findings = []
    for start, end in claim_spans(release, quotes, settings, source_names):
        claim = release.text[start:end]
        sentence = release.text[release.sentences[release.sentence_at(start)].start : end]
        names_source = bool(aliases.search(sentence))
        coverage, _ = checker.best_evidence(claim)
        if coverage < settings.claims.min_coverage_candidate and not (names_source and about_the_findings(claim, lexicon)):
            continue  # the release's own news, or news about the document, not a report of what it found
        whole = release.text[release.sentences[release.sentence_at(start)].start : release.sentences[release.sentence_at(max(start, end - 1))].end]
        finding = checker.judge(claim, start, end, embedder, whole)
        if finding is not None:
            findings.append(finding)
    return findings
