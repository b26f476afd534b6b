"""check(): the whole pipeline, load → extract → align → assess → report data."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factcheck.align.aligner import SourceIndex, align, align_at, exact_occurrences
from factcheck.assess.verdicts import Assessor
from factcheck.assess.claims import ClaimChecker, Window, check_claims
from factcheck.config import Settings, load_settings
from factcheck.assess.coverage import FindingMap, findings_status
from factcheck.text.document import LoadedDocument, load
from factcheck.embed import Embedder, default_embedder
from factcheck.errors import InputError, NoQuotationsError
from factcheck.quotes.extract import CARRY_PRONOUNS, PERSON_PRONOUNS, extract
from factcheck.types import (
    SEVERITY_ORDER,
    Alignment,
    Balance,
    ClaimFinding,
    Quote,
    QuoteFinding,
    Report,
    SourceFinding,
    Summary,
)
from factcheck.text.wordforms import same_words_in_other_forms

__version__ = "0.1.0"
SIGN_OFF = re.compile(r"^\s*yours\s+(?:sincerely|faithfully|truly)\b", re.IGNORECASE | re.MULTILINE)
SHORT_NAME = re.compile(r"^[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*){0,5}$")


def learn_source_names(source: LoadedDocument) -> list[str]:
    """Names the source goes by, read from the document itself: its letterhead and its signatories."""
    names: list[str] = []
    lines = [line.strip() for line in source.text.splitlines() if line.strip()]
    for line in lines[:2]:
        if SHORT_NAME.match(line) and len(line) <= 60:
            names.append(line)
    sign_off = SIGN_OFF.search(source.text)
    if sign_off:
        for line in source.text[sign_off.end() :].splitlines()[:6]:
            line = line.strip(" ,")
            if line and SHORT_NAME.match(line) and len(line) <= 60:
                names.append(line)
    return list(dict.fromkeys(names))


def _nearest_passages(
    quotes: list[Quote],
    chosen: list[tuple[PreparedSource, Alignment] | None],
    missing: list[int],
    sources: list[PreparedSource],
    embedder: Embedder,
) -> None:
    """For quotations not found word for word, the most similar source sentence (or pair of sentences), in any
    source, among the passages that share the most content words with it."""
    for i in missing:
        best: tuple[float, PreparedSource, Window] | None = None
        for prepared in sources:
            score, window = prepared.claims.semantic_evidence(quotes[i].text, embedder)
            if window is not None and (best is None or score > best[0]):
                best = (score, prepared, window)
        if best is None:
            continue
        score, prepared, window = best
        pick = chosen[i]
        assert pick is not None
        old = pick[1] if pick[0] is prepared else align_failure()
        chosen[i] = (
            prepared,
            old.model_copy(
                update={"nearest_similarity": round(score, 3), "source_start": window.start, "source_end": window.end}
            ),
        )


def align_failure() -> Alignment:
    return Alignment(found=False, score=0.0)


def summarise(findings: list[QuoteFinding], claims: int) -> Summary:
    verdicts = Counter(f.verdict for f in findings)
    severities = Counter(f.severity for f in findings)
    worst = max((f.severity for f in findings), key=lambda s: SEVERITY_ORDER[s], default="none")
    flagged = sum(1 for f in findings if f.severity != "none")
    return Summary(
        quotes=len(findings),
        checked=sum(1 for f in findings if f.verdict != "other_speaker"),
        verdicts=dict(sorted(verdicts.items())),
        severities={s: severities.get(s, 0) for s in SEVERITY_ORDER},
        flagged=flagged,
        claims=claims,
        unclosed_quotes=sum(1 for f in findings if f.unclosed),
        worst_severity=worst,  # type: ignore[arg-type]
    )


@dataclass
class PreparedSource:
    """A source made ready once and reused: its word index, topic weights, cue finder and findings."""

    doc: LoadedDocument
    index: SourceIndex
    assessor: Assessor
    findings: FindingMap
    names: list[str]
    claims: ClaimChecker


_PREPARED: OrderedDict[tuple[str, str, str], PreparedSource] = OrderedDict()
PREPARED_CACHE_SIZE = 8


def prepare_source(doc: LoadedDocument, settings: Settings) -> PreparedSource:
    key = (doc.name, hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest(), _settings_key(settings))
    if key in _PREPARED:
        _PREPARED.move_to_end(key)
        return _PREPARED[key]
    assessor = Assessor(doc, settings)
    prepared = PreparedSource(
        doc=doc,
        index=SourceIndex(doc, settings.align.seed_words),
        assessor=assessor,
        findings=FindingMap(doc, settings, assessor.q),
        names=learn_source_names(doc),
        claims=ClaimChecker(doc, settings, assessor.q, assessor.topics),
    )
    _PREPARED[key] = prepared
    while len(_PREPARED) > PREPARED_CACHE_SIZE:
        _PREPARED.popitem(last=False)
    return prepared


def _settings_key(settings: Settings) -> str:
    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()


SourceInput = str | Path | LoadedDocument


def check(
    release: SourceInput,
    source: SourceInput | Sequence[SourceInput],
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    source_names: list[str] | tuple[str, ...] = (),
) -> Report:
    """Check every quotation in `release` against `source`: a path, the text itself or a loaded Document, or a
    list of them (each quotation is then matched against all and names the one it came from)."""
    settings = settings or load_settings()
    release_doc = release if isinstance(release, LoadedDocument) else load(release, settings)
    inputs = list(source) if isinstance(source, (list, tuple)) else [source]
    if not inputs:
        raise InputError("no source to check against")
    docs = [s if isinstance(s, LoadedDocument) else load(s, settings) for s in inputs]
    seen = Counter(d.name for d in docs)
    docs = [  # two sources given as text: tell them apart in the report, on copies, not the caller's documents
        doc.model_copy(update={"name": f"{doc.name} #{number}"}) if seen[doc.name] > 1 else doc
        for number, doc in enumerate(docs, 1)
    ]
    sources = [prepare_source(doc, settings) for doc in docs]
    names = [*source_names, *settings.source_names, *(n for p in sources for n in p.names)]
    quotes = extract(release_doc, settings, names)
    if not quotes:
        raise NoQuotationsError(f"{release_doc.name} contains no quotations to check")

    best_matches = []
    for quote in quotes:
        candidates = [(p, align(quote, release_doc, p.index, settings)) for p in sources]
        prepared, alignment = max(candidates, key=lambda pair: (pair[1].found, pair[1].score))
        best_matches.append((prepared, _likeliest_occurrence(quote, alignment, release_doc, prepared, settings)))
    # A name the release credits with words the source does contain is, in this release, the source's name
    # ('OIG found …'): its other quotations are checked too, not set aside as someone else's.
    sourced = [_words_of_the_source(q, best[1], settings) for q, best in zip(quotes, best_matches)]
    confirmed = {
        key
        for q, found in zip(quotes, sourced)
        if found and len(q.text.split()) >= settings.align.reattribute_min_words
        for key in _speaker_keys(q.speaker_name)
    }
    chosen: list[tuple[PreparedSource, Alignment] | None] = []
    for number, (quote, best, found) in enumerate(zip(quotes, best_matches, sourced)):
        if quote.speaker == "other":
            if not found and _speaker_key(quote.speaker_name) not in confirmed:
                chosen.append(None)
                continue
            quotes[number] = quote = quote.model_copy(update={"speaker": "source"})
        chosen.append(best)
    missing = [i for i, c in enumerate(chosen) if c is not None and not c[1].found]
    if missing:
        _nearest_passages(quotes, chosen, missing, sources, embedder or default_embedder(settings.embedding))

    findings = []
    for quote, pick in zip(quotes, chosen):
        prepared = pick[0] if pick else sources[0]
        finding = prepared.assessor.assess(quote, pick[1] if pick else None, release_doc)
        if pick is not None:
            finding = finding.model_copy(update={"source_name": prepared.doc.name})
        findings.append(finding)

    claim_embedder = (embedder or default_embedder(settings.embedding)) if settings.claims.use_embeddings else None
    claims = _claims(release_doc, quotes, sources, settings, names, claim_embedder)
    source_findings: list[SourceFinding] = []
    balances = []
    for prepared in sources:
        own = [f for f in findings if f.source_name == prepared.doc.name]
        marked, balance = findings_status(prepared.findings, release_doc, own, prepared.assessor.topics, settings)
        source_findings.extend(f.model_copy(update={"source_name": prepared.doc.name}) for f in marked)
        balances.append(balance)
    unreported = [f for f in source_findings if f.status == "omitted"]
    unreported.sort(key=lambda f: (f.tone != "critical", not f.section, f.source_name, f.start))
    warnings = [
        f"quotation opened at character {f.start - 1} is never closed; read to the end of its paragraph"
        for f in findings
        if f.unclosed
    ]
    return Report(
        factcheck_version=__version__,
        release=release_doc.name,
        source=", ".join(p.doc.name for p in sources),
        sources=[p.doc.name for p in sources],
        summary=summarise(findings, len(claims)),
        quotes=findings,
        claims=claims,
        unreported=unreported,
        findings=source_findings,
        balance=_combine(balances),
        warnings=warnings,
    )


SHORT_QUOTE_WORDS = 4  # a quotation this short may stand for any of several places in the source
RELEASE_SENTENCE_REACH = 200  # characters either side of a quotation read as the release's sentence about it


def _likeliest_occurrence(
    quote: Quote, alignment: Alignment, release: LoadedDocument, prepared: PreparedSource, settings: Settings
) -> Alignment:
    """A short quotation found word for word in several places (‘strong’) stands for the one whose sentence
    shares most with the release's sentence around it (‘“strong” services for care leavers’ → ‘Care leavers
    continue to receive a strong service’); the first, when none shares more."""
    if not alignment.found or len(quote.text.split()) > SHORT_QUOTE_WORDS:
        return alignment
    places = exact_occurrences(quote, release, prepared.index)
    if len(places) < 2:
        return alignment
    text = release.text
    around = re.split(r"(?<=[.!?])\s+|\n\s*\n", text[max(0, quote.start - RELEASE_SENTENCE_REACH) : quote.start])[-1] + " " + re.split(
        r"(?<=[.!?])\s+|\n\s*\n", text[quote.end : quote.end + RELEASE_SENTENCE_REACH]
    )[0]
    view = prepared.index.view
    doc = prepared.doc

    def affinity(at: int) -> float:
        sentence = doc.sentences[doc.sentence_at(view.word_start[at])]
        return prepared.assessor.topics.similarity(around, doc.text[sentence.start : sentence.end])

    scores = [affinity(at) for at in places]
    best = max(range(len(places)), key=lambda i: (scores[i], -i))
    if scores[best] <= scores[0]:
        return alignment
    return align_at(quote, release, prepared.index, settings, places[best])


def _speaker_key(name: str) -> str:
    """A speaker's name as compared across one release: 'The Ministry of Defence' and 'the Ministry of Defence'
    are one; a person's role after the comma is dropped."""
    key = " ".join(name.split(",")[0].lower().split())
    key = HEADING_LEAD.sub("", key)
    return key.removeprefix("the ")


