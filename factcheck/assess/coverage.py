"""What the release leaves out: the source's findings, critical and positive, and which of them the release
quotes, reflects in its own words, or omits."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from factcheck.assess.qualify import Qualifier, Topics, content_stems, phrase_pattern
from factcheck.assess.strength import strength
from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.types import Balance, QuoteFinding, SourceFinding

MIN_FINDING_WORDS = 5
HEADING_MAX_WORDS = 14


class FindingMap:
    """The source's critical and positive findings, found once per source."""

    def __init__(self, source: LoadedDocument, settings: Settings, qualifier: Qualifier) -> None:
        self.source = source
        self.q = qualifier
        self.praise = phrase_pattern(settings.lexicon.praise)
        self.improvement = phrase_pattern(settings.lexicon.improvement_headings)
        self.findings: list[SourceFinding] = list(self._find())

    def _section_of(self) -> list[str]:
        """For each paragraph, the improvement heading it sits under ('' when none)."""
        text = self.source.text
        sections: list[str] = []
        current = ""
        for index, para in enumerate(self.source.paragraphs):
            body = text[para.start : para.end].strip()
            if _is_heading(body) and not _is_listed(self.source, index):
                current = body if self.improvement and self.improvement.search(body) else ""
                sections.append("")
                continue
            if (
                current and not _is_listed(self.source, index) and index and not _is_listed(self.source, index - 1)
                and not re.search(r"\b(?:should|must|need|needs|improve|ensure)\b", body, re.IGNORECASE)
            ):
                current = ""
            sections.append(current)
        return sections

    def _find(self) -> Iterator[SourceFinding]:
        text = self.source.text
        sections = self._section_of()
        for sentence in self.source.sentences:
            body = " ".join(text[sentence.start : sentence.end].split())
            if len(body.split()) < MIN_FINDING_WORDS and not sections[sentence.paragraph]:
                continue
            section = sections[sentence.paragraph]
            if _is_heading(body) and not section:
                continue
            against = len(self.q.cues(body, ("criticism", "limiting")))
            praise = len(self.praise.findall(body)) if self.praise is not None else 0
            critical = bool(section) or (against > 0 and against >= praise)
            positive = not critical and praise > 0
            if critical or positive:
                yield SourceFinding(
                    text=body, start=sentence.start, end=sentence.end,
                    tone="critical" if critical else "positive", section=section, status="omitted",
                )


def _is_heading(body: str) -> bool:
    words = body.split()
    return 0 < len(words) <= HEADING_MAX_WORDS and not re.search(r"[.!]$", body) and (
        body.endswith((":", "?")) or body[:1].isupper()
    ) and not re.search(r"[,;]", body)


def _is_listed(doc: LoadedDocument, index: int) -> bool:
    para = doc.paragraphs[index]
    line_start = doc.text.rfind("\n", 0, para.start) + 1
    return bool(doc.text[line_start : para.start].strip())


