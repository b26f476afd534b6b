"""Turn an input's bytes into the plain text factcheck reads, whatever its format: PDF, HTML, DOCX,
Markdown or plain text.

The format is decided by the content (magic bytes, markup), with the file extension or HTTP Content-Type as a
hint only. Every reader returns plain text in one shape: paragraphs separated by a blank line, list items as
their own lines prefixed "- ", and the lines of one paragraph joined with spaces. That text is what a
Document holds and what reports show, so every offset points into it.

Libraries, imported only when their format is met: pypdf (PDF text layer, in content-stream order, so columns
are not interleaved), trafilatura (the main text of a web page, without navigation, footer or banners),
python-docx (Word documents). Markdown and plain text need nothing beyond documents.decode().
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import zipfile
from dataclasses import dataclass
from typing import Literal

from factcheck.errors import BinaryInputError, EmptyInputError, InputError, NoTextLayerError

log = logging.getLogger(__name__)

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
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Word/Office file (.doc); save it as .docx or PDF"),
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
TERMINAL = re.compile(r"""[.!?:;'"\u2019\u201d)\]]$""")
BULLET_GLYPH = re.compile(
    r"^[\u2022\u2023\u25e6\u25aa\u25ab\u25cf\u25cb\u25a0\u25a1\u2043\u2219\u00b7\uf0b7\uf0a7]\s*"
)
PAGE_NUMBER = re.compile(
    r"^(?:(?i:page)\s+)?(?:\d{1,4}|(?=[ivxlc])x{0,3}(?:ix|iv|v?i{0,3})|(?=[IVXLC])X{0,3}(?:IX|IV|V?I{0,3}))"
    r"(?:\s*(?:of|/)\s*\d{1,4})?$|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$"
)
WORDS = re.compile(r"[^\W\d_]+")


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


def extract_text(data: bytes, name: str, hint: str | None = None) -> str:
    """The plain text of an input's bytes, in whatever format it is; `hint` is an extension or a MIME type."""
    from factcheck.text.document import decode

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
        text = _decode_declared(data, charset) or text
        kind = textual_kind(text, hinted)
        if kind == "html":
            declared = None if charset else _meta_charset(data)
            text = html_text((declared and _decode_declared(data, declared)) or text, name)
        elif kind == "markdown":
            text = markdown_text(text)
        else:
            return text  # plain text exactly as decoded, as before
    if not text.strip():
        raise EmptyInputError(f"{name} contains no text")
    return text


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


def _decode_declared(data: bytes, charset: str | None) -> str | None:
    """`data` decoded with a declared charset (HTTP header, <meta>); None if there is none or it fails."""
    if not charset or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


# --- HTML -------------------------------------------------------------------------------------------------

HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)
HTML_TAG = re.compile(
    r"</?(?:p|div|span|a|br|li|ul|ol|h[1-6]|table|tr|td|th|body|head|title|article|section|nav|footer|"
    r"header|main|blockquote|q|em|strong|b|i|img|meta|link|script|style|aside|figure|form)\b[^<>]*>",
    re.IGNORECASE,
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre",
    "table", "tr", "td", "th", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "header", "footer",
    "address", "body", "caption",
}
BOILERPLATE_MARKS = re.compile(
    r"cookie|consent|gdpr|breadcrumb|skip-?link|navbar|navigation|\bmenu\b|\bbanner\b"
)
DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg",
             "button", "select", "iframe")


def looks_like_html(text: str, hinted: Kind | None = None) -> bool:
    head = text[:4096]
    if HTML_START.match(head):
        return True
    tags = HTML_TAG.findall(text[:200_000])
    if hinted == "html":
        return bool(tags)
    names = {re.match(r"</?(\w+)", t).group(1).lower() for t in tags}  # type: ignore[union-attr]
    return len(tags) >= 10 and len(names) >= 3


def _meta_charset(data: bytes) -> str | None:
    m = META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def html_text(html: str, name: str) -> str:
    """The main text of a web page: trafilatura's article, or every visible block when it finds none."""
    import lxml.html
    from lxml import etree

    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses a str that declares an encoding
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as e:
        raise InputError(f"{name} could not be read as HTML: {e}") from None
    _mark_inline_quotes(tree)
    text = _trafilatura_text(tree, name)
    # trafilatura's last resort on a short page is the whole body run together as one block, navigation and
    # all: the page's own blocks are better then
    if "\n" not in text.strip():
        fallback = _plain_html_text(tree)
        if not text.strip() or "\n" in fallback.strip():
            log.info("%s: trafilatura found no article; using the page's visible blocks", name)
            text = fallback
    return text


