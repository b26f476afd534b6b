"""Quotation marks in a release: each classified by its neighbours, then paired into quotations.

An opening mark follows a space and precedes a word; a closing mark follows a word. Apostrophes inside words,
possessives and primes are told apart from closing marks. Marks are paired per paragraph with a stack that
allows nesting and mixed mark styles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOUBLE = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
SINGLE = "'\u2018\u2019\u201a\u201b\u2039\u203a"
ALWAYS_OPEN = "\u201c\u201e\u201f\u00ab\u2018\u201a\u201b\u2039"
ALWAYS_CLOSE = "\u201d\u00bb\u203a"
SHORT_POSSESSIVE = 16  # characters: 'The directors' assessment …' is an apostrophe, not a two-word quotation


@dataclass
class Mark:
    pos: int
    char: str
    family: str  # "double" | "single"
    can_open: bool
    can_close: bool
    possessive: bool = False


@dataclass
class Pair:
    open: int  # offset of the opening mark
    close: int | None  # offset of the closing mark, None when unclosed in this paragraph
    family: str
    char: str


def mark_family(ch: str) -> str:
    return "double" if ch in DOUBLE else "single"


ELISION = re.compile(r"(?:\d0s|\d\d\b|n['\u2019]\s|em\b|til\b|tis\b|twas\b|cause\b|bout\b)", re.IGNORECASE)


def _classify(text: str, pos: int, lo: int, hi: int) -> Mark | None:
    """Whether the mark at `pos` can open or close a quotation, or is an apostrophe or a prime (None)."""
    ch = text[pos]
    before = text[pos - 1] if pos > lo else " "
    after = text[pos + 1] if pos + 1 < hi else " "
    if ch in DOUBLE:  # “‘M:i:III’ will …”: a double mark beside a single one is read by what lies past it
        ahead = pos + 1
        while ahead < hi and text[ahead] in SINGLE:
            ahead += 1
        behind = pos - 1
        while behind >= lo and text[behind] in SINGLE:
            behind -= 1
        after = text[ahead] if ahead < hi and ahead > pos + 1 else after
        before = text[behind] if behind >= lo and behind < pos - 1 else before
    space_before = before.isspace() or before in "([{\u2014\u2013-/" or before in DOUBLE + SINGLE
    space_after = after.isspace() or after in ".,;:!?)]}\u2014\u2013-/\u2026" or after in DOUBLE + SINGLE
    if ch in ("\u2032", "\u2033"):
        return None
    if ch in SINGLE and before.isalnum() and after.isalnum():
        return None  # inside a word: children's, O'Brien
    if ch in "'\u2019" and before.isalpha() and after == "]":
        return None  # [the researchers'] investigations: an apostrophe inside an editor's brackets
    if ch in "'\u2019\u2018" and not before.isalnum() and ELISION.match(text, pos + 1, hi):
        return None  # '90s, rock 'n' roll, 'til
    if ch in "'\u2019" and before == "n" and text[pos - 2 : pos - 1] in ("'", "\u2019", "\u2018"):
        return None  # the second mark of 'n'
    if ch in "'\u2019" and before.isdigit() and not _open_before(text, pos, lo, "single"):
        return None  # a prime: 6'2", 5' tall
    if ch == '"' and before.isdigit() and not _open_before(text, pos, lo, "double"):
        return None  # inches: 55", 6'2"
    family = mark_family(ch)
    if ch in ALWAYS_OPEN:
        # a left mark can also close: “ closes „ and ‘ closes ‚ (German), and careless releases close with it
        closes = ch in "\u201c\u2018" and not space_before and (space_after or pos + 1 >= hi)
        return Mark(pos, ch, family, can_open=not closes, can_close=closes)
    if ch in ALWAYS_CLOSE:
        return Mark(pos, ch, family, can_open=space_before and not space_after and ch == "\u201d", can_close=True)
    # straight marks and the right single mark: decide by neighbours
    opens = space_before and not space_after
    closes = not space_before and (space_after or pos + 1 >= hi)
    if not opens and not closes:
        if space_before and space_after:
            return None  # a lone mark between spaces
        opens = closes = True
    followed_by_word = after == " " and pos + 2 < hi and text[pos + 2].isalnum()
    possessive = ch in "'\u2019" and closes and before.lower() == "s" and followed_by_word
    return Mark(pos, ch, family, can_open=opens, can_close=closes, possessive=possessive)


def _open_before(text: str, pos: int, lo: int, family: str) -> bool:
    """Whether a mark of this family opened earlier in the paragraph is still open (so a mark after a digit
    closes it rather than being a prime)."""
    segment = text[lo:pos]
    if family == "double":
        return segment.count('"') % 2 == 1 or segment.count("\u201c") + segment.count("\u201e") > segment.count("\u201d")
    return bool(re.search(r"(?:^|[\s(])['\u2018](?=\w)", segment)) and not re.search(r"\w['\u2019](?=[\s.,;:!?]|$)", segment[-40:])


def find_marks(text: str, lo: int, hi: int) -> list[Mark]:
    marks = []
    for pos in range(lo, hi):
        if text[pos] in DOUBLE or text[pos] in SINGLE:
            mark = _classify(text, pos, lo, hi)
            if mark is not None:
                marks.append(mark)
    return marks


def pair_marks(marks: list[Mark], continues: bool = False) -> tuple[list[Pair], list[Mark]]:
    """Pair opening and closing marks. Returns the pairs (outermost and nested) and the marks left open.
    `continues`: the next paragraph opens with a quotation mark, so a quotation may run on into it."""
    stack: list[Mark] = []
    pairs: list[Pair] = []
    for index, mark in enumerate(marks):
        if mark.can_close and stack:
            match = next((k for k in range(len(stack) - 1, -1, -1) if _closes(stack[k], mark)), None)
            if match is not None and mark.possessive and (
                _later_closer(marks, index, stack[match]) or continues or mark.pos - stack[match].pos < SHORT_POSSESSIVE
            ):
                continue  # parents' views: an apostrophe; the quotation closes later (or never)
            if match is None and _other_family_ok(stack[-1], mark) and not _later_closer(marks, index, stack[-1]):
                match = len(stack) - 1  # opened with one style, closed with another
            if match is not None:
                opener = stack[match]
                del stack[match:]
                pairs.append(Pair(opener.pos, mark.pos, opener.family, opener.char))
                continue
        if mark.can_open:
            stack.append(mark)
    return pairs, stack


def _closes(opener: Mark, closer: Mark) -> bool:
    if opener.family != closer.family or not closer.can_close:
        return False
    if closer.char in ("\u201c", "\u2018"):
        return opener.char in ("\u201e", "\u201a") or (closer.can_close and not closer.can_open)
    if opener.char in ("\u00ab", "\u2039"):
        return closer.char in ("\u00bb", "\u203a")
    return closer.char not in ("\u00bb", "\u203a") or opener.char in ("\u00ab", "\u2039")


def _other_family_ok(opener: Mark, closer: Mark) -> bool:
    return not closer.possessive and closer.pos > opener.pos + 1 and not (closer.can_open and not closer.can_close)


def _later_closer(marks: list[Mark], index: int, opener: Mark) -> bool:
    """Whether a later mark can close `opener` before another quotation of its family opens."""
    for later in marks[index + 1 :]:
        if _closes(opener, later) and not (later.can_open and later.family == opener.family and not later.possessive and _opens_strongly(later)):
            return True
        if later.can_open and later.family == opener.family and _opens_strongly(later):
            return False
    return False


def _opens_strongly(mark: Mark) -> bool:
    return mark.can_open and not mark.can_close


def outermost(pairs: list[Pair]) -> list[Pair]:
    """Pairs not inside another: a quotation nested in a quotation is part of the outer one's text."""
    kept: list[Pair] = []
    for pair in sorted(pairs, key=lambda p: p.open):
        if kept and (kept[-1].close is None or pair.open < kept[-1].close):
            continue
        kept.append(pair)
    return kept

