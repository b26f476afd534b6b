"""Markdown report, for pasting into a newsroom chat or a CMS. All input text is escaped."""

from __future__ import annotations

import re

from factcheck.report.passage import (
    SourceTexts,
    marked_text,
    passage_segments,
    release_segments,
    text_of_source,
)
from factcheck.report.wording import (
    ACCEPTED,
    CLAIM_LABELS,
    LIBRARY_TITLE,
    VERDICT_LABELS,
    headline,
    library_evidence,
    verdict_label,
)
from factcheck.types import Report

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


MARKS = {"escape": md_escape, "struck": lambda text: f"~~{text}~~", "tag": lambda text: f"**{md_escape(text)}**" + " " * text.endswith(" ")}


def _library_lines(report: Report) -> list[str]:
    """The library reports the release was checked against, when it named no source."""
    if not report.library:
        return []
    items = [f"- {md_escape(found.name)} ({md_escape(library_evidence(found))})" for found in report.library]
    return [f"{LIBRARY_TITLE}:", "", *items, ""]


def render_markdown(report: Report, source_text: SourceTexts = "") -> str:
    s = report.summary
    lines = [
        "# factcheck report",
        "",
        f"Release: {md_escape(report.release)}  ",
        f"Source: {md_escape(report.source)}",
        "",
        *_library_lines(report),
        f"**{headline(report)}**",
        "",
        "| verdict | quotations |",
        "| --- | --- |",
        *[f"| {VERDICT_LABELS.get(v, v)} | {n} |" for v, n in s.verdicts.items()],
        "",
    ]
    for warning in report.warnings:
        lines.append(f"> Warning: {md_escape(warning)}")
    lines.append("## Quotations")
    lines.append("")
    for number, q in enumerate(report.quotes, 1):
        label = verdict_label(q)
        sev = f", severity {q.severity}" if q.severity != "none" else ""
        accepted = f" ({ACCEPTED}: in the baseline, not counted)" if q.accepted else ""
        lines.append(f"### {number}. {label}{sev}{accepted}")
        lines.append("")
        who = f" ({md_escape(q.speaker_name)})" if q.speaker_name else ""
        own_text = text_of_source(source_text, q.source_name)
        in_release = release_segments(q, own_text) if q.severity != "none" or q.verdict == "minor_edit" else []
        said = marked_text(in_release, "release", **MARKS) if in_release else md_escape(q.text)
        lines.append(f"**Release{who}:** “{said}”")
        lines.append("")
        if q.source_text and own_text:
            named = f" ({md_escape(q.source_name)})" if len(report.sources) > 1 else ""
            lines.append(f"**Source{named}:** " + marked_text(passage_segments(q, own_text), "source", **MARKS))
            lines.append("")
        elif q.context:
            for note in q.context:
                lines.append(f"**Left out, next to it:** ~~{md_escape(note.text)}~~")
                lines.append("")
        lines.append(md_escape(q.explanation))
        lines.append("")
    if report.claims:
        lines.append("## Claims the release makes about the source")
        lines.append("")
        for c in report.claims:
            accepted = f" ({ACCEPTED})" if c.accepted else ""
            lines.append(f"- **{CLAIM_LABELS[c.verdict]}**{accepted}: “{md_escape(c.text)}” — {md_escape(c.reason)}")
            for evidence in c.evidence_text[:1]:
                lines.append(f"  - Source: {md_escape(evidence)}")
        lines.append("")
    if report.balance is not None:
        b = report.balance
        lines.append("## What the release leaves out")
        lines.append("")
        lines.append(
            f"The release mentions {b.critical_mentioned} of the source's {b.critical} critical findings "
            f"({b.critical_share:.0%}) and {b.positive_mentioned} of its {b.positive} positive findings ({b.positive_share:.0%})."
        )
        lines.append("")
        for f in (f for f in report.unreported if f.tone == "critical"):
            where = f" *({md_escape(f.section)})*" if f.section else ""
            lines.append(f"- {md_escape(f.text)}{where}")
        lines.append("")
    return "\n".join(lines)
