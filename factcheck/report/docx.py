"""The release as a Word document with factcheck's findings as review comments, for a communications team that
writes its releases in Word.

A .docx release keeps its own paragraphs, runs and formatting. It is walked exactly as the loader walks it
(factcheck/inputs/docx.py), so that every character of the loaded text, the one the report's offsets point
into, is tied to the character of the <w:t> element it came from. A run is split where a quotation begins or
ends, both halves keeping its formatting, so a comment covers exactly the quoted words. A release given as
text becomes a new document, one Word paragraph per paragraph the loader finds.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from factcheck.errors import InputError
from factcheck.inputs.docx import SKIP_INSIDE, W, is_list_paragraph
from factcheck.report.wording import headline, verdict_label
from factcheck.text import find_paragraphs
from factcheck.types import ClaimFinding, QuoteFinding, Report, Span

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

AUTHOR = "factcheck"
INITIALS = "FC"
PASSAGE_CHARS = 600  # a comment quotes at most this much of the source
# Claims get a comment only where the judge is worth a reviewer's time on real text: a contradiction, or words
# the source does not carry (a lead to check); 'partly supported' is what most faithful paraphrase gets.
FLAGGED_CLAIMS = ("contradicted", "unsupported")
CLAIM_NOTE_LABELS = {
    "contradicted": "Claim contradicted by the source",
    "unsupported": "Claim not found in the source",
}
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a text release's document: no new timestamp
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry, instead of the time of saving
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # lxml refuses these

Atom = tuple[Any, int]  # a <w:t> element and the index of one of its characters


@dataclass
class _Block:
    paragraph: Any  # its <w:p> element
    start: int  # where its text lies in the loaded text
    end: int


@dataclass
class _Layout:
    """The loaded text of a Word document, each character tied to the <w:t> character it came from (None for
    what the loader adds: blank lines between paragraphs, "- " before a list item, a space for a run of
    whitespace)."""

    text: list[str] = field(default_factory=list)
    atoms: list[Atom | None] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    offsets: dict[Any, list[int]] = field(default_factory=dict)  # <w:t> element -> the offsets tied to it

    def add(self, chars: Iterable[tuple[str, Atom | None]]) -> None:
        for char, atom in chars:
            if atom is not None:
                self.offsets.setdefault(atom[0], []).append(len(self.atoms))
            self.text.append(char)
            self.atoms.append(atom)

    def at(self, offset: int) -> Atom | None:
        return self.atoms[offset] if 0 <= offset < len(self.atoms) else None

    def block_at(self, offset: int) -> _Block:
        starts = [b.start for b in self.blocks]
        return self.blocks[max(0, bisect_right(starts, offset) - 1)]


@dataclass(frozen=True)
class _Anchor:
    """What a comment covers: the characters first..last of the loaded text, or (first < 0) a whole paragraph."""

    first: int
    last: int
    paragraph: Any


def render_docx(report: Report, release: bytes | str) -> bytes:
    """The release as a .docx with a review comment on each flagged quotation and claim, and the report's
    headline on the first paragraph. `release` is the release's .docx bytes, or its loaded text."""
    import docx

    if isinstance(release, bytes):
        from docx.opc.exceptions import PackageNotFoundError

        try:
            document = docx.Document(io.BytesIO(release))
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
            raise InputError(f"the release could not be read as a Word document: {e}") from None
        layout = _docx_layout(document)
    else:
        document = docx.Document()
        layout = _text_layout(document, release)
    if not layout.blocks:  # a document without text: the headline still needs a paragraph to sit on
        layout.blocks.append(_Block(document.add_paragraph()._p, 0, 0))
    text = "".join(layout.text)
    notes = [(_block_anchor(layout, layout.blocks[0]), headline(report))]
    findings: list[tuple[int, int, QuoteFinding | ClaimFinding]] = [
        *((q.start, 0, q) for q in report.quotes if q.speaker == "source" and q.severity != "none"),
        *((c.start, 1, c) for c in report.claims if c.verdict in FLAGGED_CLAIMS),
    ]
    for _, _, finding in sorted(findings, key=lambda item: item[:2]):
        if isinstance(finding, QuoteFinding):
            notes.append((_quote_anchor(layout, text, finding), _quote_note(finding, report)))
        else:
            notes.append((_claim_anchor(layout, text, finding), _claim_note(finding)))
    _split_runs(layout, [anchor for anchor, _ in notes])
    for anchor, note in notes:
        _comment(document, layout, anchor, note)
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


