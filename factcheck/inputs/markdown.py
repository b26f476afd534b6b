"""Markdown as plain text: the markup that would confuse quote extraction and sentence splitting removed.

Every rule reads a line in time proportional to its length, however long the line and whatever it holds:
bracketed text cannot contain another bracket, and emphasis and code spans are paired by delimited_spans()
below rather than by a lazy regex, which would rescan the rest of the line from every opening mark that has
no closing one (a 60 KB line of "_a " took 22 s that way).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

REFDEF_LINE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+[ \t]*(?:\"[^\"]*\")?[ \t]*$")
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX_OPEN = re.compile(r" {0,3}#{1,6}(?=[ \t]|$)")
SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
QUOTE_PREFIXES = re.compile(r"^(?: {0,3}>[ \t]?)+")
LIST_MARK = re.compile(r"^([ \t]*)[*+-][ \t]+(?:\[[ xX]\][ \t]+)?")
TABLE_RULE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*(?:\|[ \t]*)?$"
)
WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True)
class Delimiter:
    """A run of one character that opens and closes a span: `*`, `_`, `~~`, a backtick."""

    char: str
    lengths: tuple[int, ...]  # run lengths tried, longest first
    flanking: bool = True  # the span's text starts and ends with a non-space
    word_bounded: bool = False  # not inside a word (so snake_case survives "_")


STAR = Delimiter("*", (3, 2, 1))
UNDERSCORE = Delimiter("_", (3, 2, 1), word_bounded=True)
TILDES = Delimiter("~", (2,))
BACKTICKS = Delimiter("`", (3, 2, 1), flanking=False)


def delimited_spans(line: str, mark: Delimiter) -> Iterator[tuple[int, int, int, int]]:
    """(start, text start, text end, end) of each span, left to right, as re.sub would find them with the lazy
    pattern `(D{n})(?=\\S)(.+?)(?<=\\S)\\1` (n from mark.lengths, longest first): each span closes at the first
    closing run after it. Closing positions are listed once per length and found by bisection, so a line is
    read in near-linear time, where the regex rescans the line's rest from every unmatched opening."""
    runs = [(m.start(), m.end()) for m in re.finditer(re.escape(mark.char) + "+", line)]
    closers: dict[int, list[int]] = {}
    position = 0
    for run_start, run_end in runs:
        for i in range(max(run_start, position), run_end):
            if i < position:
                continue
            span = _span_at(line, i, run_end, mark, closers, runs)
            if span is not None:
                yield span
                position = span[3]


def _span_at(
    line: str, i: int, run_end: int, mark: Delimiter, closers: dict[int, list[int]], runs: list[tuple[int, int]]
) -> tuple[int, int, int, int] | None:
    if mark.word_bounded and i > 0 and WORD_CHAR.match(line[i - 1]):
        return None
    for length in mark.lengths:
        if run_end - i < length or i + length >= len(line):
            continue
        if mark.flanking and line[i + length].isspace():
            continue
        ends = closers.get(length)
        if ends is None:
            ends = closers[length] = _closing_positions(line, length, mark, runs)
        k = bisect_left(ends, i + length + 1)
        if k < len(ends):
            return i, i + length, ends[k], ends[k] + length
    return None


def _closing_positions(line: str, length: int, mark: Delimiter, runs: list[tuple[int, int]]) -> list[int]:
    out = []
    for run_start, run_end in runs:
        for j in range(max(run_start, 1), run_end - length + 1):
            if mark.flanking and line[j - 1].isspace():
                continue
            if mark.word_bounded and j + length < len(line) and WORD_CHAR.match(line[j + length]):
                continue
            out.append(j)
    return out


def _unwrapped(mark: Delimiter) -> Callable[[str], str]:
    """A step that replaces each span of `mark` by its text."""

    def step(line: str) -> str:
        out: list[str] = []
        position = 0
        for start, text_start, text_end, end in delimited_spans(line, mark):
            out += [line[position:start], line[text_start:text_end]]
            position = end
        return "".join(out) + line[position:]

    return step


def _without_comments(line: str) -> str:
    out: list[str] = []
    position = 0
    while (start := line.find("<!--", position)) != -1 and (end := line.find("-->", start + 4)) != -1:
        out.append(line[position:start])
        position = end + 3
    return "".join(out) + line[position:]


def _substitution(pattern: str, replacement: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)
    return lambda line: compiled.sub(replacement, line)


# In order: each step reads what the one before left, and runs only on a line holding its mark. Bracketed text
# holds no bracket, so every "[" is read once.
INLINE: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("<!--", _without_comments),
    ("![", _substitution(r"!\[[^\[\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)", "")),  # images
    ("![", _substitution(r"!\[[^\[\]\n]*\]\[[^\[\]\n]*\]", "")),
    ("[", _substitution(r"\[([^\[\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)", r"\1")),  # links
    ("[^", _substitution(r"\[\^[^\[\]\n]+\]", "")),  # footnote references
    ("[", _substitution(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]", r"\1")),  # reference links
    ("<", _substitution(r"<((?:https?|mailto):[^<>\s]+)>", r"\1")),  # autolinks
    ("`", _unwrapped(BACKTICKS)),  # inline code
    ("*", _unwrapped(STAR)),
    ("_", _unwrapped(UNDERSCORE)),
    ("~~", _unwrapped(TILDES)),
    ("\\", _substitution(r"\\([\\`*_{}\[\]()#+\-.!>|~])", r"\1")),  # backslash escapes
)


def _atx_heading(line: str) -> str | None:
    """The text of an ATX heading line ("## Title ##" gives "Title"), or None when the line is not one."""
    opening = ATX_OPEN.match(line)
    if opening is None:
        return None
    text = line[opening.end() :].strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):  # a closing run of #s needs a space before it
        text = unclosed.rstrip(" \t")
    return text


def markdown_text(text: str) -> str:
    """Markdown without the markup that would confuse quote extraction and sentence splitting."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    fence: str | None = None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip() and fence is None:
            out.append("")
            continue
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
        line = QUOTE_PREFIXES.sub("", line, count=1)
        heading = _atx_heading(line)
        if heading is not None:
            out.extend(["", _inline_markdown(heading), ""])
            continue
        if (
            SETEXT.match(line) and out and out[-1].strip() and not LIST_MARK.match(out[-1])
            and not (RULE.match(line) and line.strip()[0] != "-")
        ):
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
    for mark, step in INLINE:
        if mark in line:
            line = step(line)
    return line
