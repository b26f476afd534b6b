"""A readable terminal summary (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factcheck.report.passage import Segment, SourceTexts, marked_text, release_segments, text_of_source
from factcheck.report.wording import CLAIM_LABELS, headline, verdict_label
from factcheck.types import QuoteFinding, Report

STYLES = {"none": "green", "low": "yellow", "medium": "dark_orange", "high": "bold red"}


QUOTE_LIMIT = 220  # characters of an unmarked quotation shown in the table
MARKS = {
    "escape": escape,
    "struck": lambda text: f"[strike red]{text}[/strike red]",
    "tag": lambda text: f"[bold yellow]{escape(text)}[/bold yellow]",
}


def marked_segments(finding: QuoteFinding, source_text: str) -> list[Segment]:
    """The quotation's segments when the table marks its changes in place, else none."""
    if finding.severity != "none" or finding.verdict == "minor_edit":
        return release_segments(finding, source_text)
    return []


def quotation_cell(finding: QuoteFinding, segments: list[Segment]) -> str:
    """The quotation as rich markup, its changes marked in brackets where they happened (and struck through
    in colour); a long quotation with nothing marked is cut short."""
    if segments:
        return marked_text(segments, "release", **MARKS)
    text = finding.text if len(finding.text) < QUOTE_LIMIT else finding.text[: QUOTE_LIMIT - 1] + "\u2026"
    return escape(text)


def render_text(report: Report, source_text: SourceTexts = "", width: int = 110, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    console.print(f"[bold]factcheck[/bold] {escape(report.release)} against {escape(report.source)}")
    console.print(escape(headline(report)))
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("verdict", width=16)
    table.add_column("quotation", ratio=2)
    table.add_column("why", ratio=3)
    for number, q in enumerate(report.quotes, 1):
        style = STYLES[q.severity]
        label = verdict_label(q)
        if q.severity != "none":
            label += f"\n({q.severity})"
        segments = marked_segments(q, text_of_source(source_text, q.source_name))
        why = q.explanation
        if q.omitted and q.verdict in ("elided", "truncated", "context_omitted") and not segments:
            why += "\nLeft out: " + " / ".join("\u2018" + " ".join(o.split()) + "\u2019" for o in q.omitted[:2])
        quote = quotation_cell(q, segments)
        table.add_row(str(number), f"[{style}]{escape(label)}[/{style}]", quote, escape(why))
    console.print(table)
    if report.claims:
        console.print("[bold]Claims the release makes about the source, in its own words[/bold]")
        for c in report.claims:
            console.print(f"- [bold]{CLAIM_LABELS[c.verdict]}[/bold]: \u2018{escape(c.text)}\u2019 {escape(c.reason)}")
    if report.balance is not None:
        b = report.balance
        console.print(
            f"[bold]Balance[/bold]: the release mentions {b.critical_mentioned} of the source's {b.critical} critical findings "
            f"({b.critical_share:.0%}) and {b.positive_mentioned} of its {b.positive} positive ones ({b.positive_share:.0%})."
        )
    critical = [f for f in report.unreported if f.tone == "critical"]
    if critical:
        console.print("[bold]Critical findings the release leaves out[/bold]")
        for f in critical[:12]:
            where = f" [{escape(f.section)}]" if f.section else ""
            console.print(f"- {escape(f.text)}{where}")
        if len(critical) > 12:
            console.print(f"  \u2026 and {len(critical) - 12} more (see the JSON report)")
    return buffer.getvalue()
