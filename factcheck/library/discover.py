"""Which stored reports does a release quote? `discover` ranks them, with the quotations each one holds.

1. The release's quotations (factcheck's extractor), each turned into an FTS5 query: NEAR() of its rarest words
   (by how many stored reports have each), or, when no report has them that close together, those words
   ranked by bm25. The reports the most quoted words point to are the candidates.
2. The leading candidates are confirmed with the aligner, which places each quotation as `check` would. A
   quotation is held by a report when the passage it is placed at has at least MIN_QUOTE_SHARE of the
   quotation's words, counted by rarity (each word weighs log((N + 1) / (df + 0.5)) for N reports, df of them
   having the word), so 'at the end of the' held by any report counts for little. A report's score is the sum
   of that weight over the quotations it holds.
3. A release with no quotation held by any candidate is matched by its sentences instead: their rarest words
   by FTS5, their vectors by the approximate index (when the library has vectors of the embedder's model).
   Each is matched to the report's sentence sharing the most of its rarity weight, or nearest by vector.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from factcheck.align import SourceIndex, align
from factcheck.config import Settings, load_settings
from factcheck.library.index import PassageIndex, library_embedder, model_key
from factcheck.library.store import Excerpt, Library
from factcheck.text import LoadedDocument
from factcheck.types import Alignment, Quote, Span

if TYPE_CHECKING:
    from factcheck.embed import Embedder

RAREST_WORDS = 4  # words of a quotation put in its NEAR() query: the rarer, the fewer reports have them all
NEAR_SLACK = 10  # NEAR() allows the quotation's own length plus this many words (an edited quotation is longer)
OR_WORDS = 8  # words of a quotation or sentence in its bm25 query, when NEAR() finds nothing
HITS_PER_QUERY = 10  # reports one query may propose
LOCATOR_WORDS = 4  # a quotation's rarest words, whose paragraphs of a long report it is aligned against
EXCERPT_ABOVE_WORDS = 3000  # a report longer than this is read in those paragraphs only ...
PARAGRAPHS_PER_QUOTATION = 2  # ... the ones bm25 ranks highest for each quotation's locator words
TOPIC_WORDS = 12  # the release's rarest words, whose bm25 ranking breaks ties between reports
CONFIRMED_REPORTS = 8  # candidates read and aligned against, at most
CONFIRM_SHARE = 0.2  # candidates are read only while they may reach this share of the leading one's score
MIN_QUOTE_SHARE = 0.5  # a quotation counts as held when the aligned passage has this share of its rarity weight
MIN_SENTENCE_WORDS = 6  # release sentences shorter than this are not matched on their own
MIN_OVERLAP = 0.3  # a stored sentence with less than this share of a release sentence's rarity weight is no match
NEAREST_PASSAGES = 10  # passages the approximate index returns for each release sentence
MIN_SIMILARITY = 0.7  # a stored sentence less similar than this to a release sentence is no evidence


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotationMatch(_Data):
    """A quotation of the release, and where the report holds it."""

    text: str
    release_start: int
    release_end: int
    source_start: int
    source_end: int
    source_text: str
    score: float = Field(description="0-100: share of the quotation's words that align to the report")
    held: float = Field(description="0-1: share of the quotation's rarity weight in the passage it aligns to")


class SentenceMatch(_Data):
    """A sentence of the release, and the report's sentence most like it."""

    text: str
    release_start: int
    release_end: int
    source_start: int
    source_end: int
    source_text: str
    overlap: float = Field(description="0-1: share of the sentence's rarity weight in the report's sentence")
    similarity: float | None = Field(description="cosine similarity of the two sentences' vectors, when the library has them")


class Candidate(_Data):
    """A stored report the release may quote: the evidence, and its rank among the others."""

    rank: int
    digest: str = Field(description="sha256 of the report's normalised text: its key in the library")
    name: str = Field(description="the path the report was first added from")
    origins: list[str] = Field(description="every path the report was added from")
    score: float = Field(
        description="the rarity weight of the quoted words the report holds (by sentences: the sum of each "
        "sentence's best overlap or similarity)"
    )
    evidence: Literal["quotations", "sentences"]
    quotations: list[QuotationMatch] = []
    sentences: list[SentenceMatch] = []