HEADING_LEAD = re.compile(  # 'Key findings from the DTO:' heads quotations of the DTO
    r"^(?:(?:the\s+)?(?:key|main|headline)\s+)?(?:findings|conclusions|points|messages|highlights|extracts)"
    r"\s+(?:from|of|by)\s+"
)
NAME_LINKS = frozenset({"of", "for", "and", "the", "on", "&"})


def _speaker_keys(name: str) -> set[str]:
    """A name's key and, for a name of several words, its initials with and without the linking words
    ('Office of Inspector General': 'oig'; 'Ministry of Defence': 'mod' and 'md')."""
    key = _speaker_key(name)
    words = key.split()
    if len(words) < 2:
        return {key} if key and key not in CARRY_PRONOUNS | PERSON_PRONOUNS else set()
    full = "".join(w[0] for w in words if w[0].isalnum())
    content = "".join(w[0] for w in words if w not in NAME_LINKS and w[0].isalnum())
    return {key, full, content} - {""}


def _words_of_the_source(quote: Quote, alignment: Alignment, settings: Settings) -> bool:
    """A quotation credited to someone else that the source nonetheless contains, nearly word for word, is the
    source's: the release is naming the source's author or publisher (‘OIG found …’, ‘HMI Jane Smith wrote …’).
    A shorter one counts only when the source has every word of it in order: a term or a phrase taken from it
    (‘broadly unaffected’), though a person is named nearby."""
    if not alignment.found:
        return False
    if len(quote.text.split()) >= settings.align.reattribute_min_words:
        return alignment.score >= settings.align.reattribute_min_score
    return all(
        op.kind == "equal"
        or (op.kind == "replace" and same_words_in_other_forms(op.source_text, op.quote_text, settings.align.fuzzy_word_ratio))
        for op in alignment.ops
    )


