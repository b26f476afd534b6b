"""check(): the whole pipeline, load → extract → align → assess → report data.

Each source is prepared once (PreparedSource, cached by its content and the settings) and never changed after;
a check builds its own values from it and writes nothing back, so checks may share sources across threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from factcheck.align import SourceIndex, align, likeliest_occurrence
from factcheck.assess import Assessor, ClaimChecker, FindingMap, Window, check_claims, findings_status
from factcheck.config import Settings, load_settings
from factcheck.embed import Embedder, default_embedder
from factcheck.errors import InputError
from factcheck.inputs import load
from factcheck.quotes import extract, learn_source_names, reattribute
from factcheck.text import LoadedDocument
from factcheck.types import (
    SEVERITY_ORDER,
    Alignment,
    Balance,
    ClaimFinding,
    Quote,
    QuoteFinding,
    Report,
    Severity,
    SourceFinding,
    Summary,
)

__version__ = "0.1.0"

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
    sources = [prepare_source(doc, settings) for doc in _source_documents(source, settings)]
    names = [*source_names, *settings.source_names, *(n for p in sources for n in p.names)]
    quotes = extract(release_doc, settings, names)  # none is not an error: the release's claims are still checked
    best = [_best_match(quote, release_doc, sources, settings) for quote in quotes]
    quotes = reattribute(quotes, [match.alignment for match in best], settings)
    matches = [None if quote.speaker == "other" else match for quote, match in zip(quotes, best)]
    if any(match is not None and not match.alignment.found for match in matches):
        matches = _nearest_passages(quotes, matches, sources, embedder or default_embedder(settings.embedding))
    findings = [_assess(quote, match, sources[0], release_doc) for quote, match in zip(quotes, matches)]
    claim_embedder = (embedder or default_embedder(settings.embedding)) if settings.claims.use_embeddings else None
    claims = _claims(release_doc, quotes, sources, settings, names, claim_embedder)
    source_findings, balance = _source_findings(sources, findings, release_doc, settings)
    return Report(
        factcheck_version=__version__,
        release=release_doc.name,
        source=", ".join(p.doc.name for p in sources),
        sources=[p.doc.name for p in sources],
        summary=summarise(findings, claims, source_findings),
        quotes=findings,
        claims=claims,
        unreported=_unreported(source_findings, settings.assess.unreported_limit),
        findings=source_findings,
        balance=balance,
        warnings=_warnings(findings),
    )


@dataclass(frozen=True)
class PreparedSource:
    """A source made ready once and reused: its word index, topic weights, cue finder and findings."""

    doc: LoadedDocument
    index: SourceIndex
    assessor: Assessor
    findings: FindingMap
    names: tuple[str, ...]
    claims: ClaimChecker


@dataclass(frozen=True)
class Match:
    """Where a quotation was placed: the source it is taken to come from, and its alignment there."""

    source: PreparedSource
    alignment: Alignment


_PREPARED: OrderedDict[tuple[str, str, str], PreparedSource] = OrderedDict()
PREPARED_CACHE_SIZE = 8
_PREPARED_LOCK = threading.Lock()


def prepare_source(doc: LoadedDocument, settings: Settings) -> PreparedSource:
    """The source made ready for checking, built once for each name, text and settings (the last
    PREPARED_CACHE_SIZE are kept)."""
    key = (doc.name, hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest(), _settings_key(settings))
    with _PREPARED_LOCK:  # the web server's threads share the cache: a look-up must not race an eviction
        cached = _PREPARED.get(key)
        if cached is not None:
            _PREPARED.move_to_end(key)
            return cached
    assessor = Assessor(doc, settings)
    prepared = PreparedSource(
        doc=doc,
        index=SourceIndex(doc, settings.align.seed_words),
        assessor=assessor,
        findings=FindingMap(doc, settings, assessor.q),
        names=tuple(learn_source_names(doc)),
        claims=ClaimChecker(doc, settings, assessor.q, assessor.topics),
    )
    with _PREPARED_LOCK:
        _PREPARED[key] = prepared
        while len(_PREPARED) > PREPARED_CACHE_SIZE:
            _PREPARED.popitem(last=False)
    return prepared


def _settings_key(settings: Settings) -> str:
    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()


def _source_documents(source: SourceInput | Sequence[SourceInput], settings: Settings) -> list[LoadedDocument]:
    """The sources, loaded; two given under one name (as text, say) are told apart in the report, on copies,
    not the caller's documents."""
    # anything but a list or a tuple is one input, as check() documents
    inputs = list(source) if isinstance(source, (list, tuple)) else [cast(SourceInput, source)]
    if not inputs:
        raise InputError("no source to check against")
    docs = [s if isinstance(s, LoadedDocument) else load(s, settings) for s in inputs]
    seen = Counter(d.name for d in docs)
    return [
        doc.model_copy(update={"name": f"{doc.name} #{number}"}) if seen[doc.name] > 1 else doc
        for number, doc in enumerate(docs, 1)
    ]