def discover(
    release: str | Path | LoadedDocument,
    library_dir: Path,
    settings: Settings | None = None,
    top: int = 5,
    *,
    embedder: Embedder | None = None,
) -> list[Candidate]:
    """The stored reports `release` quotes, best first (at most `top`): those holding its quotations, or, when
    none holds any, those its sentences come from. A report with no evidence is not listed."""
    from factcheck.inputs import load
    from factcheck.quotes import extract

    settings = settings or load_settings()
    with Library.open(library_dir) as library:  # a missing library is the first thing to say
        release_doc = release if isinstance(release, LoadedDocument) else load(release, settings)
        quotes = [q for q in extract(release_doc, settings, list(settings.source_names)) if _words(release_doc, q.parts)]
        found = by_quotations(library, release_doc, quotes, settings, top) if quotes else []
        return found or by_sentences(library, release_doc, settings, top, embedder)


@dataclass(frozen=True)
class _Rarity:
    """How much each word tells reports apart: log((N + 1) / (df + 0.5)) for N reports, df holding the word."""

    weights: dict[str, float]

    @classmethod
    def of(cls, library: Library, words: list[list[str]]) -> tuple[_Rarity, dict[str, int]]:
        frequencies = library.document_frequencies(w for ws in words for w in ws)
        reports = library.count()
        return cls({w: math.log((reports + 1) / (df + 0.5)) for w, df in frequencies.items()}), frequencies

    def mass(self, words: set[str]) -> float:
        return sum(self.weights.get(w, 0.0) for w in words)


# --- by quotations ---------------------------------------------------------------------------------------------


def by_quotations(
    library: Library, release: LoadedDocument, quotes: list[Quote], settings: Settings, top: int
) -> list[Candidate]:
    """The reports holding the release's quotations, ranked by the rarity weight of the quoted words they hold.

    The full-text proposals are read in order of their votes (then of the whole release's bm25), and one is
    skipped when an upper bound on its score (the weight of the quotations whose words it has at all) cannot
    beat the `top`-th confirmed report or reach CONFIRM_SHARE of the first. Equal scores are ordered by that
    bm25 too."""
    words = [_words(release, q.parts) for q in quotes]
    rarity, frequencies = _Rarity.of(library, words)
    masses = [rarity.mass(set(ws)) for ws in words]
    votes: defaultdict[int, float] = defaultdict(float)
    for quote_words, mass in zip(words, masses):
        for document, weight in _proposals(library, quote_words, frequencies):
            votes[document] += weight * mass
    topic = _topic(library, release)
    bounds = {}
    holders = library.holders(w for ws in words for w in ws if frequencies.get(w))
    for document in set(votes) | set(topic):
        vocabulary = {w for w, documents in holders.items() if document in documents}
        possible = [i for i, ws in enumerate(words) if masses[i] and rarity.mass(set(ws) & vocabulary) >= MIN_QUOTE_SHARE * masses[i]]
        bounds[document] = (sum(rarity.mass(set(words[i]) & vocabulary) for i in possible), possible)
    scored: list[tuple[float, float, int, list[QuotationMatch]]] = []
    for document in sorted(bounds, key=lambda d: (-votes.get(d, 0.0), -topic.get(d, 0.0), d))[:CONFIRMED_REPORTS]:
        bound, possible = bounds[document]
        best = max((s[0] for s in scored), default=0.0)
        if not possible or bound < CONFIRM_SHARE * best or (len(scored) >= top and bound <= sorted(s[0] for s in scored)[-top]):
            continue  # it cannot be listed: not worth reading
        excerpt = _excerpt(library, document, [_locators(words[i], frequencies) for i in possible])
        index = SourceIndex(excerpt.doc, settings.align.seed_words)
        matches: list[tuple[float, QuotationMatch]] = []
        for i in possible:
            alignment = align(quotes[i], release, index, settings)
            if not alignment.found:
                continue
            span = Span(start=alignment.source_start, end=alignment.source_end)
            held = rarity.mass(set(words[i]) & set(_words(excerpt.doc, [span])))
            if held >= MIN_QUOTE_SHARE * masses[i]:
                matches.append((held, _quotation_match(quotes[i], alignment, excerpt, held / masses[i])))
        if matches:
            scored.append((sum(weight for weight, _ in matches), topic.get(document, 0.0), document, [m for _, m in matches]))
    scored.sort(key=lambda s: (-round(s[0], 6), -s[1], s[2]))
    return [
        _candidate(library, rank, document, score, "quotations", quotations=matches)
        for rank, (score, _, document, matches) in enumerate(scored[:top], 1)
    ]