def _mark_inline_quotes(tree) -> None:  # type: ignore[no-untyped-def]
    """<q>…</q> becomes “…” (‘…’ when nested), so the quotation marks survive as text."""
    for q in tree.iter("q"):
        depth = sum(1 for a in q.iterancestors("q"))
        opening, closing = ("\u201c", "\u201d") if depth % 2 == 0 else ("\u2018", "\u2019")
        q.text = opening + (q.text or "")
        last = q[-1] if len(q) else None
        if last is not None:
            last.tail = (last.tail or "") + closing
        else:
            q.text += closing
    for q in list(tree.iter("q")):
        q.drop_tag()
    _mark_block_quotes(tree)


QUOTE_STARTS = "\"'\u201c\u2018\u00ab\u201e\u2039"


def _mark_block_quotes(tree) -> None:  # type: ignore[no-untyped-def]
    """Each paragraph of a <blockquote> becomes “…”, so a quotation set off by markup, not by marks, is still
    found as one; a paragraph that already opens with a quotation mark is left alone."""
    for block in tree.iter("blockquote"):
        paragraphs = [p for p in block.iter("p")] or [block]
        for para in paragraphs:
            text = "".join(para.itertext()).strip()
            if not text or text[0] in QUOTE_STARTS:
                continue
            para.text = "\u201c" + (para.text or "").lstrip()
            last = para[-1] if len(para) else None
            if last is not None:
                last.tail = (last.tail or "").rstrip() + "\u201d"
            else:
                para.text = para.text.rstrip() + "\u201d"


def _trafilatura_text(tree, name: str) -> str:  # type: ignore[no-untyped-def]
    import copy

    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            copy.deepcopy(tree), output_format="xml", include_comments=False, include_tables=True,
            include_formatting=False, include_links=False, include_images=False, deduplicate=False,
        )
    except Exception as e:  # trafilatura raises assorted errors on odd markup; fall back rather than fail
        log.warning("%s: trafilatura failed (%s); using every visible block", name, e)
        return ""
    if not xml:
        return ""
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks: list[str] = []
    _walk_extracted(main if main is not None else root, blocks)
    return "\n\n".join(b for b in blocks if b)


def _inline(element) -> str:  # type: ignore[no-untyped-def]
    """Text of an element and its inline children, with <lb/> as a line break and spaces tidied."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag in ("list", "table"):
            pass  # a block inside a paragraph: walked separately by the caller
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _walk_extracted(element, blocks: list[str], prefix: str = "") -> None:  # type: ignore[no-untyped-def]
    """trafilatura's XML (head, p, list/item, quote, table/row/cell, code) as blocks of text."""
    for child in element:
        tag = child.tag
        if tag in ("head", "p", "code", "cell"):
            text = _inline(child)
            if text:
                blocks.append(prefix + text)
            for nested in child:
                if nested.tag in ("list", "table"):
                    _walk_extracted(nested, blocks)
        elif tag == "list":
            items = []
            for item in child.iter("item"):
                text = _inline(item)
                if text:
                    items.append("- " + text.replace("\n", " "))
            if items:
                blocks.append("\n".join(items))
        elif tag in ("quote", "div", "table", "row", "main", "section"):
            if tag == "quote" and not any(c.tag in ("p", "list", "head", "table") for c in child):
                text = _inline(child)
                if text:
                    blocks.append(text)
            else:
                _walk_extracted(child, blocks)
        elif tag in ("graphic", "ref", "comments"):
            continue
        else:
            text = _inline(child)
            if text:
                blocks.append(text)


