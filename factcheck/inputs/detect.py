"""Which format an input is in, decided by its content (magic bytes, markup); an extension or a MIME type is
a hint only."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

from factcheck.errors import BinaryInputError
from factcheck.inputs.markdown import Delimiter, delimited_spans

Kind = Literal["pdf", "docx", "html", "markdown", "text"]

# Hints: a file extension (".md", "pdf") or a MIME type ("text/html; charset=utf-8").
HINTS: dict[str, Kind] = {
    "pdf": "pdf", "application/pdf": "pdf", "application/x-pdf": "pdf",
    "docx": "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "html": "html", "htm": "html", "xhtml": "html", "text/html": "html", "application/xhtml+xml": "html",
    "md": "markdown", "markdown": "markdown", "mdown": "markdown", "mkd": "markdown",
    "text/markdown": "markdown", "text/x-markdown": "markdown",
    "txt": "text", "text": "text", "text/plain": "text",
}
OTHER_BINARIES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy (.doc) or password-protected Office file; save it as .docx or PDF, without a password"),
    (b"{\\rtf", "an RTF file; save it as .docx, PDF or plain text"),
    (b"\x89PNG", "a PNG image; OCR it first"),
    (b"\xff\xd8\xff", "a JPEG image; OCR it first"),
    (b"GIF8", "a GIF image; OCR it first"),
    (b"II*\x00", "a TIFF image; OCR it first"),
    (b"MM\x00*", "a TIFF image; OCR it first"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
)
ZIP_KINDS = (
    ("xl/workbook.xml", "an Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", "a PowerPoint file (.pptx)"),
    ("content.xml", "an OpenDocument file (.odt/.ods); save it as .docx or PDF"),
)
HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)
HTML_TAG = re.compile(
    r"</?(?:p|div|span|a|br|li|ul|ol|h[1-6]|table|tr|td|th|body|head|title|article|section|nav|footer|"
    r"header|main|blockquote|q|em|strong|b|i|img|meta|link|script|style|aside|figure|form)\b[^<>]*>",
    re.IGNORECASE,
)
TAG_NAME = re.compile(r"</?(\w+)")
MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
# bracketed text holds no bracket, so every "[" is read once (as in factcheck.inputs.markdown)
MD_LINK = re.compile(r"!?\[[^\[\]\n]+\]\((?:[^()\s]|\([^()\s]*\))+(?:\s+\"[^\"\n]*\")?\)")
BOLD = (Delimiter("*", (2,)), Delimiter("_", (2,)))
MD_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
MD_REFDEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S+", re.MULTILINE)


def hint_kind(hint: str | None) -> tuple[Kind | None, str | None]:
    """The format a hint names (an extension or a MIME type) and the charset it carries, if any."""
    if not hint:
        return None, None
    parts = [p.strip() for p in hint.split(";")]
    charsets = [p.split("=", 1)[1].strip(" \"'") for p in parts[1:] if p.lower().startswith("charset=")]
    charset = charsets[0] if charsets else None
    key = parts[0].lower().lstrip(".")
    if "/" not in key and "." in key:  # a whole file name
        key = key.rsplit(".", 1)[1]
    return HINTS.get(key), charset or None


def detect(data: bytes, name: str, hint: str | None = None) -> Kind:
    """The format of `data`, decided by its content; the hint only settles what the content leaves open."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, name)
    for magic, what in OTHER_BINARIES:
        if head.startswith(magic):
            raise BinaryInputError(f"{name} is {what}, not a document factcheck can read")
    return "text"  # textual: decide between HTML, Markdown and plain text once decoded


def _zip_kind(data: bytes, name: str) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise BinaryInputError(f"{name} looks like a damaged zip archive, not a document") from None
    if "word/document.xml" in names:
        return "docx"
    what = next((w for member, w in ZIP_KINDS if member in names), "a zip archive")
    raise BinaryInputError(
        f"{name} is {what}, not a document factcheck can read (PDF, DOCX, HTML, Markdown, text)"
    )


def textual_kind(text: str, hinted: Kind | None = None) -> Kind:
    """HTML, Markdown or plain text. A document that opens as HTML is HTML whatever its name; an .md hint
    makes Markdown; then markup decides (many HTML tags; strong Markdown signals, unless named .txt)."""
    if HTML_START.match(text[:4096]):
        return "html"
    if hinted == "markdown":
        return "markdown"
    if looks_like_html(text, hinted):
        return "html"
    if hinted != "text" and looks_like_markdown(text):
        return "markdown"
    return "text"


def looks_like_html(text: str, hinted: Kind | None = None) -> bool:
    head = text[:4096]
    if HTML_START.match(head):
        return True
    tags = HTML_TAG.findall(text[:200_000])
    if hinted == "html":
        return bool(tags)
    names = {name[1].lower() for t in tags if (name := TAG_NAME.match(t))}  # every tag matches
    return len(tags) >= 10 and len(names) >= 3


def _has_bold(sample: str) -> bool:
    """Whether a line holds **bold** or __bold__ (the lazy regex for it rescans a line from every "**")."""
    return any(
        next(delimited_spans(line, mark), None) is not None
        for line in sample.split("\n")
        if "**" in line or "__" in line
        for mark in BOLD
    )


def looks_like_markdown(text: str) -> bool:
    """Strong signals only: plain text with a few dashes or asterisks must stay plain text."""
    sample = text[:200_000]
    counts = [len(p.findall(sample)) for p in (MD_HEADING, MD_LINK, MD_FENCE, MD_REFDEF)]
    counts.insert(2, int(_has_bold(sample)))
    kinds = sum(1 for c in counts if c)
    return kinds >= 2 or counts[0] >= 2 or counts[1] >= 2
