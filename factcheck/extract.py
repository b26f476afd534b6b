"""Find the quotations in a release, with exact offsets, and who each is credited to.

Quote marks are classified by their neighbours (an opening mark follows a space and precedes a word; a
closing mark follows a word); apostrophes inside words, possessives and primes are told apart from closing
marks; marks are then paired per paragraph with a stack that allows nesting, mixed mark styles, quotations
that run over several paragraphs, and quotations interrupted by their attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from factcheck.config import Settings
from factcheck.documents import LoadedDocument
from factcheck.types import Quote, Span

DOUBLE = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
SINGLE = "'\u2018\u2019\u201a\u201b\u2039\u203a"
ALWAYS_OPEN = "\u201c\u201e\u201f\u00ab\u2018\u201a\u201b\u2039"
ALWAYS_CLOSE = "\u201d\u00bb\u203a"
MAX_TERM_WORDS = 4
MAX_INTERRUPTION_WORDS = 10
PRONOUNS = {"they", "it", "he", "she", "we", "them", "this", "these", "those", "the", "its", "their"}


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


def _family(ch: str) -> str:
    return "double" if ch in DOUBLE else "single"


def _classify(text: str, pos: int, lo: int, hi: int) -> Mark | None:
    ch = text[pos]
    before = text[pos - 1] if pos > lo else " "
    after = text[pos + 1] if pos + 1 < hi else " "
    space_before = before.isspace() or before in "([{\u2014\u2013-/" or before in DOUBLE + SINGLE
    space_after = after.isspace() or after in ".,;:!?)]}\u2014\u2013-/\u2026" or after in DOUBLE + SINGLE
    if ch in SINGLE and before.isalnum() and after.isalnum():
        return None  # apostrophe inside a word: children's, O'Brien
    if ch in "'\u2019\u2032" and before.isdigit() and (after.isdigit() or after in '"\u2033' or after.isspace()):
        if not space_after or text[pos - 2 : pos - 1].isdigit() is False:
            pass
        if before.isdigit() and not _open_before(text, pos, lo):
            return None  # a prime: 6'2", 5' tall
    if ch == "\u2033" or ch == "\u2032":
        return None
    if ch == '"' and before.isdigit() and text[max(lo, pos - 3) : pos].count("'") and not _open_before(text, pos, lo):
        return None  # inches after feet
    family = _family(ch)
    if ch in ALWAYS_OPEN:
        # a German closing mark (“ closing „) or a left single mark used in error is still an opener here;
        # pairing lets “ close „.
        return Mark(pos, ch, family, can_open=not (before.isalnum() and space_after) or ch == "\u201c",
                    can_close=ch == "\u201c" or (before.isalnum() or before in ".,!?") and space_after)
    if ch in ALWAYS_CLOSE:
        return Mark(pos, ch, family, can_open=space_before and not space_after and ch == "\u201d", can_close=True)
    # straight marks and the right single mark: decide by neighbours
    opens = space_before and not space_after
    closes = not space_before and (space_after or pos + 1 >= hi)
    if not opens and not closes:
        if space_before and space_after:
            return None  # a lone mark between spaces
        opens = closes = True
    possessive = ch in "'\u2019" and closes and before.lower() == "s"
    return Mark(pos, ch, family, can_open=opens, can_close=closes, possessive=possessive)


def _open_before(text: str, pos: int, lo: int) -> bool:
    """Whether a double quotation mark opened earlier on this line is still open (so a '"' after a digit closes it)."""
    line_start = max(lo, text.rfind("\n", lo, pos) + 1)
    segment = text[line_start:pos]
    return segment.count('"') % 2 == 1 or segment.count("\u201c") > segment.count("\u201d")


def find_marks(text: str, lo: int, hi: int) -> list[Mark]:
    marks = []
    for pos in range(lo, hi):
        if text[pos] in DOUBLE or text[pos] in SINGLE:
            mark = _classify(text, pos, lo, hi)
            if mark is not None:
                marks.append(mark)
    return marks


def pair_marks(marks: list[Mark]) -> tuple[list[Pair], list[Mark]]:
    """Pair opening and closing marks. Returns the pairs (outermost and nested) and the marks left open."""
    stack: list[Mark] = []
    pairs: list[Pair] = []
    for index, mark in enumerate(marks):
        if mark.can_close and stack:
            match = next((k for k in range(len(stack) - 1, -1, -1) if _closes(stack[k], mark)), None)
            if match is not None and mark.possessive and _later_closer(marks, index, stack[match]):
                continue  # parents' views: an apostrophe, the quotation closes later
            if match is None and not _later_closer(marks, index, stack[-1]) and _other_family_ok(stack[-1], mark):
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
    if opener.family != closer.family:
        return False
    if opener.char == "\u201e":
        return closer.char in "\u201c\u201d\""
    if opener.char == "\u201a":
        return closer.char in "\u2018\u2019'"
    if closer.char in ALWAYS_OPEN and closer.char not in "\u201c\u2018":
        return False
    return True


def _other_family_ok(opener: Mark, closer: Mark) -> bool:
    return not closer.possessive and closer.pos > opener.pos + 1


def _later_closer(marks: list[Mark], index: int, opener: Mark) -> bool:
    for later in marks[index + 1 :]:
        if later.can_close and _closes(opener, later):
            return True
        if later.can_open and not later.can_close and later.family == opener.family:
            return False
    return False


def _outermost(pairs: list[Pair]) -> list[Pair]:
    ordered = sorted(pairs, key=lambda p: p.open)
    kept: list[Pair] = []
    for pair in ordered:
        end = pair.close if pair.close is not None else 1 << 60
        if kept and kept[-1].close is not None and pair.open < kept[-1].close:
            continue
        if kept and kept[-1].close is None:
            continue
        kept.append(pair)
        del end
    return kept


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _Raw:
    start: int
    end: int
    paragraph: int
    open_mark: int
    close_mark: int | None
    unclosed: bool = False
    continues_next: bool = False
    continued: bool = False
    block: bool = False


def _raw_quotes(doc: LoadedDocument) -> list[_Raw]:
    text = doc.text
    raws: list[_Raw] = []
    paragraphs = doc.paragraphs
    carry_open = False
    for index, para in enumerate(paragraphs):
        marks = find_marks(text, para.start, para.end)
        pairs, left_open = pair_marks(marks)
        found: list[_Raw] = []
        for pair in _outermost(pairs):
            if pair.close is None:
                continue
            start, end = _strip_span(text, pair.open + 1, pair.close)
            if end > start:
                found.append(_Raw(start, end, index, pair.open, pair.close))
        openers = [m for m in left_open if not any(r.open_mark < m.pos < (r.close_mark or 0) for r in found)]
        if openers:
            first = openers[0]
            start, end = _strip_span(text, first.pos + 1, para.end)
            if end > start and not any(r.start >= first.pos for r in found):
                nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
                continues = nxt is not None and text[nxt.start] in DOUBLE + SINGLE and _family(text[nxt.start]) == first.family
                found.append(_Raw(start, end, index, first.pos, None, unclosed=not continues, continues_next=continues))
        found.sort(key=lambda r: r.start)
        if found and carry_open and found[0].open_mark == para.start:
            found[0].continued = True
        carry_open = bool(found) and found[-1].continues_next
        raws.extend(found)
    return raws


def extract(doc: LoadedDocument, settings: Settings, source_names: list[str]) -> list[Quote]:
    """Every quotation in the release, in order, with its speaker and frame."""
    raws = _raw_quotes(doc)
    quotes: list[Quote] = []
    for raw in raws:
        parts = [Span(start=raw.start, end=raw.end)]
        quotes.append(
            Quote(
                text=doc.text[raw.start : raw.end],
                start=raw.start,
                end=raw.end,
                parts=parts,
                paragraph=raw.paragraph,
                unclosed=raw.unclosed,
                continued=raw.continued,
            )
        )
    quotes = _join_interrupted(doc, quotes, settings)
    return attribute(doc, quotes, settings, source_names)


def _join_interrupted(doc: LoadedDocument, quotes: list[Quote], settings: Settings) -> list[Quote]:
    """‘Most pupils are safe,’ the report says, ‘but some wait too long.’ is one quotation in two parts."""
    verbs = _speech_verb_pattern(settings)
    joined: list[Quote] = []
    for quote in quotes:
        if joined and joined[-1].paragraph == quote.paragraph and not joined[-1].unclosed:
            prev = joined[-1]
            gap = doc.text[prev.parts[-1].end + 1 : quote.start - 1]
            prev_tail = doc.text[prev.parts[-1].start : prev.parts[-1].end].rstrip()
            first_word = doc.text[quote.start : quote.start + 1]
            words = gap.split()
            if (
                prev_tail[-1:] in (",", "\u2014", "-", "\u2013")
                or (gap.strip().startswith(",") and prev_tail[-1:] not in ".!?")
            ) and first_word.islower() and 0 < len(words) <= MAX_INTERRUPTION_WORDS and verbs.search(gap) and gap.rstrip()[-1:] in ",:\u2014-":
                parts = [*prev.parts, *quote.parts]
                joined[-1] = prev.model_copy(
                    update={
                        "parts": parts,
                        "end": quote.end,
                        "text": " ".join(doc.text[p.start : p.end] for p in parts),
                        "unclosed": quote.unclosed,
                    }
                )
                continue
        joined.append(quote)
    return joined


def _speech_verb_pattern(settings: Settings) -> re.Pattern[str]:
    verbs = sorted(settings.lexicon.speech_verbs, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(v) for v in verbs) + r")\b", re.IGNORECASE)


def _alias_pattern(names: list[str]) -> re.Pattern[str]:
    names = sorted({n.strip().lower() for n in names if n.strip()}, key=len, reverse=True)
    folded = [re.escape(n).replace("'", "['\u2019]").replace("\\'", "['\u2019]") for n in names]
    return re.compile(r"(?<!\w)(?:" + "|".join(folded) + r")(?!\w)", re.IGNORECASE)


def attribute(doc: LoadedDocument, quotes: list[Quote], settings: Settings, source_names: list[str]) -> list[Quote]:
    """Credit each quotation to the source or to another speaker, from the words that frame it."""
    verbs = _speech_verb_pattern(settings)
    aliases = _alias_pattern([*settings.lexicon.source_aliases, *source_names])
    text = doc.text
    result: list[Quote] = []
    previous: Quote | None = None
    for quote in quotes:
        para = doc.paragraphs[quote.paragraph]
        same_paragraph = previous is not None and previous.paragraph == quote.paragraph
        lead_from = previous.end + 1 if previous is not None and same_paragraph else para.start
        lead = text[_sentence_start(text, lead_from, quote.start - 1) : max(lead_from, quote.start - 1)]
        sentence = text[_sentence_start(text, para.start, quote.start - 1) : max(para.start, quote.start - 1)]
        tail = text[quote.end + 1 : _next_quote_start(quotes, quote, para.end)]
        tail = re.split(r"(?<=[.!?])\s|[\u201c\u2018\"]", tail, maxsplit=1)[0]
        frame, name = _frame(lead, tail, verbs)
        speaker = "source"
        if quote.continued and not name and previous is not None:
            speaker, name, frame = previous.speaker, previous.speaker_name, previous.frame
        elif name and aliases.search(name):
            speaker = "source"
        elif name and _is_named(name):
            speaker = "other"
        else:
            heading = _governing_heading(doc, quote.paragraph, verbs, aliases) or ""
            alias = aliases.search(lead) or aliases.search(tail) or aliases.search(sentence) or aliases.search(heading)
            follows_previous = previous is not None and (
                same_paragraph or (previous.paragraph == quote.paragraph - 1 and _starts_paragraph(doc, quote))
            )
            if previous is not None and follows_previous and not (alias and alias.group() in lead + tail):
                speaker, name = previous.speaker, previous.speaker_name
                frame = frame or previous.frame
            elif alias:
                speaker, name = "source", alias.group()
                frame = frame or heading
        update = {"speaker": speaker, "speaker_name": name.strip(" ,"), "frame": frame.strip(), "kind": _kind(quote, text)}
        quote = quote.model_copy(update=update)
        result.append(quote)
        previous = quote
    return result


def _is_named(name: str) -> bool:
    first = name.split()[0]
    return first[:1].isupper() and first.lower() not in PRONOUNS


def _starts_paragraph(doc: LoadedDocument, quote: Quote) -> bool:
    return quote.start - 1 <= doc.paragraphs[quote.paragraph].start


def _sentence_start(text: str, lo: int, pos: int) -> int:
    cut = lo
    for m in re.finditer(r"[.!?]['\u2019\"\u201d]?\s+(?=[A-Z\u2018\u201c'\"])", text[lo:pos]):
        cut = lo + m.end()
    return cut


def _next_quote_start(quotes: list[Quote], quote: Quote, limit: int) -> int:
    for other in quotes:
        if other.start > quote.end:
            return min(limit, other.start - 1)
    return limit


def _frame(lead: str, tail: str, verbs: re.Pattern[str]) -> tuple[str, str]:
    """(frame, speaker name) from the words before and after a quotation."""
    matches = list(verbs.finditer(lead))
    if matches:
        verb = matches[-1]
        before = lead[: verb.start()]
        by = re.search(r"\bby\s+(.+?)\s*$", lead[verb.end() :]) or re.search(r"\bby\s+([^,;]+)", lead[verb.end() :])
        if verb.group().lower() == "according to":
            name = lead[verb.end() :]
        elif by:
            name = by.group(1)
        else:
            name = _subject(before)
        return lead.strip(), _clean_name(name)
    after = tail.strip()
    m = re.match(r"^[,\s]*(?:(" + verbs.pattern + r")\s+([^,.;]+)|([^,.;]{1,80}?)\s+(" + verbs.pattern + r"))", after, re.IGNORECASE)
    if m:
        name = m.group(2) if m.group(2) else m.group(3)
        return after[: m.end()].strip(" ,"), _clean_name(name or "")
    return lead.strip(), ""


LEADING_ADVERBIAL = re.compile(
    r"^\s*(?:in addition|additionally|also|however|furthermore|moreover|meanwhile|today|yesterday|separately|"
    r"(?:with regards?|in relation|with respect) to [^,]*?|regarding [^,]*?|(?:on|in|about|after|following|commenting on) [^,]*?)"
    r"(?:,\s*|\s+(?=[A-Z]|inspectors\b|they\b|the\b))",
    re.IGNORECASE,
)


def _subject(before: str) -> str:
    """The speaker named before a speech verb: the clause's subject, without leading adverbials."""
    clause = re.split(r"[.;!?]\s+|\s(?:and|as well as|while|whereas|but)\s*(?=[a-z]|$)", before)[-1]
    return LEADING_ADVERBIAL.sub("", clause, count=1)


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,:;\u2014-")
    name = re.sub(r"\b(?:that|positively|also|further|previously|recently|clearly|had|has|have)\b.*$", "", name, flags=re.IGNORECASE).strip(" ,")
    return name[:120]


def _kind(quote: Quote, text: str) -> str:
    if len(quote.parts) > 1:
        return "quote"
    words = quote.text.split()
    before = text[max(0, quote.start - 3) : quote.start - 1].strip()
    if len(words) <= MAX_TERM_WORDS and not re.search(r"[.!?]$", quote.text.strip()) and not before.endswith(":"):
        return "term"
    return "quote"


def _governing_heading(doc: LoadedDocument, paragraph: int, verbs: re.Pattern[str], aliases: re.Pattern[str]) -> str | None:
    """The heading above a run of bullets or short paragraphs ('What Ofsted said:'), if it credits a speaker."""
    text = doc.text
    for index in range(paragraph - 1, max(-1, paragraph - 30), -1):
        para = doc.paragraphs[index]
        body = text[para.start : para.end].strip()
        if body.endswith(":") and len(body.split()) <= 15:
            return body if (aliases.search(body) or verbs.search(body)) else None
        if not _is_bullet(doc, index):
            return None
    return None


def _is_bullet(doc: LoadedDocument, index: int) -> bool:
    para = doc.paragraphs[index]
    line_start = doc.text.rfind("\n", 0, para.start) + 1
    return bool(doc.text[line_start : para.start].strip())
