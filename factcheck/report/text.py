"""A readable terminal summary (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factcheck.report.wording import VERDICT_LABELS, headline
from factcheck.types import Report

STYLES = {"none": "green", "low": "yellow", "medium": "dark_orange", "high": "bold red"}


def render_text(report: Report, width: int = 110, color: bool = False) -> str:
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
        label = VERDICT_LABELS.get(q.verdict, q.verdict)
        if q.severity != "none":
            label += f"\n({q.severity})"
        why = q.explanation
        if q.omitted and q.verdict in ("elided", "truncated", "context_omitted"):
            why += "\nLeft out: " + " / ".join("\u2018" + " ".join(o.split()) + "\u2019" for o in q.omitted[:2])
        quote = q.text if len(q.text) < 220 else q.text[:219] + "\u2026"
        table.add_row(str(number), f"[{style}]{escape(label)}[/{style}]", escape(quote), escape(why))
    console.print(table)
    if report.claims:
        console.print("[bold]Claims the release makes about the source, in its own words[/bold]")
        for c in report.claims:
            console.print(f"- [bold]{c.verdict}[/bold]: \u2018{escape(c.text)}\u2019 {escape(c.reason)}")
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
