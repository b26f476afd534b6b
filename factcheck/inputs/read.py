"""Read an input (a path, an http(s) URL, standard input, or the text itself) and turn its bytes into the plain
text factcheck reads, whatever its format: PDF, HTML, DOCX, Markdown or plain text.

The format is decided by the content (magic bytes, markup), with the file extension or HTTP Content-Type as a
hint only. Every reader returns plain text in one shape: paragraphs separated by a blank line, list items as
their own lines prefixed "- ", and the lines of one paragraph joined with spaces. That text is what a
Document holds and what reports show, so every offset points into it.

Libraries, imported only when their format is met: pypdf (PDF text layer, in content-stream order, so columns
are not interleaved), trafilatura (the main text of a web page, without navigation, footer or banners),
python-docx (Word documents). Markdown and plain text need nothing beyond plain.decode().
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
from factcheck.inputs.markdown import markdown_text
from factcheck.inputs.pdf import pdf_text
from factcheck.inputs.plain import decode, decode_declared
from factcheck.text import LoadedDocument, build_document


def extract_text(data: bytes, name: str, hint: str | None = None) -> str:
    """The plain text of an input's bytes, in whatever format it is; `hint` is an extension or a MIME type."""
    if not data.strip():
        raise EmptyInputError(f"{name} is empty")
    kind = detect(data, name, hint)
    if kind == "pdf":
        text = pdf_text(data, name)
    elif kind == "docx":
        text = docx_text(data, name)
    else:
        hinted, charset = hint_kind(hint)
        text = decode(data, name)  # refuses empty and binary input
        text = decode_declared(data, charset) or text
        kind = textual_kind(text, hinted)
        if kind == "html":
            declared = None if charset else meta_charset(data)
            text = html_text((declared and decode_declared(data, declared)) or text, name)
        elif kind == "markdown":
            text = markdown_text(text)
        else:
            return text  # plain text exactly as decoded, as before
    if not text.strip():
        raise EmptyInputError(f"{name} contains no text")
    return text


def read_input(value: str | Path, settings: Settings) -> tuple[str, str]:
    """(name, text) of a path, an http(s) URL, "-" (standard input), or a string that is itself the text.
    Files, URLs and standard input may be PDF, DOCX, HTML, Markdown or plain text (extract_text)."""
    if str(value) == "-" and not Path("-").exists():  # "-" or Path("-") (as a CLI passes it): standard input
        return "<stdin>", extract_text(_read_stdin(settings.limits.max_input_bytes), "<stdin>", None)
    if isinstance(value, str) and is_url(value):
        fetched = fetch(value, settings)
        return value, extract_text(fetched.data, value, fetched.hint)
    if isinstance(value, str) and ("\n" in value or len(value) > 1024 or not _names_a_file(value)):
        if not value.strip():
            raise EmptyInputError("the text is empty")
        return "<text>", value
    path = Path(value)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    size = path.stat().st_size
    if size > settings.limits.max_input_bytes:
        raise InputTooLargeError(
            f"{path} is {size:,} bytes, over the limit of {settings.limits.max_input_bytes:,} (limits.max_input_bytes)"
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    return str(path), extract_text(data, str(path), path.suffix or None)


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