def _best_match(quote: Quote, release: LoadedDocument, sources: list[PreparedSource], settings: Settings) -> Match:
    """The source that holds the quotation best, and the likeliest of its places there."""
    candidates = [(p, align(quote, release, p.index, settings)) for p in sources]
    prepared, alignment = max(candidates, key=lambda pair: (pair[1].found, pair[1].score))
    similarity = prepared.assessor.topics.similarity
    return Match(prepared, likeliest_occurrence(quote, alignment, release, prepared.index, settings, similarity=similarity))


def _nearest_passages(
    quotes: list[Quote], matches: list[Match | None], sources: list[PreparedSource], embedder: Embedder
) -> list[Match | None]:
    """For quotations not found word for word, the most similar source sentence (or pair of sentences), in any
    source, among the passages that share the most content words with it."""
    return [
        _nearest_passage(quote, match, sources, embedder) if match is not None and not match.alignment.found else match
        for quote, match in zip(quotes, matches)
    ]


def _nearest_passage(quote: Quote, match: Match, sources: list[PreparedSource], embedder: Embedder) -> Match:
    best: tuple[float, PreparedSource, Window] | None = None
    for prepared in sources:
        score, window = prepared.claims.semantic_evidence(quote.text, embedder)
        if window is not None and (best is None or score > best[0]):
            best = (score, prepared, window)
    if best is None:
        return match
    score, prepared, window = best
    old = match.alignment if match.source is prepared else align_failure()
    update = {"nearest_similarity": round(score, 3), "source_start": window.start, "source_end": window.end}
    return Match(prepared, old.model_copy(update=update))


def align_failure() -> Alignment:
    return Alignment(found=False, score=0.0)


def _assess(quote: Quote, match: Match | None, first: PreparedSource, release: LoadedDocument) -> QuoteFinding:
    """The quotation's finding against the source it was placed in; one set aside as someone else's is judged
    by the first source and names none."""
    if match is None:
        return first.assessor.assess(quote, None, release)
    finding = match.source.assessor.assess(quote, match.alignment, release)
    return finding.model_copy(update={"source_name": match.source.doc.name})


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


def _source_findings(
    sources: list[PreparedSource], findings: list[QuoteFinding], release: LoadedDocument, settings: Settings
) -> tuple[list[SourceFinding], Balance]:
    """Every source's critical and positive findings, each marked quoted, reported or omitted by the release,
    and the balance of what the release reports, over all sources."""
    marked_all: list[SourceFinding] = []
    balances = []
    for prepared in sources:
        own = [f for f in findings if f.source_name == prepared.doc.name]
        marked, balance = findings_status(prepared.findings, release, own, prepared.assessor.topics, settings)
        marked_all.extend(f.model_copy(update={"source_name": prepared.doc.name}) for f in marked)
        balances.append(balance)
    return marked_all, _combine(balances)


def _unreported(source_findings: list[SourceFinding], limit: int) -> list[SourceFinding]:
    """The source findings the release leaves out (or contradicts), most important first; the first `limit`
    (every one when it is 0). All of them, with their status, are in the report's `findings`."""
    unreported = [f for f in source_findings if f.status in ("omitted", "contradicted")]
    unreported.sort(key=lambda f: (-f.importance, f.tone != "critical", f.source_name, f.start))
    return unreported[:limit] if limit else unreported


def _warnings(findings: list[QuoteFinding]) -> list[str]:
    return [
        f"quotation opened at character {f.start - 1} is never closed; read to the end of its paragraph"
        for f in findings
        if f.unclosed
    ]


def summarise(findings: list[QuoteFinding], claims: list[ClaimFinding], source_findings: list[SourceFinding]) -> Summary:
    """The report's counts; a finding a baseline accepted counts only in `verdicts` and `accepted` (see Summary)."""
    verdicts = Counter(f.verdict for f in findings)
    open_findings = [f for f in findings if not f.accepted]
    open_claims = [c for c in claims if not c.accepted]
    severities: Counter[str] = Counter(f.severity for f in open_findings)
    every: list[Severity] = [*(f.severity for f in open_findings), *(c.severity for c in open_claims)]
    worst: Severity = max(every, key=lambda s: SEVERITY_ORDER[s], default="none")
    return Summary(
        quotes=len(findings),
        checked=sum(1 for f in findings if f.verdict != "other_speaker"),
        verdicts=dict(sorted(verdicts.items())),
        severities={s: severities.get(s, 0) for s in SEVERITY_ORDER},
        flagged=sum(1 for f in open_findings if f.severity != "none"),
        claims=len(claims),
        claims_flagged=sum(1 for c in open_claims if c.verdict in ("unsupported", "contradicted")),
        unclosed_quotes=sum(1 for f in findings if f.unclosed),
        unreported_total=sum(1 for f in source_findings if f.status in ("omitted", "contradicted")),
        worst_severity=worst,
        accepted=len(findings) - len(open_findings) + len(claims) - len(open_claims),
    )


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