# --- the loaded text, tied to the document ------------------------------------------------------------------


def _docx_layout(document: WordDocument) -> _Layout:
    """The text docx_text() gives, built the same way, each character tied to where it came from."""
    items: list[tuple[list[tuple[str, Atom | None]], bool, Any]] = []
    _blocks(document.element.body, document, items)
    layout = _Layout()
    for i, (chars, is_item, paragraph) in enumerate(items):
        if i:
            layout.add(_synthetic("\n" if is_item and items[i - 1][1] else "\n\n"))
        if is_item:
            layout.add(_synthetic("- "))
            chars = [(" " if char == "\n" else char, atom) for char, atom in chars]
        start = len(layout.atoms)
        layout.add(chars)
        layout.blocks.append(_Block(paragraph, start, len(layout.atoms)))
    return layout


def _blocks(container: Any, document: Any, items: list[tuple[list[tuple[str, Atom | None]], bool, Any]]) -> None:
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == W + "p":
            chars = _tidy(_paragraph_chars(child))
            if chars:
                items.append((chars, is_list_paragraph(Paragraph(child, document)), child))
        elif child.tag == W + "tbl":
            for row in child.iterchildren(W + "tr"):
                for cell in row.iterchildren(W + "tc"):
                    _blocks(cell, document, items)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            _blocks(content if content is not None else child, document, items)


def _paragraph_chars(p: Any) -> list[tuple[str, Atom | None]]:
    chars: list[tuple[str, Atom | None]] = []

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag in SKIP_INSIDE:
                continue
            if tag == W + "t":
                chars.extend((char, (child, i)) for i, char in enumerate(child.text or ""))
            elif tag == W + "tab":
                chars.extend(_synthetic("\t" if element.tag == W + "r" else ""))
            elif tag in (W + "br", W + "cr"):
                chars.append(("\n", None))
            elif tag == W + "noBreakHyphen":
                chars.append(("-", None))
            else:
                walk(child)

    walk(p)
    return chars


def _tidy(chars: list[tuple[str, Atom | None]]) -> list[tuple[str, Atom | None]]:
    """What plain.tidy() makes of a paragraph's text: each line's whitespace runs as one space, empty lines
    dropped, with every remaining character still tied to its origin."""
    out: list[tuple[str, Atom | None]] = []
    line: list[tuple[str, Atom | None]] = []
    for char, atom in [*chars, ("\n", None)]:
        if char != "\n":
            line.append((char, atom))
            continue
        squashed: list[tuple[str, Atom | None]] = []
        space = False
        for c, a in line:
            if c.isspace():
                space = bool(squashed)
            else:
                if space:
                    squashed.append((" ", None))
                    space = False
                squashed.append((c, a))
        if squashed:
            if out:
                out.append(("\n", None))
            out.extend(squashed)
        line = []
    return out


def _synthetic(text: str) -> list[tuple[str, Atom | None]]:
    return [(char, None) for char in text]


def _text_layout(document: WordDocument, text: str) -> _Layout:
    """A new document for a release given as text: one paragraph, in one run, for each paragraph the loader
    finds (a bulleted line keeps its bullet), its whitespace runs and line breaks as single spaces; characters
    XML cannot hold are left out. The offsets stay those of `text`."""
    core = document.core_properties
    core.author, core.last_modified_by = "", AUTHOR
    core.comments = "A press release, with factcheck's review comments"
    core.created = core.modified = FIXED_TIME
    layout = _Layout(text=list(text), atoms=[None] * len(text))
    for span in find_paragraphs(text):
        kept: list[tuple[str, int]] = []  # (character, its offset in text, or -1 for a joining space)
        space = False
        start = text.rfind("\n", 0, span.start) + 1  # the line's start: a bulleted line's bullet is kept
        for offset in range(start, span.end):
            char = text[offset]
            if char.isspace():
                space = bool(kept)
            elif not NOT_XML.match(char):
                if space:
                    kept.append((" ", -1))
                    space = False
                kept.append((char, offset))
        if not kept:
            continue
        paragraph = document.add_paragraph()
        t = paragraph.add_run("".join(char for char, _ in kept))._r.find(W + "t")
        layout.offsets[t] = [offset for _, offset in kept if offset >= 0]
        for index, (_, offset) in enumerate(kept):
            if offset >= 0:
                layout.atoms[offset] = (t, index)
        layout.blocks.append(_Block(paragraph._p, start, span.end))
    return layout