def _plain_html_text(tree) -> str:  # type: ignore[no-untyped-def]
    """Fallback: every visible block of the article (or main, or body), navigation, banners and scripts
    dropped."""
    import copy

    tree = copy.deepcopy(tree)
    articles = tree.findall(".//article")
    root = articles[0] if len(articles) == 1 else tree.find(".//main")
    if root is None:
        root = tree.find("body") if tree.find("body") is not None else tree
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag.lower()
        marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}".lower()
        inside_content = any(a.tag in ("article", "main") for a in el.iterancestors())
        hidden = el.get("hidden") is not None or el.get("aria-hidden") == "true"
        dropped_tag = tag in DROP_TAGS and not (tag in ("header", "footer") and inside_content)
        if dropped_tag or hidden or BOILERPLATE_MARKS.search(marks):
            el.drop_tree()
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _tidy("".join(current))
        current.clear()
        if text:
            blocks.append(text)

    def walk(el, in_list: bool = False) -> None:  # type: ignore[no-untyped-def]
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in BLOCK_TAGS
        if block:
            flush()
            if tag == "li":
                current.append("- ")
        if tag == "br":
            current.append("\n")
        elif el.text and tag not in ("script", "style"):
            current.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    out: list[str] = []
    for block in blocks:  # list items on their own lines, one block per list
        if out and block.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + block.replace("\n", " ")
        else:
            out.append(block)
    return "\n\n".join(out)


# --- Markdown ---------------------------------------------------------------------------------------------

MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
MD_LINK = re.compile(r"!?\[[^\]\n]+\]\((?:[^()\s]|\([^()\s]*\))+(?:\s+\"[^\"\n]*\")?\)")
MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)[^\n]+?(?<=\S)\1")
MD_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
MD_REFDEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S+", re.MULTILINE)


def looks_like_markdown(text: str) -> bool:
    """Strong signals only: plain text with a few dashes or asterisks must stay plain text."""
    sample = text[:200_000]
    counts = [len(p.findall(sample)) for p in (MD_HEADING, MD_LINK, MD_EMPHASIS, MD_FENCE, MD_REFDEF)]
    kinds = sum(1 for c in counts if c)
    return kinds >= 2 or counts[0] >= 2 or counts[1] >= 2


REFDEF_LINE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+[ \t]*(?:\"[^\"]*\")?[ \t]*$")
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
QUOTE_PREFIX = re.compile(r"^ {0,3}>[ \t]?")
LIST_MARK = re.compile(r"^([ \t]*)[*+-][ \t]+(?:\[[ xX]\][ \t]+)?")
TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
INLINE = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!\[[^\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)"), ""),  # images
    (re.compile(r"!\[[^\]\n]*\]\[[^\]\n]*\]"), ""),
    (re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)"), r"\1"),  # links
    (re.compile(r"\[\^[^\]\n]+\]"), ""),  # footnote references
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # reference links
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # inline code
    (re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)"), r"\2"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])"), r"\1"),  # backslash escapes
)


def markdown_text(text: str) -> str:
    """Markdown without the markup that would confuse quote extraction and sentence splitting."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    fence: str | None = None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if fence is not None:  # code is kept as text, untouched
            if line.strip().startswith(fence):
                fence = None
                out.append("")
            else:
                out.append(line)
            continue
        m = FENCE_LINE.match(line)
        if m:
            fence = m.group(1)[0] * 3
            out.append("")
            continue
        if REFDEF_LINE.match(line):
            continue
        while QUOTE_PREFIX.match(line):
            line = QUOTE_PREFIX.sub("", line, count=1)
        heading = ATX.match(line)
        if heading and line.lstrip().startswith("#"):
            out.extend(["", _inline_markdown(heading.group(1) or ""), ""])
            continue
        if SETEXT.match(line) and out and out[-1].strip() and not LIST_MARK.match(out[-1]):
            if not (RULE.match(line) and line.strip()[0] != "-"):
                out.insert(len(out) - 1, "")
                out.append("")
                continue
        if RULE.match(line):
            out.append("")
            continue
        if TABLE_RULE.match(line) and "-" in line and ("|" in line or (i and "|" in lines[i - 1])):
            continue
        if line.strip().startswith("|") and line.strip().endswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            line = " | ".join(c for c in cells if c)
        line = LIST_MARK.sub(lambda m: m.group(1) + "- ", line)
        out.append(_inline_markdown(line).rstrip())
    joined = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n") + "\n"


def _inline_markdown(line: str) -> str:
    for pattern, replacement in INLINE:
        line = pattern.sub(replacement, line)
    return line


# --- DOCX -------------------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SKIP_INSIDE = {W + "txbxContent", "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
               W + "del", W + "moveFrom"}


def docx_text(data: bytes, name: str) -> str:
    """Paragraphs of a Word document (blank line between), list paragraphs as "- " lines, table cells as
    paragraphs; tracked insertions included, tracked deletions not."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise InputError(f"{name} could not be read as a Word document: {e}") from None
    blocks: list[tuple[str, bool]] = []  # (text, is list item)
    _docx_blocks(document.element.body, document, blocks)
    out: list[str] = []
    for i, (text, is_item) in enumerate(blocks):
        if i:
            out.append("\n" if is_item and blocks[i - 1][1] else "\n\n")
        out.append(("- " + text.replace("\n", " ")) if is_item else text)
    return "".join(out)


