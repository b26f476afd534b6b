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
        console.print("[bold]Claims[/bold]")
        for c in report.claims:
            console.print(f"- {c.verdict}: {escape(c.text)} ({escape(c.reason)})")
    return buffer.getvalue()
