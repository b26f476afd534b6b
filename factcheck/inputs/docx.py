"""The text of a Word document (python-docx): paragraphs, list items and table cells, tracked changes applied."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from factcheck.errors import InputError
from factcheck.inputs.plain import tidy

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

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


def _docx_blocks(container: Any, document: Any, blocks: list[tuple[str, bool]]) -> None:
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
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
                        _docx_blocks(cell, document, blocks)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            _docx_blocks(content if content is not None else child, document, blocks)


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