def _docx_blocks(container, document, blocks: list[tuple[str, bool]]) -> None:  # type: ignore[no-untyped-def]
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == W + "p":
            text = _tidy(_docx_paragraph_text(child))
            if text:
                blocks.append((text, _docx_is_list(Paragraph(child, document))))
        elif child.tag == W + "tbl":
            seen: set[int] = set()
            for row in child.iterchildren(W + "tr"):
                for cell in row.iterchildren(W + "tc"):
                    if id(cell) not in seen:
                        seen.add(id(cell))
                        _docx_blocks(cell, document, blocks)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            _docx_blocks(content if content is not None else child, document, blocks)


def _docx_paragraph_text(p) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        for child in el:
            tag = child.tag
            if tag in SKIP_INSIDE:
                continue
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag == W + "tab":
                parts.append("\t" if el.tag == W + "r" else "")
            elif tag in (W + "br", W + "cr"):
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _docx_is_list(paragraph) -> bool:  # type: ignore[no-untyped-def]
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        num_id = ppr.numPr.numId
        return num_id is None or num_id.val != 0
    style = paragraph.style
    while style is not None:
        if style.name and style.name.lower().startswith("list") and style.name.lower() != "list paragraph":
            return True
        sppr = style.element.pPr
        if sppr is not None and sppr.numPr is not None:
            return True
        style = style.base_style
    return False


# --- PDF --------------------------------------------------------------------------------------------------


@dataclass
class Line:
    text: str
    x: float
    y: float
    size: float
    page: int
    width: float = 0.0  # estimated, in points


def pdf_text(data: bytes, name: str) -> str:
    """The text layer of a PDF as paragraphs: running headers, footers and page numbers removed, words split
    at line ends rejoined, paragraphs that run across pages joined."""
    pages = _pdf_lines(data, name)
    if not any(WORDS.search(line.text) for page in pages for line in page):
        raise NoTextLayerError(f"{name} has no text layer (a scanned PDF?); OCR it first")
    body = _drop_running_lines([_attach_bullets(page) for page in pages])
    return _paragraphs(body)


def _pdf_lines(data: bytes, name: str) -> list[list[Line]]:
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless oddities
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name} is an encrypted PDF; remove the password first")
        pages = []
        for number, page in enumerate(reader.pages):
            pages.append(_page_lines(page, number))
        return pages
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        raise InputError(f"{name} could not be read as a PDF: {e}") from None
    except Exception as e:  # pypdf's dependencies (cryptography for AES) raise their own errors
        raise InputError(f"{name} could not be read as a PDF: {type(e).__name__}: {e}") from None


def _page_lines(page, number: int) -> list[Line]:  # type: ignore[no-untyped-def]
    """The lines of a page in content-stream order, each placed where its first text was drawn, with its main
    font size and an estimate of its width."""
    lines: list[Line] = []
    pending: list[str] = []
    where: list[float] | None = None  # x, y of the current line's first visible text
    sizes: dict[float, int] = {}  # font size -> characters set in it
    width = 0.0

    def visit(text: str, cm, tm, font_dict, font_size) -> None:  # type: ignore[no-untyped-def]
        nonlocal where, width
        a, b, c, d, e, f = (float(v) for v in cm)
        scale = (abs(tm[0] * tm[3] - tm[1] * tm[2]) * abs(a * d - b * c)) ** 0.5 or 1.0
        size = round(float(font_size or 0) * scale, 1)
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if piece.strip():
                if where is None:
                    where = [tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f]
                sizes[size] = sizes.get(size, 0) + len(piece.strip())
                width += _em_width(piece) * size
            pending.append(piece)
            if k < len(pieces) - 1:
                flush()

    def flush() -> None:
        nonlocal where, width
        # 0x7F is a bullet in WinAnsiEncoding (every unused code is), which pypdf leaves as DEL
        text = " ".join("".join(pending).replace("\x7f", "\u2022").split())
        if text and where is not None:
            size = max(sizes, key=lambda k: (sizes[k], k)) if sizes else 0.0
            lines.append(Line(text, where[0], where[1], size, number, width))
        pending.clear()
        sizes.clear()
        where, width = None, 0.0

    page.extract_text(visitor_text=visit)
    flush()
    return lines


