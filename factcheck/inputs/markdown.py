"""Markdown as plain text: the markup that would confuse quote extraction and sentence splitting removed."""

from __future__ import annotations

import re

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
    for pattern, replacement in INLINE:
        line = pattern.sub(replacement, line)
    return line
