"""Read an input (a path, an http(s) URL, standard input, or the text itself) and turn its bytes into the plain
text factcheck reads, whatever its format: PDF, HTML, DOCX, Markdown or plain text.

The format is decided by the content (magic bytes, markup), with the file extension or HTTP Content-Type as a
hint only. Every reader returns plain text in one shape: paragraphs separated by a blank line, list items as
their own lines prefixed "- ", and the lines of one paragraph joined with spaces. That text is what a
Document holds and what reports show, so every offset points into it.

Libraries, imported only when their format is met: pypdf (PDF text layer, in content-stream order, so columns
are not interleaved), trafilatura (the main text of a web page, without navigation, footer or banners),
python-docx (Word documents). Markdown and plain text need nothing beyond plain.decode().

What reading one input may cost is bounded by `settings.limits` (docs/inputs.md has the table): its bytes, the
characters of its text, what a Word file inflates to, the pages of a PDF and the wall-clock time, which the
readers check as they go. Each limit, like each damaged file, is a one-line FactcheckError.
"""

from __future__ import annotations

import sys
from pathlib import Path

from factcheck.config import Settings, load_settings
from factcheck.errors import EmptyInputError, InputError, InputTooLargeError
from factcheck.inputs.detect import detect, hint_kind, textual_kind
from factcheck.inputs.docx import docx_text
from factcheck.inputs.fetch import fetch, is_url
from factcheck.inputs.html import html_text, meta_charset
from factcheck.inputs.limits import ReadBudget
from factcheck.inputs.markdown import markdown_text
from factcheck.inputs.pdf import pdf_text
from factcheck.inputs.plain import decode, decode_declared, printable_name, readable
from factcheck.text import LoadedDocument, build_document


def extract_text(data: bytes, name: str, hint: str | None = None, settings: Settings | None = None) -> str:
    """The plain text of an input's bytes, in whatever format it is; `hint` is an extension or a MIME type.
    Within `settings.limits`: the time it may take to read, the sizes a Word file may inflate to, the pages
    of a PDF and the characters of the text. Terminal escapes and control characters are removed."""
    limits = (settings or load_settings()).limits
    if not data.strip():
        raise EmptyInputError(f"{name} is empty")
    budget = ReadBudget.start(name, limits)
    kind = detect(data, name, hint)
    if kind == "pdf":
        text = pdf_text(data, name, limits, budget)
    elif kind == "docx":
        text = docx_text(data, name, limits, budget)
    else:
        hinted, charset = hint_kind(hint)
        text = decode(data, name)  # refuses empty and binary input
        text = decode_declared(data, charset) or text
        kind = textual_kind(text, hinted)
        budget.check()
        if kind == "html":
            declared = None if charset else meta_charset(data)
            text = html_text((declared and decode_declared(data, declared)) or text, name, budget)
        elif kind == "markdown":
            text = markdown_text(text)
    budget.check()
    text = _within_limit(readable(text), f"the text of {name}", limits.max_text_chars)
    if not text.strip():
        raise EmptyInputError(f"{name} contains no text")
    return text  # plain text exactly as decoded, but for control characters


def _within_limit(text: str, what: str, cap: int) -> str:
    if len(text) > cap:
        raise InputTooLargeError(f"{what} is {len(text):,} characters, over the limit of {cap:,} (limits.max_text_chars)")
    return text


def read_input(value: str | Path, settings: Settings) -> tuple[str, str]:
    """(name, text) of a path, an http(s) URL, "-" (standard input), or a string that is itself the text.
    Files, URLs and standard input may be PDF, DOCX, HTML, Markdown or plain text (extract_text)."""
    if str(value) == "-" and not Path("-").exists():  # "-" or Path("-") (as a CLI passes it): standard input
        return "<stdin>", extract_text(_read_stdin(settings.limits.max_input_bytes), "<stdin>", None, settings)
    if isinstance(value, str) and is_url(value):
        fetched = fetch(value, settings)
        return printable_name(value), extract_text(fetched.data, value, fetched.hint, settings)
    if isinstance(value, str) and ("\n" in value or len(value) > 1024 or not _names_a_file(value)):
        if not value.strip():
            raise EmptyInputError("the text is empty")
        # the caller's own string, kept exactly (readers clean only what they decode from bytes)
        return "<text>", _within_limit(value, "the text", settings.limits.max_text_chars)
    path = Path(value)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    if not path.is_file():  # a FIFO would block the read until something writes to it; /dev/zero never ends
        raise InputError(f"{path} is not a regular file (a pipe or a device?); pass its contents with - instead")
    cap = settings.limits.max_input_bytes
    size = path.stat().st_size
    if size > cap:
        raise InputTooLargeError(f"{path} is {size:,} bytes, over the limit of {cap:,} (limits.max_input_bytes)")
    try:
        with path.open("rb") as f:
            data = f.read(cap + 1)  # the size a file system reports can be wrong (/proc): count as well
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    if len(data) > cap:
        raise InputTooLargeError(f"{path} is over the limit of {cap:,} bytes (limits.max_input_bytes)")
    return printable_name(str(path)), extract_text(data, str(path), path.suffix or None, settings)
def _names_a_file(value: str) -> bool:
    """Whether a string is the path of something that exists; a sentence is not (and may be too long, or hold
    characters, that the file system refuses outright)."""
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def _read_stdin(cap: int) -> bytes:
    data = sys.stdin.buffer.read(cap + 1)
    if len(data) > cap:
        raise InputTooLargeError(f"standard input is over the limit of {cap:,} bytes (limits.max_input_bytes)")
    return data


def load(value: str | Path, settings: Settings | None = None) -> LoadedDocument:
    """The document an input names (see read_input), with its paragraphs and sentences."""
    settings = settings or load_settings()
    name, text = read_input(value, settings)
    if not text.strip():
        raise EmptyInputError(f"{name} is empty")
    return build_document(name, text)
