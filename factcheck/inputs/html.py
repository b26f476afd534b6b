"""The main text of a web page, by trafilatura (without navigation, footer or banners), or every visible block
of the page when it finds no article."""

from __future__ import annotations

import logging
import re
from typing import Any

from factcheck.config import LimitSettings
from factcheck.errors import DamagedFileError, InputTooLargeError
from factcheck.inputs.limits import ReadBudget
from factcheck.inputs.plain import tidy

log = logging.getLogger(__name__)

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre",
    "table", "tr", "td", "th", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "header", "footer",
    "address", "body", "caption",
}
BOILERPLATE_MARKS = re.compile(
    r"cookie|consent|gdpr|breadcrumb|skip-?link|navbar|navigation|\bmenu\b|\bbanner\b"
)
# libxml2's own limits without huge_tree (not settings: raising them means huge_tree, which removes them)
HTML_LIMITS = (
    ("Excessive depth", "nests elements deeper than 256, libxml2's limit (huge_tree off)"),
    ("too long", "holds a run of text over 10 MB, libxml2's limit (huge_tree off)"),
    ("Buffer size", "holds a run of text over 10 MB, libxml2's limit (huge_tree off)"),
    ("", "is over one of libxml2's size limits (huge_tree off)"),
)
DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg",
             "button", "select", "iframe")


def meta_charset(data: bytes) -> str | None:
    """The charset a page's <meta> declares in its first 4 KB, if any."""
    m = META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def html_text(html: str, name: str, budget: ReadBudget | None = None) -> str:
    """The main text of a web page: trafilatura's article, or every visible block when it finds none."""
    budget = budget or ReadBudget.start(name, LimitSettings())
    tree = _parsed(html, name)
    budget.check()
    _mark_inline_quotes(tree)
    text = _trafilatura_text(tree, name)
    budget.check()
    # trafilatura's last resort on a short page is the whole body run together as one block, navigation and
    # all: the page's own blocks are better then
    if "\n" not in text.strip():
        fallback = _plain_html_text(tree, budget)
        if not text.strip() or "\n" in fallback.strip():
            log.info("%s: trafilatura found no article; using the page's visible blocks", name)
            text = fallback
    return text


def _parsed(html: str, name: str) -> Any:
    """The page's tree, by a parser of its own (its error log is this page's alone), with libxml2's limits on
    (huge_tree off): a page nested deeper than 256 elements, or with a text node over 10 MB, is refused
    rather than read with its text silently cut."""
    import lxml.html
    from lxml import etree

    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses a str that declares an encoding
    parser = lxml.html.HTMLParser(huge_tree=False, no_network=True)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise DamagedFileError(f"{name} could not be read as HTML: {e}") from None
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            what = next((w for marker, w in HTML_LIMITS if marker in entry.message), HTML_LIMITS[-1][1])
            raise InputTooLargeError(f"{name} {what}")
    return tree


def _mark_inline_quotes(tree: Any) -> None:
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


def _mark_block_quotes(tree: Any) -> None:
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


def _trafilatura_text(tree: Any, name: str) -> str:
    import copy

    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            copy.deepcopy(tree), output_format="xml", include_comments=False, include_tables=True,
            include_formatting=False, include_links=False, include_images=False, deduplicate=False,
        )
    except Exception as e:  # noqa: BLE001  # trafilatura raises assorted errors on odd markup; fall back, not fail
        log.warning("%s: trafilatura failed (%s); using every visible block", name, e)
        return ""
    if not xml:
        return ""
    try:
        safe = etree.XMLParser(resolve_entities=False, huge_tree=False, no_network=True)
        root = etree.fromstring(xml.encode("utf-8"), safe)
    except etree.XMLSyntaxError as e:  # trafilatura wrote something lxml will not read back: fall back, not fail
        log.warning("%s: trafilatura's output could not be read (%s); using every visible block", name, e)
        return ""
    main = root.find("main")
    blocks: list[str] = []
    _walk_extracted(main if main is not None else root, blocks)
    return "\n\n".join(b for b in blocks if b)


def _inline(element: Any) -> str:
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
    return tidy("".join(parts))


def _walk_extracted(element: Any, blocks: list[str], prefix: str = "") -> None:
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


def _plain_html_text(tree: Any, budget: ReadBudget) -> str:
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
        budget.check()
        text = tidy("".join(current))
        current.clear()
        if text:
            blocks.append(text)

    def walk(el: Any, in_list: bool = False) -> None:
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
