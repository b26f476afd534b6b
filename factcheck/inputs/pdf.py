"""The text layer of a PDF (pypdf, in content-stream order, so columns are not interleaved) as paragraphs."""

from __future__ import annotations

import io
import itertools
import logging
import re
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from factcheck.config import LimitSettings
from factcheck.errors import DamagedFileError, InputError, InputTooLargeError, NoTextLayerError
from factcheck.inputs.limits import ReadBudget

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypdf import PageObject

TERMINAL = re.compile(r"""[.!?:;'"\u2019\u201d)\]]$""")
BULLET_GLYPH = re.compile(
    r"^[\u2022\u2023\u25e6\u25aa\u25ab\u25cf\u25cb\u25a0\u25a1\u2043\u2219\u00b7\uf0b7\uf0a7]\s*"
)
PAGE_NUMBER = re.compile(
    r"^(?:(?i:page)\s+)?(?:\d{1,4}|(?=[ivxlc])x{0,3}(?:ix|iv|v?i{0,3})|(?=[IVXLC])X{0,3}(?:IX|IV|V?I{0,3}))"
    r"(?:\s*(?:of|/)\s*\d{1,4})?$|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$"
)
WORDS = re.compile(r"[^\W\d_]+")


@dataclass
class Line:
    text: str
    x: float
    y: float
    size: float
    page: int
    width: float = 0.0  # estimated, in points


def pdf_text(data: bytes, name: str, limits: LimitSettings | None = None, budget: ReadBudget | None = None) -> str:
    """The text layer of a PDF as paragraphs: running headers, footers and page numbers removed, words split
    at line ends rejoined, paragraphs that run across pages joined. At most limits.max_pdf_pages pages, within
    the read budget (checked between pages and as each page's text is drawn); pypdf itself bounds every
    stream it inflates (75 MB)."""
    limits = limits or LimitSettings()
    budget = budget or ReadBudget.start(name, limits)
    pages = _pdf_lines(data, name, limits, budget)
    if not any(WORDS.search(line.text) for page in pages for line in page):
        raise NoTextLayerError(f"{name} has no text layer (a scanned PDF?); OCR it first")
    body = _drop_running_lines([_attach_bullets(page) for page in pages])
    return _paragraphs(body)


def _pdf_lines(data: bytes, name: str, limits: LimitSettings, budget: ReadBudget) -> list[list[Line]]:
    import pypdf
    from pypdf.errors import LimitReachedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless oddities
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name} is an encrypted PDF; remove the password first")
        pages = []
        for number, page in enumerate(reader.pages):
            if number == limits.max_pdf_pages:
                pages_word = "page" if number == 1 else "pages"
                raise InputTooLargeError(f"{name} has more than {number:,} {pages_word} (limits.max_pdf_pages)")
            budget.check()
            pages.append(_page_lines(page, number, budget))
        if not pages:
            raise DamagedFileError(f"{name} is a PDF without pages")
        return pages
    except InputError:
        raise
    except LimitReachedError:
        raise InputTooLargeError(f"{name}: a stream in it inflates past pypdf's size limit (a PDF bomb?)") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        raise DamagedFileError(f"{name} could not be read as a PDF: {e}") from None
    except Exception as e:  # noqa: BLE001  # pypdf's dependencies (cryptography for AES) raise their own errors
        raise DamagedFileError(f"{name} could not be read as a PDF: {type(e).__name__}: {e}") from None


def _page_lines(page: PageObject, number: int, budget: ReadBudget) -> list[Line]:
    """The lines of a page in content-stream order, each placed where its first text was drawn, with its main
    font size and an estimate of its width."""
    lines: list[Line] = []
    pending: list[str] = []
    where: list[float] | None = None  # x, y of the current line's first visible text
    sizes: dict[float, int] = {}  # font size -> characters set in it
    width = 0.0

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font_dict: object, font_size: float | None) -> None:
        nonlocal where, width
        budget.check()  # a page can draw millions of pieces of text
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
        for a, b in itertools.pairwise(page)
        if 0 < a.y - b.y < 3 * max(a.size, 1) and abs(a.size - b.size) < 0.5
    ]
    spacing = statistics.median(steps) if steps else None
    full = _full_width(lines)
    vocabulary = vocabulary_of([line.text for line in lines])

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
            text = join_line(text, sep, nxt, vocabulary)
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


def vocabulary_of(texts: list[str]) -> Vocabulary:
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


def join_line(text: str, sep: str, nxt: str, vocabulary: Vocabulary) -> str:
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