NARROW = set("iljtfrI.,;:'!|()[]{}\u2018\u2019\"`- ")
WIDE = set("mwMW@%")


def _em_width(text: str) -> float:
    """A rough advance width in ems (proportional Latin fonts): enough to tell full lines from short."""
    total = 0.0
    for ch in text:
        if ch in NARROW:
            total += 0.3
        elif ch in WIDE:
            total += 0.85
        elif ch.isupper():
            total += 0.68
        else:
            total += 0.53
    return total


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove page numbers and running headers and footers: lines among the first or last few of a page (by
    position or by drawing order) that recur, digits aside, at the same height on several pages (three, or
    two in a document of up to three pages, or two for the very top or bottom line, as a chapter's running
    head), or that are only a page number ("7", "Page 7 of 9", "- 7 -")."""
    edge = 3

    def edges(page: list[Line]) -> set[int]:
        order = sorted(range(len(page)), key=lambda i: -page[i].y)
        return set(order[:edge]) | set(order[-edge:]) | set(range(min(edge, len(page)))) | set(
            range(max(0, len(page) - edge), len(page))
        )

    seen: dict[str, list[tuple[int, float]]] = {}  # key -> (page, height) where it stands at an edge
    for number, page in enumerate(pages):
        for i in edges(page):
            seen.setdefault(_running_key(page[i].text), []).append((number, page[i].y))

    def recurring(key: str) -> int:
        places = seen.get(key, [])
        return max((len({p for p, y in places if abs(y - y0) <= 3}) for _, y0 in places), default=0)

    needed = 2 if sum(1 for p in pages if p) <= 3 else 3
    running = {key for key in seen if recurring(key) >= needed}
    twice = {key for key in seen if recurring(key) >= 2}
    kept: list[list[Line]] = []
    for page in pages:
        at_edge = edges(page)
        ys = [line.y for line in page]
        extreme = {i for i, line in enumerate(page) if line.y in (max(ys), min(ys))}
        kept.append(
            [
                line
                for i, line in enumerate(page)
                if not (
                    i in at_edge
                    and (
                        PAGE_NUMBER.match(line.text.strip())
                        or _running_key(line.text) in running
                        or (i in extreme and _running_key(line.text) in twice)  # a chapter's running head
                    )
                )
            ]
        )
    return kept


def _attach_bullets(page: list[Line]) -> list[Line]:
    """A bullet glyph drawn on its own (list layouts often do) joins the text beside it."""
    out: list[Line] = []
    i = 0
    while i < len(page):
        line = page[i]
        if BULLET_GLYPH.fullmatch(line.text):
            reach = max(line.size, 1)
            near = [j for j in (i + 1, i - 1) if 0 <= j < len(page) and abs(page[j].y - line.y) < reach]
            if near and near[0] == i + 1:
                nxt = page[i + 1]
                out.append(Line("\u2022 " + nxt.text, line.x, nxt.y, nxt.size, nxt.page,
                                nxt.x - line.x + nxt.width))
                i += 2
                continue
            if near and out and out[-1] is page[i - 1]:
                prev = out.pop()
                out.append(Line("\u2022 " + prev.text, line.x, prev.y, prev.size, prev.page,
                                prev.x - line.x + prev.width))
            i += 1
            continue
        out.append(line)
        i += 1
    return out


def _paragraphs(pages: list[list[Line]]) -> str:
    lines = [line for page in pages for line in page]
    if not lines:
        return ""
    steps = [
        round(a.y - b.y, 1)
        for page in pages
        for a, b in zip(page, page[1:])
        if 0 < a.y - b.y < 3 * max(a.size, 1) and abs(a.size - b.size) < 0.5
    ]
    spacing = statistics.median(steps) if steps else None
    full = _full_width(lines)
    vocabulary = _vocabulary([line.text for line in lines])

    paragraphs: list[list[str]] = [[]]
    joins: list[list[str]] = [[]]  # the separator before each line of a paragraph
    prev: Line | None = None
    for line in lines:
        text = line.text
        bullet = BULLET_GLYPH.match(text)
        if bullet:
            text = "- " + text[bullet.end() :]
        if prev is not None:
            sep = _separator(prev, line, text, spacing, full, bool(bullet))
            if sep is None:
                paragraphs.append([])
                joins.append([])
            else:
                joins[-1].append(sep)
        paragraphs[-1].append(text)
        prev = line
    out: list[str] = []
    for para, seps in zip(paragraphs, joins):
        text = para[0]
        for sep, nxt in zip(seps, para[1:]):
            text = _join(text, sep, nxt, vocabulary)
        out.append(text)
    return "\n\n".join(p for p in out if p.strip()) + "\n"


def _full_width(lines: list[Line]) -> float:
    """The width of a full line of body text: a high percentile, so short lines do not drag it down."""
    widths = sorted(line.width for line in lines if len(line.text) > 20)
    if not widths:
        return max((line.width for line in lines), default=1.0) or 1.0
    return widths[int(0.9 * (len(widths) - 1))] or 1.0


def _separator(
    prev: Line, line: Line, text: str, spacing: float | None, full: float, bullet: bool
) -> str | None:
    """How `line` follows `prev`: None for a new paragraph, " " for a wrapped line, "\\n" for a line break
    inside a paragraph (an address, a signature)."""
    prev_full = prev.width >= 0.8 * full
    ends = bool(TERMINAL.search(prev.text))
    starts_lower = text[:1].islower()
    if bullet:
        return None  # each list item its own paragraph
    if prev.page != line.page or prev.y - line.y < 0:
        # a new page or column: unfinished text goes on when the next line is lower case or the last was full
        if (starts_lower and not ends) or (prev_full and (not ends or starts_lower)):
            return " "
        return None
    if abs(prev.size - line.size) >= 1.0:
        return None
    gap = prev.y - line.y
    if spacing and gap > 1.35 * spacing:
        return None
    if not prev_full and ends and not starts_lower:
        return None  # a short last line ends a paragraph even without a gap
    if prev_full or prev.text.endswith(("-", "\u00ad")):
        return " "
    return "\n"  # a short line inside a paragraph: a line break that was meant (an address, a signature)


@dataclass
class Vocabulary:
    words: set[str]  # lower-cased words of the document, not counting the pieces of words split at line ends
    compounds: set[str]  # lower-cased hyphenated words written on one line ("well-matched")


LINE_END_PIECE = re.compile(r"([^\W\d_]+)-$")
LINE_START_PIECE = re.compile(r"^[^\W\d_]+")
COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


def _vocabulary(texts: list[str]) -> Vocabulary:
    words: set[str] = set()
    compounds: set[str] = set()
    after_hyphen = False
    for text in texts:
        body = LINE_START_PIECE.sub("", text) if after_hyphen else text
        after_hyphen = bool(LINE_END_PIECE.search(text))
        body = LINE_END_PIECE.sub("", body)
        words.update(w.lower() for w in WORDS.findall(body))
        compounds.update(c.lower() for c in COMPOUND.findall(body))
    return Vocabulary(words, compounds)


def _join(text: str, sep: str, nxt: str, vocabulary: Vocabulary) -> str:
    """Join the next line of a paragraph, deciding whether a hyphen at the line end split a word ("improve-" +
    "ment") or belongs to it ("well-" + "matched"): joined when the whole word appears elsewhere in the
    document; kept when the hyphenated word does, or when the first part is a word of its own there; joined
    otherwise. Only when the second part continues in the same case (lower, or capitals after capitals)."""
    if text.endswith("\u00ad"):
        return text[:-1] + nxt
    if sep == " " and text.endswith("-") and len(text) > 1 and text[-2].isalpha():
        head = LINE_END_PIECE.search(text)
        tail = LINE_START_PIECE.match(nxt)
        if head and tail and (tail.group().islower() or (head.group(1).isupper() and tail.group().isupper())):
            first, second = head.group(1).lower(), tail.group().lower()
            if first + second in vocabulary.words:
                return text[:-1] + nxt  # a word broken by hyphenation
            if f"{first}-{second}" not in vocabulary.compounds and first not in vocabulary.words:
                return text[:-1] + nxt  # "manip-" + "ulation": neither part reads as a word of its own
        return text + nxt  # "well-" + "matched", "COVID-" + "19": a real hyphen at a line end
    return text + sep + nxt
