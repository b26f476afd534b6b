"""The text of a Word document (python-docx): paragraphs, list items and table cells, tracked changes applied.

A Word file is a zip archive of XML. Before python-docx opens it, every member is inflated once with a counter
(limits.check_archive), so a zip bomb or a damaged deflate stream is refused with one line. python-docx parses
the XML with entities left unresolved and lxml's huge_tree off: an entity cannot expand into gigabytes, and
libxml2 refuses a single text node over 10 MB, or elements nested deeper than 256.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from factcheck.config import LimitSettings
from factcheck.errors import DamagedFileError, FactcheckError, InputTooLargeError
from factcheck.inputs.limits import ReadBudget, check_archive
from factcheck.inputs.plain import tidy

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SKIP_INSIDE = {W + "txbxContent", "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
               W + "del", W + "moveFrom"}
# libxml2's own limits without huge_tree, which its message names; they are not settings, since raising
# them means huge_tree, which takes libxml2's protection away
XML_LIMITS = (
    ("Text node too long", "holds a run of text over 10 MB, libxml2's limit (huge_tree off)"),
    ("Excessive depth", "nests elements deeper than 256, libxml2's limit (huge_tree off)"),
    ("amplification", "declares entities that expand past libxml2's amplification limit (a billion laughs?)"),
    ("Resource limit exceeded", "is over one of libxml2's size limits (huge_tree off)"),
)


def docx_text(data: bytes, name: str, limits: LimitSettings | None = None, budget: ReadBudget | None = None) -> str:
    """Paragraphs of a Word document (blank line between), list paragraphs as "- " lines, table cells as
    paragraphs; tracked insertions included, tracked deletions not."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    limits = limits or LimitSettings()
    budget = budget or ReadBudget.start(name, limits)
    check_archive(data, name, limits, budget)
    blocks: list[tuple[str, bool]] = []  # (text, is list item)
    try:
        document = docx.Document(io.BytesIO(data))
        body = getattr(document.element, "body", None)
        if body is None:
            raise DamagedFileError(f"{name} is damaged: word/document.xml has no document body")
        _docx_blocks(body, document, blocks, budget)
    except FactcheckError:
        raise
    except etree.XMLSyntaxError as e:
        raise _xml_error(name, e) from None
    except (PackageNotFoundError, KeyError, ValueError, AttributeError, zipfile.BadZipFile) as e:
        raise DamagedFileError(f"{name} could not be read as a Word document: {_why(e)}") from None
    except Exception as e:  # noqa: BLE001  # python-docx meets a broken package in many ways; each is one line
        raise DamagedFileError(f"{name} could not be read as a Word document: {type(e).__name__}: {e}") from None
    out: list[str] = []
    for i, (text, is_item) in enumerate(blocks):
        if i:
            out.append("\n" if is_item and blocks[i - 1][1] else "\n\n")
        out.append(("- " + text.replace("\n", " ")) if is_item else text)
    return "".join(out)


def _xml_error(name: str, error: Exception) -> DamagedFileError | InputTooLargeError:
    message = getattr(error, "msg", None) or str(error)  # msg: without lxml's "(<string>, line 1)"
    for marker, what in XML_LIMITS:
        if marker in message:
            return InputTooLargeError(f"{name} {what}")
    return DamagedFileError(f"{name} is damaged: its XML is not well-formed ({message})")


def _why(error: Exception) -> str:
    return str(error) or type(error).__name__


def _docx_blocks(container: Any, document: Any, blocks: list[tuple[str, bool]], budget: ReadBudget) -> None:
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        budget.check()
        if child.tag == W + "p":
            text = tidy(_docx_paragraph_text(child))
            if text:
                blocks.append((text, is_list_paragraph(Paragraph(child, document))))
        elif child.tag == W + "tbl":
            seen: set[int] = set()
            for row in child.iterchildren(W + "tr"):
                for cell in row.iterchildren(W + "tc"):
                    if id(cell) not in seen:
                        seen.add(id(cell))
                        _docx_blocks(cell, document, blocks, budget)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            _docx_blocks(content if content is not None else child, document, blocks, budget)


def _docx_paragraph_text(p: Any) -> str:
    parts: list[str] = []

    def walk(el: Any) -> None:
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


def is_list_paragraph(paragraph: Paragraph) -> bool:
    ppr = paragraph._p.pPr
    numbering: Any = ppr.numPr if ppr is not None else None  # python-docx types it as its descriptor class
    if numbering is not None:
        num_id = numbering.numId
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
