"""One entry point for every output format."""

from __future__ import annotations

from factcheck.report.html import render_html
from factcheck.report.markdown import render_markdown
from factcheck.report.passage import SourceTexts
from factcheck.report.text import FILE_WIDTH, render_text
from factcheck.types import Report

FORMATS = ("text", "json", "md", "html")


def render(
    report: Report, fmt: str, *, source_text: SourceTexts = "", color: bool = False, width: int = FILE_WIDTH
) -> str:
    """`report` in the format `fmt`; `color` and `width` (in characters) are for the text format."""
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "md":
        return render_markdown(report, source_text)
    if fmt == "html":
        return render_html(report, source_text)
    if fmt == "text":
        return render_text(report, source_text, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
