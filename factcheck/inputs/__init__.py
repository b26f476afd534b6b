"""The load stage's readers: plain text in any encoding, PDF, Word, HTML and URLs."""

from __future__ import annotations

from factcheck.inputs.detect import (
    Kind,
    detect,
    hint_kind,
    looks_like_html,
    looks_like_markdown,
    textual_kind,
)
from factcheck.inputs.docx import docx_text
from factcheck.inputs.fetch import Fetched, address_problem, check_url, is_url
from factcheck.inputs.html import html_text
from factcheck.inputs.markdown import markdown_text
from factcheck.inputs.pdf import pdf_text
from factcheck.inputs.plain import decode
from factcheck.inputs.read import extract_text, load, read_input

# fetch() itself is reached as factcheck.inputs.fetch.fetch: exported here, its name would hide the module.
__all__ = [
    "Fetched",
    "Kind",
    "address_problem",
    "check_url",
    "decode",
    "detect",
    "docx_text",
    "extract_text",
    "hint_kind",
    "html_text",
    "is_url",
    "load",
    "looks_like_html",
    "looks_like_markdown",
    "markdown_text",
    "pdf_text",
    "read_input",
    "textual_kind",
]