def _claims(
    release: LoadedDocument,
    quotes: list[Quote],
    sources: list[PreparedSource],
    settings: Settings,
    names: list[str],
    embedder: Embedder | None,
) -> list[ClaimFinding]:
    """Each claim judged against every source; the best-supported judgement is kept."""
    rank = {"supported": 3, "contradicted": 2, "partly": 1, "unsupported": 0}
    per_source = []
    for prepared in sources:
        judged = check_claims(release, quotes, prepared.claims, settings, names, embedder)
        per_source.append([c.model_copy(update={"source_name": prepared.doc.name}) for c in judged])
    best: dict[tuple[int, int], ClaimFinding] = {}
    for judged in per_source:
        for claim in judged:
            key = (claim.start, claim.end)
            if key not in best or (rank[claim.verdict], claim.coverage) > (rank[best[key].verdict], best[key].coverage):
                best[key] = claim
    return [best[k] for k in sorted(best)]


def _combine(balances: list[Balance]) -> Balance:
    critical = sum(b.critical for b in balances)
    positive = sum(b.positive for b in balances)
    crit_in = sum(b.critical_mentioned for b in balances)
    pos_in = sum(b.positive_mentioned for b in balances)
    return Balance(
        critical=critical, critical_mentioned=crit_in, positive=positive, positive_mentioned=pos_in,
        critical_share=round(crit_in / critical, 3) if critical else 0.0,
        positive_share=round(pos_in / positive, 3) if positive else 0.0,
    )