def findings_status(
    findings: FindingMap, release: LoadedDocument, quotes: list[QuoteFinding], topics: Topics, settings: Settings
) -> tuple[list[SourceFinding], Balance]:
    """Each finding marked quoted (a quotation aligns inside it), reflected (a release sentence carries most of
    its content words) or omitted; and the balance of critical against positive findings mentioned."""
    quoted_spans = sorted((op.source_start, op.source_end) for q in quotes for op in q.edits if op.kind == "equal")
    span_starts = [a for a, _ in quoted_spans]
    longest = max((b - a for a, b in quoted_spans), default=0)
    sentences = [(s.start, s.end, release.text[s.start : s.end]) for s in release.sentences]
    critical_ids = {
        n for n, (_, _, body) in enumerate(sentences)
        if findings.q.cues(body, ("criticism", "limiting", "negation", "contrast"))
    }
    postings: dict[str, list[int]] = {}
    for n, (_, _, body) in enumerate(sentences):
        for stem_ in content_stems(body):
            postings.setdefault(stem_, []).append(n)
    marked: list[SourceFinding] = []
    for finding in findings.findings:
        status, where = "omitted", (-1, -1)
        first = bisect_left(span_starts, finding.start - longest)
        if any(a < finding.end and finding.start < b for a, b in quoted_spans[first : bisect_left(span_starts, finding.end)]):
            status = "quoted"
        else:
            stems = content_stems(finding.text)
            total = sum(topics.weight(s) for s in stems)
            gained: dict[int, float] = {}
            for stem_ in stems:
                weight = topics.weight(stem_)
                for n in postings.get(stem_, ()):
                    # for a criticism, the release must say there is a problem, not just name the subject
                    if finding.tone != "critical" or n in critical_ids:
                        gained[n] = gained.get(n, 0.0) + weight
            if gained and total:
                best = min(gained, key=lambda n: (-gained[n], n))
                if gained[best] / total >= settings.claims.reflected_coverage:
                    status, where = "reflected", (sentences[best][0], sentences[best][1])
            nearest = _nearest_sentence(stems, total, postings, topics)
            if nearest is not None and nearest[1] >= settings.claims.reflected_coverage:
                body = sentences[nearest[0]][2]
                if strength(body, finding.text, findings.q, settings.lexicon).contradiction:
                    status, where = "contradicted", (sentences[nearest[0]][0], sentences[nearest[0]][1])
        update = {
            "status": status, "release_start": where[0], "release_end": where[1],
            "importance": _importance(finding, findings.q, stems_touched(finding.text, postings)),
        }
        marked.append(finding.model_copy(update=update))
    critical = [f for f in marked if f.tone == "critical"]
    positive = [f for f in marked if f.tone == "positive"]
    crit_in = sum(1 for f in critical if f.status in MENTIONED)
    pos_in = sum(1 for f in positive if f.status in MENTIONED)
    balance = Balance(
        critical=len(critical), critical_mentioned=crit_in, positive=len(positive), positive_mentioned=pos_in,
        critical_share=round(crit_in / len(critical), 3) if critical else 0.0,
        positive_share=round(pos_in / len(positive), 3) if positive else 0.0,
    )
    return marked, balance


MENTIONED = frozenset({"quoted", "reflected"})  # a release sentence that contradicts a finding does not mention it
SECTION_WEIGHT = 0.4  # under 'What needs to improve' or 'Recommendations': the source's own priorities
CUES_WEIGHT = 0.3  # how many words of criticism, limit or negation it carries (up to three)
CRITICAL_WEIGHT = 0.2
UNTOUCHED_WEIGHT = 0.1  # the release never comes near its subject


def _nearest_sentence(
    stems: frozenset[str], total: float, postings: dict[str, list[int]], topics: Topics
) -> tuple[int, float] | None:
    """The release sentence sharing most of a finding's content words (weighted by rarity), whatever its tone."""
    gained: dict[int, float] = {}
    for stem_ in stems:
        for n in postings.get(stem_, ()):
            gained[n] = gained.get(n, 0.0) + topics.weight(stem_)
    if not gained or not total:
        return None
    best = min(gained, key=lambda n: (-gained[n], n))
    return best, gained[best] / total


def stems_touched(text: str, postings: dict[str, list[int]]) -> float:
    """Share of a finding's content words that the release uses anywhere."""
    stems = content_stems(text)
    return sum(1 for s in stems if s in postings) / len(stems) if stems else 0.0


def _importance(finding: SourceFinding, qualifier: Qualifier, touched: float) -> float:
    cues = qualifier.cues(finding.text, ("criticism", "limiting", "negation"))
    score = (
        (SECTION_WEIGHT if finding.section else 0.0)
        + CUES_WEIGHT * min(len(cues), 3) / 3
        + (CRITICAL_WEIGHT if finding.tone == "critical" else 0.0)
        + UNTOUCHED_WEIGHT * (1.0 - touched)
    )
    return round(min(score, 1.0), 3)