# --- where each comment goes ---------------------------------------------------------------------------------


def _quote_anchor(layout: _Layout, text: str, quote: QuoteFinding) -> _Anchor:
    parts = quote.parts or [Span(start=quote.start, end=quote.end)]
    said = " ".join(text[p.start : p.end] for p in parts)
    return _anchor(layout, text, parts[0].start, parts[-1].end, said, quote.text)


def _claim_anchor(layout: _Layout, text: str, claim: ClaimFinding) -> _Anchor:
    return _anchor(layout, text, claim.start, claim.end, text[claim.start : claim.end], claim.text)


def _anchor(layout: _Layout, text: str, start: int, end: int, said: str, words: str) -> _Anchor:
    """The exact words at start..end; if the text there is not `words` (a report of another version of the
    release?), their nearest occurrence; failing both, the whole paragraph nearest to `start`."""
    if said.split() != words.split():
        found = _nearest(text, words, start)
        start, end = found if found else (start, start)
    return _runs_anchor(layout, start, end) or _block_anchor(layout, layout.block_at(start))


def _nearest(text: str, words: str, near: int) -> tuple[int, int] | None:
    if not words.split():
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words.split()))
    found = [(m.start(), m.end()) for m in pattern.finditer(text)]
    return min(found, key=lambda span: abs(span[0] - near)) if found else None


def _block_anchor(layout: _Layout, block: _Block) -> _Anchor:
    return _runs_anchor(layout, block.start, block.end) or _Anchor(-1, -1, block.paragraph)


def _runs_anchor(layout: _Layout, start: int, end: int) -> _Anchor | None:
    """The characters of start..end that are in the document, if both ends lie in runs of paragraphs side by
    side (not, say, one in a table cell and one after the table)."""
    inside = [i for i in range(max(start, 0), min(end, len(layout.atoms))) if layout.atoms[i] is not None]
    if not inside:
        return None
    ends = [layout.atoms[inside[0]], layout.atoms[inside[-1]]]
    runs = [atom[0].getparent() for atom in ends if atom is not None]
    if any(run is None or run.tag != W + "r" for run in runs):
        return None
    paragraphs = [next(run.iterancestors(W + "p"), None) for run in runs]
    if paragraphs[0] is None or paragraphs[1] is None or paragraphs[0].getparent() is not paragraphs[1].getparent():
        return None
    return _Anchor(inside[0], inside[-1], paragraphs[0])


def _split_runs(layout: _Layout, anchors: list[_Anchor]) -> None:
    """Split runs so that every anchor starts a run and ends one. Cuts are made from the end of the document
    back, and each character tied to a cut <w:t> is re-tied to the new one, so later cuts still find theirs."""
    cuts = {cut for a in anchors if a.first >= 0 for cut in ((a.first, 0), (a.last, 1))}
    for offset, after in sorted(cuts, reverse=True):
        atom = layout.atoms[offset]
        if atom is not None:
            _split(layout, atom[0], atom[1] + after)


