"""A readable terminal report (rich), at any width from about 40 characters.

First the flagged findings, worst first, one line each; then every quotation. From WIDE characters on, the
quotation and what the release did have a column each; below it they share one column, and below NARROW there
is no table, only a short block per quotation, so that no column is squeezed until its words break.
"""

from __future__ import annotations

import io
from typing import NamedTuple

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from factcheck.report.passage import Segment, SourceTexts, marked_text, release_segments, text_of_source
from factcheck.report.wording import (
    ACCEPTED,
    LIBRARY_TITLE,
    claim_label,
    headline,
    library_evidence,
    verdict_label,
)
from factcheck.types import SEVERITY_ORDER, QuoteFinding, Report

STYLES = {"none": "green", "low": "yellow", "medium": "dark_orange", "high": "bold red"}
ACCEPTED_STYLE = "cyan"

FILE_WIDTH = 100  # characters: a report written to a file or a pipe, the same whatever the terminal
WIDE = 120  # from this width, the quotation and the reason each have a column
NARROW = 60  # below this width, a block per quotation instead of a table
QUOTE_LIMIT = 220  # characters of an unmarked quotation shown in the table
UNREPORTED_SHOWN = 12
MIN_WORDS = 12  # characters: with less room on its line, a flagged finding's line leaves out its first words
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


