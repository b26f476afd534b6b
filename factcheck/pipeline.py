"""check(): the whole pipeline, load → extract → align → assess → report data."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from factcheck.align import SourceIndex, align
from factcheck.assess import Assessor
from factcheck.claims import ClaimChecker, check_claims
from factcheck.coverage import FindingMap, findings_status
from factcheck.qualify import Qualifier, Topics
from factcheck.config import Settings, load_settings
from factcheck.documents import LoadedDocument, load
from factcheck.embed import Embedder, default_embedder
from factcheck.errors import NoQuotationsError
from factcheck.extract import extract
from factcheck.types import SEVERITY_ORDER, Alignment, Quote, QuoteFinding, Report, Summary

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
    quotes: list[Quote], alignments: list[Alignment | None], source: LoadedDocument, embedder: Embedder
) -> None:
    """For quotations not found word for word, the most similar source sentence (or pair of sentences)."""
    missing = [i for i, a in enumerate(alignments) if a is not None and not a.found]
    if not missing or not source.sentences:
        return
    spans = [(s.start, s.end) for s in source.sentences]
    spans += [(a.start, b.end) for a, b in zip(source.sentences, source.sentences[1:]) if a.paragraph == b.paragraph]
    passages = [" ".join(source.text[a:b].split()) for a, b in spans]
    matrix = embedder.encode(passages)
    queries = embedder.encode([quotes[i].text for i in missing])
    scores = queries @ matrix.T
    for row, i in enumerate(missing):
        best = int(np.argmax(scores[row]))
        old = alignments[i]
        assert old is not None
        alignments[i] = old.model_copy(
            update={
                "nearest_similarity": round(float(scores[row, best]), 3),
                "source_start": spans[best][0],
                "source_end": spans[best][1],
            }
        )


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


def check(
    release: str | Path | LoadedDocument,
    source: str | Path | LoadedDocument,
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    source_names: list[str] | tuple[str, ...] = (),
) -> Report:
    """Check every quotation in `release` against `source` (each a path, the text itself, or a loaded Document)."""
    settings = settings or load_settings()
    release_doc = release if isinstance(release, LoadedDocument) else load(release, settings)
    source_doc = source if isinstance(source, LoadedDocument) else load(source, settings)
    names = [*source_names, *settings.source_names, *learn_source_names(source_doc)]
    quotes = extract(release_doc, settings, names)
    if not quotes:
        raise NoQuotationsError(f"{release_doc.name} contains no quotations to check")
    index = SourceIndex(source_doc, settings.align.seed_words)
    alignments: list[Alignment | None] = [
        None if q.speaker == "other" else align(q, release_doc, index, settings) for q in quotes
    ]
    if any(a is not None and not a.found for a in alignments):
        _nearest_passages(quotes, alignments, source_doc, embedder or default_embedder(settings.embedding))
    assessor = Assessor(source_doc, settings)
    findings = [assessor.assess(q, a, release_doc) for q, a in zip(quotes, alignments)]
    qualifier = assessor.q
    topics = assessor.topics
    claim_embedder = (embedder or default_embedder(settings.embedding)) if settings.claims.use_embeddings else None
    checker = ClaimChecker(source_doc, settings, qualifier, topics, claim_embedder)
    claims = check_claims(release_doc, quotes, checker, settings, names)
    source_findings, balance = findings_status(FindingMap(source_doc, settings, qualifier), release_doc, findings, topics, settings)
    unreported = sorted(
        (f for f in source_findings if f.status == "omitted"), key=lambda f: (f.tone != "critical", not f.section, f.start)
    )
    warnings = [
        f"quotation opened at character {f.start - 1} is never closed; read to the end of its paragraph"
        for f in findings
        if f.unclosed
    ]
    return Report(
        factcheck_version=__version__,
        release=release_doc.name,
        source=source_doc.name,
        summary=summarise(findings, len(claims)),
        quotes=findings,
        claims=claims,
        unreported=unreported,
        findings=source_findings,
        balance=balance,
        warnings=warnings,
    )