def _split(layout: _Layout, t: Any, cut: int) -> None:
    """Split t's run before t's character `cut`: the run's content from there on moves to a new run just after
    it, which gets a copy of the run's properties (its formatting) and attributes."""
    from docx.oxml import OxmlElement

    run = t.getparent()
    content = [child for child in run if child.tag != W + "rPr"]
    at = content.index(t)
    chars = t.text or ""
    if (cut <= 0 and at == 0) or (cut >= len(chars) and at == len(content) - 1):
        return  # a run boundary already
    second = OxmlElement("w:r", attrs=dict(run.attrib))
    properties = run.find(W + "rPr")
    if properties is not None:
        second.append(copy.deepcopy(properties))
    moving = content[at:] if cut <= 0 else content[at + 1 :]
    if 0 < cut < len(chars):
        tail = OxmlElement("w:t", attrs={XML_SPACE: "preserve"})
        tail.text, t.text = chars[cut:], chars[:cut]
        t.set(XML_SPACE, "preserve")
        second.append(tail)
        kept, moved = [], []
        for offset in layout.offsets.get(t, []):
            atom = layout.atoms[offset]
            if atom is not None and atom[1] >= cut:
                layout.atoms[offset] = (tail, atom[1] - cut)
                moved.append(offset)
            else:
                kept.append(offset)
        layout.offsets[t], layout.offsets[tail] = kept, moved
    for child in moving:
        second.append(child)
    run.addnext(second)


# --- the comments ----------------------------------------------------------------------------------------------


def _comment(document: WordDocument, layout: _Layout, anchor: _Anchor, note: str) -> None:
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    first, last = layout.at(anchor.first), layout.at(anchor.last)
    if first is not None and last is not None:
        paragraph = Paragraph(anchor.paragraph, document)
        runs = [Run(first[0].getparent(), paragraph), Run(last[0].getparent(), paragraph)]
        comment = document.add_comment(runs, text=note, author=AUTHOR, initials=INITIALS)
    else:
        comment = document.comments.add_comment(text=note, author=AUTHOR, initials=INITIALS)
        _mark_paragraph(anchor.paragraph, comment.comment_id)
    comment._comment_elm.date = None  # no date: the same report and release give the same file


def _mark_paragraph(p: Any, comment_id: int) -> None:
    """Anchor a comment on a whole paragraph, as Word does: range start after its properties, range end and
    the reference run at its end."""
    from docx.oxml import OxmlElement

    number = {W + "id": str(comment_id)}
    start = OxmlElement("w:commentRangeStart", attrs=number)
    properties = p.find(W + "pPr")
    if properties is not None:
        properties.addnext(start)
    else:
        p.insert(0, start)
    p.append(OxmlElement("w:commentRangeEnd", attrs=number))
    reference = OxmlElement("w:r")
    style = OxmlElement("w:rPr")
    style.append(OxmlElement("w:rStyle", attrs={W + "val": "CommentReference"}))
    reference.append(style)
    reference.append(OxmlElement("w:commentReference", attrs=number))
    p.append(reference)


def _quote_note(quote: QuoteFinding, report: Report) -> str:
    lines = [f"{verdict_label(quote)} ({quote.severity} severity)", quote.explanation]
    if quote.omitted:
        lines.append("Left out: " + _cut("; ".join(quote.omitted)))
    if quote.source_text:
        named = f" ({quote.source_name})" if len(report.sources) > 1 and quote.source_name else ""
        lines.append(f"The source{named} says: {_cut(quote.source_text)}")
    return _note(lines)


def _claim_note(claim: ClaimFinding) -> str:
    severity = f"{claim.severity} severity" if claim.severity != "none" else "no severity"
    lines = [f"{CLAIM_NOTE_LABELS.get(claim.verdict, claim.verdict)} ({severity})", claim.reason]
    if claim.evidence_text:
        lines.append(f"The source says: {_cut(claim.evidence_text[0])}")
    return _note(lines)


def _note(lines: list[str]) -> str:
    """One comment paragraph a line: whitespace squashed (a newline would start another paragraph), and no
    character XML cannot hold."""
    cleaned = (NOT_XML.sub("", " ".join(line.split())) for line in lines)
    return "\n".join(line for line in cleaned if line)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= PASSAGE_CHARS:
        return text
    return text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


def _fixed_zip(data: bytes) -> bytes:
    """The same package with every entry dated ZIP_TIME: python-docx stamps each with the time of saving."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as saved, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as fixed:
        for entry in saved.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            fixed.writestr(info, saved.read(entry))
    return out.getvalue()