def _proposals(library: Library, words: list[str], frequencies: dict[str, int]) -> list[tuple[int, float]]:
    """(report, weight 0-1) the full-text index proposes for a quotation or sentence: those holding its rarest
    words close together (NEAR), else those bm25 ranks highest for them, each weighted by its place."""
    known = [w for w in dict.fromkeys(words) if frequencies.get(w, 0) > 0]
    if not known:
        return []
    rarest = sorted(known, key=lambda w: (frequencies[w], -len(w), w))
    near = f"NEAR({' '.join(_term(w) for w in rarest[:RAREST_WORDS])}, {len(words) + NEAR_SLACK})"
    hits = library.search(near, HITS_PER_QUERY)
    if not hits:
        hits = library.search(" OR ".join(_term(w) for w in rarest[:OR_WORDS]), HITS_PER_QUERY)
    return [(document, 1.0 / (1 + place)) for place, (document, _) in enumerate(hits)]


def _topic(library: Library, release: LoadedDocument) -> dict[int, float]:
    """The reports bm25 finds closest to the whole release by its TOPIC_WORDS rarest words, weighted 1/place:
    what tells apart reports that hold the same short quotations ('Good', 'Inadequate')."""
    frequencies = library.document_frequencies(release.view.words)
    rarest = sorted((w for w, df in frequencies.items() if df > 0), key=lambda w: (frequencies[w], -len(w), w))
    if not rarest:
        return {}
    hits = library.search(" OR ".join(_term(w) for w in rarest[:TOPIC_WORDS]), HITS_PER_QUERY)
    return {document: 1.0 / (1 + place) for place, (document, _) in enumerate(hits)}


