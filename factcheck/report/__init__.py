"""Render a Report: JSON, Markdown, terminal text (and HTML)."""

from __future__ import annotations

from factcheck.report.docx import render_docx
from factcheck.report.html import render_html
from factcheck.report.jinja import templates
from factcheck.report.markdown import render_markdown
from factcheck.report.render import FORMATS, render
from factcheck.report.text import render_text

__all__ = ["FORMATS", "render", "render_docx", "render_html", "render_markdown", "render_text", "templates"]