def first_words(text: str, limit: int) -> str:
    """`text` on one line, cut after the last whole word that fits in `limit` characters (with an ellipsis)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(1, limit - 1)]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "\u2026"


def render_text(report: Report, source_text: SourceTexts = "", width: int = FILE_WIDTH, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    console.print(f"[bold]factcheck[/bold] {escape(report.release)} against {escape(report.source)}")
    for found in report.library or []:
        console.print(f"{LIBRARY_TITLE}: {escape(found.name)} ({escape(library_evidence(found))})")
    console.print(escape(headline(report)))
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print()
    _worst_first(console, report, width)
    console.print()
    rows = [_Row(number, q, text_of_source(source_text, q.source_name)) for number, q in enumerate(report.quotes, 1)]
    if width >= NARROW:
        console.print(_table(rows, width))
    else:
        _blocks(console, rows)
    if report.claims:
        console.print("[bold]Claims the release makes about the source, in its own words[/bold]")
        for number, c in enumerate(report.claims, 1):
            mark = f" [{ACCEPTED_STYLE}]({ACCEPTED.lower()})[/{ACCEPTED_STYLE}]" if c.accepted else ""
            console.print(f"- c{number} [bold]{claim_label(c)}[/bold]{mark}: \u2018{escape(c.text)}\u2019 {escape(c.reason)}")
    if report.balance is not None:
        b = report.balance
        console.print(
            f"[bold]Balance[/bold]: the release mentions {b.critical_mentioned} of the source's {b.critical} critical findings "
            f"({b.critical_share:.0%}) and {b.positive_mentioned} of its {b.positive} positive ones ({b.positive_share:.0%})."
        )
    critical = [f for f in report.unreported if f.tone == "critical"]
    if critical:
        console.print("[bold]Critical findings the release leaves out[/bold]")
        for f in critical[:UNREPORTED_SHOWN]:
            where = f" [{escape(f.section)}]" if f.section else ""
            console.print(f"- {escape(f.text)}{where}")
        if len(critical) > UNREPORTED_SHOWN:
            console.print(f"  \u2026 and {len(critical) - UNREPORTED_SHOWN} more (see the JSON report)")
    # rich pads a wrapped line with spaces to the width; a file should not end its lines with them
    return "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))


class _Flag(NamedTuple):
    """A line of the worst-first list: the finding's number (`c` before a claim's), verdict, severity, words."""

    number: str
    label: str
    severity: str
    text: str


def _worst_first(console: Console, report: Report, width: int) -> None:
    """One line for each flagged quotation and claim, the worst first: number, verdict, severity, first words;
    then the numbers of those the baseline accepted."""
    quotes = [
        _Flag(str(n), verdict_label(q), q.severity, q.text)
        for n, q in enumerate(report.quotes, 1)
        if q.severity != "none" and not q.accepted
    ]
    claims = [
        _Flag(f"c{n}", claim_label(c), c.severity, c.text)
        for n, c in enumerate(report.claims, 1)
        if c.severity != "none" and not c.accepted
    ]
    # sorted() is stable: within a severity, quotations in their order, then claims in theirs
    flagged = sorted(quotes + claims, key=lambda f: -SEVERITY_ORDER[f.severity])
    accepted = [str(n) for n, q in enumerate(report.quotes, 1) if q.accepted]
    accepted += [f"c{n}" for n, c in enumerate(report.claims, 1) if c.accepted]
    if not flagged:
        console.print("[green]Nothing flagged" + (" but what the baseline accepts" if accepted else "") + ".[/green]")
    else:
        note = " (c: a claim made without quotation marks)" if claims else ""
        console.print(f"[bold]Flagged, worst first[/bold]{note}")
        numbers = max(len(f.number) for f in flagged)
        labels = min(max(len(f.label) for f in flagged), 28)
        for f in flagged:
            lead = f"  {f.number:>{numbers}}  {f.label:<{labels}}  {f.severity:<6}"
            room = width - len(lead) - 4  # two spaces and the quotation marks
            style = STYLES[f.severity]
            words = f"  \u2018{escape(first_words(f.text, room))}\u2019" if room >= MIN_WORDS else ""
            console.print(f"  {f.number:>{numbers}}  [{style}]{escape(f.label):<{labels}}  {f.severity:<6}[/{style}]{words}")
    if accepted:
        console.print(
            f"[{ACCEPTED_STYLE}]{ACCEPTED} in the baseline, not counted:[/{ACCEPTED_STYLE}] {', '.join(accepted)}"
        )


class _Row:
    """One quotation as the table shows it: its verdict cell, its quotation and what the release did."""

    def __init__(self, number: int, finding: QuoteFinding, source_text: str) -> None:
        self.number = number
        style = STYLES[finding.severity]
        label = escape(verdict_label(finding))
        if finding.severity != "none":
            label += f"\n({finding.severity})"
        self.verdict = f"[{style}]{label}[/{style}]"
        if finding.accepted:
            self.verdict += f"\n[{ACCEPTED_STYLE}]{ACCEPTED}[/{ACCEPTED_STYLE}]"
        segments = marked_segments(finding, source_text)
        why = finding.explanation
        if finding.omitted and finding.verdict in ("elided", "truncated", "context_omitted") and not segments:
            why += "\nLeft out: " + " / ".join("\u2018" + " ".join(o.split()) + "\u2019" for o in finding.omitted[:2])
        self.quotation = quotation_cell(finding, segments)
        self.why = escape(why)


def _table(rows: list[_Row], width: int) -> Table:
    """Four columns from WIDE characters on; below, the quotation and the reason share the last one."""
    table = Table(show_lines=True, expand=True)
    digits = len(str(len(rows))) if rows else 1
    table.add_column("#", justify="right", width=max(digits, 1), no_wrap=True)
    if width >= WIDE:
        table.add_column("verdict", width=16)
        table.add_column("quotation", ratio=1)
        table.add_column("why", ratio=1)
        for row in rows:
            table.add_row(str(row.number), row.verdict, row.quotation, row.why)
        return table
    table.add_column("verdict", width=15 if width >= 70 else 11)
    table.add_column("quotation, then what the release did")
    for row in rows:
        table.add_row(str(row.number), row.verdict, f"\u201c{row.quotation}\u201d\n\n{row.why}")
    return table


def _blocks(console: Console, rows: list[_Row]) -> None:
    """No table: each quotation's number and verdict on a line, its words and the reason indented below."""
    for row in rows:
        console.print(f"[bold]{row.number}.[/bold] " + row.verdict.replace("\n", " "))
        console.print(Padding(f"\u201c{row.quotation}\u201d", (0, 0, 0, 3)))
        console.print(Padding(row.why, (0, 0, 1, 3)))