def _term(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _leading(votes: dict[int, float]) -> list[int]:
    """The candidates worth reading by sentences: the CONFIRMED_REPORTS with most votes, within CONFIRM_SHARE
    of the first."""
    ranked = sorted(votes, key=lambda d: (-votes[d], d))[:CONFIRMED_REPORTS]
    return [d for d in ranked if votes[d] >= CONFIRM_SHARE * votes[ranked[0]]]


def _words(doc: LoadedDocument, parts: Sequence[Span]) -> list[str]:
    view = doc.view
    return [view.words[i] for part in parts for i in view.words_between(part.start, part.end)]


def _quotation_match(quote: Quote, alignment: Alignment, excerpt: Excerpt, held: float) -> QuotationMatch:
    start, end = excerpt.to_original(alignment.source_start, alignment.source_end)
    return QuotationMatch(
        text=quote.text,
        release_start=quote.start,
        release_end=quote.end,
        source_start=start,
        source_end=end,
        source_text=excerpt.original[start:end],
        score=round(alignment.score, 1),
        held=round(held, 3),
    )


def _locators(words: list[str], frequencies: dict[str, int]) -> list[str]:
    """The words that find a quotation's place in a report: its LOCATOR_WORDS rarest."""
    known = [w for w in dict.fromkeys(words) if frequencies.get(w, 0) > 0]
    return sorted(known, key=lambda w: (frequencies[w], -len(w), w))[:LOCATOR_WORDS]


def _excerpt(library: Library, document: int, locators: list[list[str]]) -> Excerpt:
    """The paragraphs of a report where quotations (or sentences) may be: for each, the
    PARAGRAPHS_PER_QUOTATION that bm25 ranks highest for its locator words. The whole report when it is short (EXCERPT_ABOVE_WORDS) or
    when no paragraph has those words."""
    if library.words(document) <= EXCERPT_ABOVE_WORDS:
        return library.excerpt(document)
    spans = {span for words in dict.fromkeys(tuple(ws) for ws in locators)
             for span in library.paragraphs_with(document, words, PARAGRAPHS_PER_QUOTATION)}
    return library.excerpt(document, sorted(spans)) if spans else library.excerpt(document)


def _candidate(
    library: Library,
    rank: int,
    document: int,
    score: float,
    evidence: Literal["quotations", "sentences"],
    quotations: list[QuotationMatch] | None = None,
    sentences: list[SentenceMatch] | None = None,
) -> Candidate:
    digest, name, origins = library.describe(document)
    return Candidate(
        rank=rank, digest=digest, name=name, origins=origins, score=round(score, 3), evidence=evidence,
        quotations=quotations or [], sentences=sentences or [],
    )


# --- by sentences --------------------------------------------------------------------------------------------


def by_sentences(
    library: Library, release: LoadedDocument, settings: Settings, top: int, embedder: Embedder | None
) -> list[Candidate]:
    """The reports the release's sentences come from, ranked by the sum of each sentence's best evidence: the
    share of its rarity weight one of the report's sentences has, or their similarity by vector."""
    sentences = [
        span
        for s in release.sentences
        if len(_words(release, [span := Span(start=s.start, end=s.end)])) >= MIN_SENTENCE_WORDS
    ]
    if not sentences:
        return []
    words = [_words(release, [s]) for s in sentences]
    rarity, frequencies = _Rarity.of(library, words)
    votes: defaultdict[int, float] = defaultdict(float)
    for sentence_words in words:
        for document, weight in _proposals(library, sentence_words, frequencies):
            votes[document] += weight
    nearest = _nearest(library, release, sentences, settings, embedder)
    for by_document in nearest:
        for document, (similarity, _, _) in by_document.items():
            votes[document] += similarity
    scored = []
    for document in _leading(votes):
        excerpt = _excerpt(library, document, [_locators(ws, frequencies) for ws in words])
        stored = [
            (*excerpt.to_original(s.start, s.end), set(_words(excerpt.doc, [Span(start=s.start, end=s.end)])))
            for s in excerpt.doc.sentences
        ]
        matches = [
            match
            for number, sentence in enumerate(sentences)
            if (match := _sentence_match(release, sentence, set(words[number]), excerpt.original, stored, rarity,
                                         nearest[number].get(document))) is not None
        ]
        if matches:
            score = sum(max(m.overlap, m.similarity or 0.0) for m in matches)
            scored.append((score, votes[document], document, matches))
    scored.sort(key=lambda s: (-round(s[0], 6), -s[1], s[2]))
    return [
        _candidate(library, rank, document, score, "sentences", sentences=matches)
        for rank, (score, _, document, matches) in enumerate(scored[:top], 1)
    ]


def _nearest(
    library: Library, release: LoadedDocument, sentences: list[Span], settings: Settings, embedder: Embedder | None
) -> list[dict[int, tuple[float, int, int]]]:
    """For each release sentence, the reports among its nearest stored passages, with the best one's
    (similarity, start, end). Empty when the library has no vectors of the embedder's model."""
    embedder = embedder or library_embedder(settings)
    index = PassageIndex.up_to_date(library, model_key(embedder))
    if index is None:
        return [{} for _ in sentences]
    hits = index.search(embedder.encode([release.text[s.start : s.end] for s in sentences]), NEAREST_PASSAGES)
    places = library.passage_places(p for row in hits for p, _ in row)
    nearest: list[dict[int, tuple[float, int, int]]] = []
    for row in hits:
        best: dict[int, tuple[float, int, int]] = {}
        for passage, similarity in row:
            if similarity < MIN_SIMILARITY or passage not in places:
                continue
            document, start, end = places[passage]
            if document not in best or similarity > best[document][0]:
                best[document] = (similarity, start, end)
        nearest.append(best)
    return nearest


def _sentence_match(
    release: LoadedDocument,
    sentence: Span,
    wanted: set[str],
    source: str,
    stored: list[tuple[int, int, set[str]]],
    rarity: _Rarity,
    nearest: tuple[float, int, int] | None,
) -> SentenceMatch | None:
    """A release sentence's best match in a report (`source`, its text; `stored`, its sentences read, with
    their words): the sentence with the largest share of its rarity weight (at least MIN_OVERLAP), else its
    nearest passage by vector (at least MIN_SIMILARITY)."""
    mass = rarity.mass(wanted)
    overlap, start, end = max(((rarity.mass(wanted & w) / mass if mass else 0.0, a, b) for a, b, w in stored),
                              key=lambda t: (t[0], -t[1]), default=(0.0, 0, 0))
    if overlap < MIN_OVERLAP:
        if nearest is None:
            return None
        overlap, start, end = 0.0, nearest[1], nearest[2]
    return SentenceMatch(
        text=release.text[sentence.start : sentence.end],
        release_start=sentence.start,
        release_end=sentence.end,
        source_start=start,
        source_end=end,
        source_text=source[start:end],
        overlap=round(overlap, 3),
        similarity=round(nearest[0], 3) if nearest is not None and (nearest[1], nearest[2]) == (start, end) else None,
    )
