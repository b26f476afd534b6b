"""Find the quotations in a release, with exact offsets, and who each is credited to.

Quote marks are classified by their neighbours (an opening mark follows a space and precedes a word; a
closing mark follows a word); apostrophes inside words, possessives and primes are told apart from closing
marks; marks are then paired per paragraph with a stack that allows nesting, mixed mark styles, quotations
that run over several paragraphs, and quotations interrupted by their attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from factcheck.config import Settings
from factcheck.text import LoadedDocument
from factcheck.types import Quote, Span

DOUBLE = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
SINGLE = "'\u2018\u2019\u201a\u201b\u2039\u203a"
ALWAYS_OPEN = "\u201c\u201e\u201f\u00ab\u2018\u201a\u201b\u2039"
ALWAYS_CLOSE = "\u201d\u00bb\u203a"
MAX_TERM_WORDS = 4
MAX_INTERRUPTION_WORDS = 10
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


def _family(ch: str) -> str:
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
    family = _family(ch)
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


def _outermost(pairs: list[Pair]) -> list[Pair]:
    """Pairs not inside another: a quotation nested in a quotation is part of the outer one's text."""
    kept: list[Pair] = []
    for pair in sorted(pairs, key=lambda p: p.open):
        if kept and (kept[-1].close is None or pair.open < kept[-1].close):
            continue
        kept.append(pair)
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
    nested: bool = False


def _raw_quotes(doc: LoadedDocument) -> list[_Raw]:
    text = doc.text
    raws: list[_Raw] = []
    paragraphs = doc.paragraphs
    carry_open = False
    for index, para in enumerate(paragraphs):
        marks = find_marks(text, para.start, para.end)
        nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        next_opens = nxt is not None and text[nxt.start] in DOUBLE + SINGLE
        pairs, left_open = pair_marks(marks, continues=next_opens)
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
            inside = [r for r in found if r.start >= first.pos]
            for r in inside:  # ‘… the original 'best value' audit …’ left open: the closed pair is nested in it
                r.nested = True
            if end > start:
                continues = nxt is not None and text[nxt.start] in DOUBLE + SINGLE and _family(text[nxt.start]) == first.family
                found.append(_Raw(start, end, index, first.pos, None, unclosed=not continues, continues_next=continues))
        outer = [(r.open_mark, r.close_mark if r.close_mark is not None else para.end) for r in found]
        listed = {r.open_mark for r in found}
        for pair in pairs:  # a quotation inside a quotation (‘our “Good” rating’) is listed too, after its outer one
            if pair.close is None or pair.open in listed or not any(a < pair.open and pair.close < b for a, b in outer):
                continue
            start, end = _strip_span(text, pair.open + 1, pair.close)
            if end > start:
                found.append(_Raw(start, end, index, pair.open, pair.close, nested=True))
        if not found and not any(m.can_open for m in marks) and _is_block_quotation(doc, index):
            found.append(_Raw(para.start, para.end, index, para.start - 1, para.end, block=True))
        found.sort(key=lambda r: r.start)
        if found and carry_open and found[0].open_mark == para.start:
            found[0].continued = True
        carry_open = any(r.continues_next for r in found if not r.nested)
        raws.extend(found)
    return raws


def _indented(doc: LoadedDocument, index: int) -> bool:
    para = doc.paragraphs[index]
    line_start = doc.text.rfind("\n", 0, para.start) + 1
    lead = doc.text[line_start : para.start]
    return len(lead) >= 2 and not lead.strip()


def _is_block_quotation(doc: LoadedDocument, index: int) -> bool:
    """A paragraph set off without marks: indented prose, or prose after a line that ends with a colon and
    introduces it ('The report concluded:')."""
    para = doc.paragraphs[index]
    body = doc.text[para.start : para.end]
    if _is_bullet(doc, index) or len(body.split()) < 4 or not re.search(r"[.!?]$", body):
        return False
    if _indented(doc, index):
        return True
    if index == 0:
        return False
    prev = doc.paragraphs[index - 1]
    intro = doc.text[prev.start : prev.end].rstrip()
    return intro.endswith(":") and len(intro.split()) <= 25 and not _is_bullet(doc, index - 1)


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
                kind="block" if raw.block else "quote",
                nested=raw.nested,
            )
        )
    inner = [q for q in quotes if q.nested]
    quotes = sorted(_join_interrupted(doc, [q for q in quotes if not q.nested], settings) + inner, key=lambda q: q.start)
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
            continues_clause = (
                first_word.islower() and gap.rstrip()[-1:] in ",:\u2014-" and not re.search(r"[.!?]\s+[A-Z]", gap)
            )
            continues_speech = prev_tail[-1:] == "," and gap.rstrip()[-1:] == "." and first_word.isupper()
            if (
                prev_tail[-1:] in (",", "\u2014", "-", "\u2013")
                or (gap.strip().startswith(",") and prev_tail[-1:] not in ".!?")
            ) and (continues_clause or continues_speech) and 0 < len(words) <= MAX_INTERRUPTION_WORDS and verbs.search(gap):
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
    return _speech_verbs(tuple(settings.lexicon.speech_verbs))


@lru_cache(maxsize=8)
def _speech_verbs(verbs_given: tuple[str, ...]) -> re.Pattern[str]:
    verbs = sorted(verbs_given, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(v) for v in verbs) + r")(?![\w-])", re.IGNORECASE)


DOCUMENT_NOUNS = (
    "report|reports|review|study|strategy|plan|paper|letter|audit|inspection|evaluation|survey|analysis|assessment|"
    "document|findings|summary|research team|research|researchers|authors|investigation|inquiry|judgement|judgment|"
    "statement|publication|article|white paper|guidance|framework"
)


def _alias_pattern(names: list[str]) -> re.Pattern[str]:
    """Names of the source: the given ones, and any 'the … report/study/strategy/research team' (a document
    or its authors named by what it is)."""
    return _aliases(tuple(sorted({n.strip().lower() for n in names if n.strip()}, key=lambda n: (-len(n), n))))


@lru_cache(maxsize=64)
def _aliases(names: tuple[str, ...]) -> re.Pattern[str]:
    folded = [re.escape(n).replace("'", "['\u2019]").replace("\\'", "['\u2019]") for n in names]
    document = r"(?:the|this|its|their|a|an)\s+(?:[\w\u2019'-]+\s+){0,3}?(?:" + DOCUMENT_NOUNS + r")"
    return re.compile(r"(?<!\w)(?:" + "|".join([*folded, document]) + r")(?!\w)", re.IGNORECASE)


CARRY_PRONOUNS = {"they", "it", "this", "these", "those", "them", "its", "their"}
PERSON_PRONOUNS = {"he", "she", "i", "we", "his", "her"}
TOPIC_LEAD = re.compile(r"^(?:on|in|about|regarding|for|with|at|re|from|under|as for)\b", re.IGNORECASE)
WHAT_X_SAID = re.compile(r"^what\s+(.+?)\s*$", re.IGNORECASE)  # 'What the review team said:' heads its findings
TERM_LEAD = re.compile(r"(?:\b(?:a|an|the|so-called|called|termed|dubbed|as a|as an)|\w['\u2019]s?)\s*$", re.IGNORECASE)
OWNER = re.compile(r"((?:\b[\w-]+\s+){0,3}?[\w-]+)['\u2019]s?\s*$")


SINGULAR_NAME = re.compile(r"^(?:(?:on|in|by|of|from|for)\s+)?(?:a|an|the|this|that)\s+(?:\w+\s+){0,3}?\w*[^s\W]$", re.IGNORECASE)


def _agrees(pronoun: str, name: str) -> bool:
    """'they' cannot carry back to 'a bid' or 'the council': a plural pronoun needs a name that is not plainly one
    thing (the rest agree, or cannot be told apart)."""
    return not (pronoun in ("they", "them", "their") and SINGULAR_NAME.match(name.strip()))


PRONOUN_REACH = 2000  # characters before a quotation's paragraph searched for the name a pronoun stands for
COORDINATING_GAP = re.compile(r"\s*(?:,|,?\s*(?:and|or|as well as|and to|or to))?\s*", re.IGNORECASE)


def attribute(doc: LoadedDocument, quotes: list[Quote], settings: Settings, source_names: list[str]) -> list[Quote]:
    """Credit each quotation to the source or to another speaker, from the words that frame it."""
    verbs = _speech_verb_pattern(settings)
    aliases = _alias_pattern([*settings.lexicon.source_aliases, *source_names])
    grades = frozenset(g.lower() for g in settings.lexicon.grades)
    text = doc.text
    result: list[Quote] = []
    previous: Quote | None = None
    for quote in quotes:
        if quote.nested:  # words quoted inside a quotation: the outer speaker's, until the source is found to hold them
            outer = next((q for q in reversed(result) if not q.nested and q.start <= quote.start and quote.end <= q.end), None)
            if outer is not None:
                result.append(
                    quote.model_copy(
                        update={
                            "speaker": outer.speaker, "speaker_name": outer.speaker_name, "frame": outer.frame,
                            "credited": outer.credited, "kind": _kind(quote, text, grades),
                        }
                    )
                )
                continue
        para = doc.paragraphs[quote.paragraph]
        same_paragraph = previous is not None and previous.paragraph == quote.paragraph
        opening = quote.start - 1 if quote.kind != "block" else quote.start
        lead_from = previous.end + 1 if previous is not None and same_paragraph else para.start
        lead = text[_sentence_start(text, lead_from, opening) : max(lead_from, opening)]
        if not lead.strip() and quote.paragraph > 0:
            intro = doc.paragraphs[quote.paragraph - 1]
            intro_text = text[intro.start : intro.end]
            if intro_text.rstrip().endswith(":") or quote.kind == "block":
                lead = intro_text[_sentence_start(intro_text, 0, len(intro_text)) :]
        sentence = text[_sentence_start(text, para.start, opening) : max(para.start, opening)]
        if len(quote.parts) > 1:
            tail = text[quote.parts[0].end + 1 : quote.parts[1].start - 1]  # ‘…,’ the report says, ‘…’
        else:
            tail = text[quote.end + 1 : _next_quote_start(quotes, quote, para.end)]
        tail = re.split(r"(?<=[.!?])\s|[\u201c\u2018\"]", tail, maxsplit=1)[0]
        frame, name = _frame(lead, tail, verbs, quote.text.rstrip().endswith(","))
        owner = OWNER.search(lead)
        is_term = _kind(quote, text, grades) == "term" and quote.text.strip().lower() not in grades
        if is_term and re.search(r"\b(?:its|our|their)\s*$", lead, re.IGNORECASE):
            name = "the organisation"  # its ‘Digital First’ programme: the release's own name for its own work
        elif owner and is_term:
            name = re.sub(r"^(?:the|a|an)\s+", "", owner.group(1), flags=re.IGNORECASE)  # the council’s ‘front door’
            name = "the " + name if not name[:1].isupper() else name
        reporting = WHAT_X_SAID.match(name)
        if reporting:
            name = reporting.group(1)
        first = name.split()[0].lower().strip(",:") if name else ""
        speaker = "source"
        credited = bool(name)
        coordinated = same_paragraph and previous is not None and COORDINATING_GAP.fullmatch(text[previous.end + 1 : opening])
        if coordinated and previous is not None or quote.continued and not name and previous is not None:  # promised to ‘inspire a generation’ and ‘create a legacy’: one frame
            speaker, name, frame, credited = previous.speaker, previous.speaker_name, previous.frame, previous.credited
        elif name and (aliases.search(name.split(",")[0]) or reporting):
            speaker = "source"
        elif first in CARRY_PRONOUNS:
            near = previous is not None and previous.paragraph >= quote.paragraph - 1
            if near and previous is not None and _agrees(first, previous.speaker_name):  # ‘…,’ they add: the pronoun names whoever spoke before
                speaker, name = previous.speaker, previous.speaker_name
            else:
                before = text[max(0, para.start - PRONOUN_REACH) : opening]
                alias = list(aliases.finditer(before))
                speaker = "source" if alias else "other"
                name = alias[-1].group() if alias else name
        elif name:
            speaker = "other"
        else:
            heading = _governing_heading(doc, quote.paragraph, verbs, aliases) or ""
            credited = bool(heading)
            alias = aliases.search(lead) or aliases.search(tail) or aliases.search(sentence) or aliases.search(heading)
            follows_previous = previous is not None and (
                same_paragraph or (previous.paragraph == quote.paragraph - 1 and _starts_paragraph(doc, quote))
            )
            if previous is not None and follows_previous and not (alias and alias.group() in lead + tail):
                speaker, name, credited = previous.speaker, previous.speaker_name, previous.credited
                frame = frame or previous.frame
            elif alias:
                speaker, name = "source", alias.group()
                frame = frame or heading
            elif _kind(quote, text, grades) == "term" and quote.text.strip().lower() not in grades:
                speaker = "other"  # a phrase in scare quotes that nobody is credited with
        update = {
            "speaker": speaker, "speaker_name": name.strip(" ,:"), "frame": frame.strip(), "kind": _kind(quote, text, grades),
            "credited": credited,
        }
        quote = quote.model_copy(update=update)
        result.append(quote)
        previous = quote
    return result


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


def _frame(lead: str, tail: str, verbs: re.Pattern[str], ends_with_comma: bool = False) -> tuple[str, str]:
    """(frame, speaker name) from the words before and after a quotation. An attribution straight after a
    quotation that ends in a comma (‘…,’ a Moody's analyst said) names its speaker, whatever the lead says."""
    after = _tail_attribution(tail, verbs)
    if after and ends_with_comma:
        return after
    matches = list(verbs.finditer(lead))
    if matches:
        verb = matches[-1]
        rest = lead[verb.end() :]
        by = re.search(r"\bby\s+(.+?)\s*$", rest) or re.search(r"\bby\s+([^,;]+)", rest)
        passive = re.search(r"\b(?:been|be|being|was|were|is|are)\s+(?:\w+ly\s+|also\s+)?$", lead[: verb.start()], re.IGNORECASE)
        by_after = re.match(r"^[\s,]*(?:\S+\s+){0,3}?by\s+([^,.;]+)", tail) if passive else None
        if verb.group().lower() == "according to":
            name = rest.split(",")[0]
        elif by:
            name = by.group(1)
        elif passive:
            name = by_after.group(1) if by_after else ""
        elif verb.group().lower().endswith("ing") and re.search(r"(?:,|\bas well as|\band)\s*$", lead[: verb.start()]):
            name = ""  # '…, stating that': the sentence's subject speaks; found from the aliases around it
        else:
            name = _subject(lead[: verb.start()])
        if not name.strip() and after:
            return after
        return lead.strip(), _clean_name(name)
    if after:
        return after
    closing = _closing_attribution(tail, verbs)
    if closing:
        return closing
    stripped = lead.strip()
    if stripped.endswith(":"):
        raw_lead_in = re.split(r"[.;!?]\s+", stripped[:-1])[-1].strip()
        lead_in = _strip_adverbial(raw_lead_in)
        if lead_in and not TOPIC_LEAD.match(raw_lead_in) and len(lead_in.split()) <= 12:
            return stripped, _clean_name(re.split(r"\s+on\s+|\s+about\s+", lead_in)[0])
    return stripped, ""


def _closing_attribution(tail: str, verbs: re.Pattern[str]) -> tuple[str, str] | None:
    """An attribution that closes the quotation's sentence credits the whole sentence: ‘… could be “protective”
    of clinical skills, say the authors.’ (frame, name)."""
    m = re.search(
        r",\s*(?:(?:" + verbs.pattern + r")\s+([^,.;!?\u201c\u2018\"]{1,60})|([^,.;!?\u201c\u2018\"]{1,60}?)\s+(?:" + verbs.pattern
        + r"))\s*[.!?]\s*$",
        tail.strip(),
        re.IGNORECASE,
    )
    if not m:
        return None
    name = m.group(1) if m.group(1) else m.group(2)
    return m.group().strip(" ,."), _clean_name(name or "")


def _tail_attribution(tail: str, verbs: re.Pattern[str]) -> tuple[str, str] | None:
    """‘…,’ said the chief executive / ‘…,’ a Moody's analyst said in the report: (frame, name)."""
    after = tail.strip()
    m = re.match(
        r"^[,\s\u2014-]*(?:(?:" + verbs.pattern + r")\s+([^,.;!?]{1,100})|([^,.;!?\u201c\u2018\"]{1,80}?)\s+(?:" + verbs.pattern + r"))(?=[\s,.;:!?]|$)",
        after,
        re.IGNORECASE,
    )
    if not m:
        return None
    if m.group(1) and NAMING_VERB.match(after.lstrip(" ,\u2014-")):
        return None  # ‘disability-adjusted life years,’ called DALYs: a name for the term, not its speaker
    name = m.group(1) if m.group(1) else m.group(2)
    return after[: m.end()].strip(" ,"), _clean_name(name or "")


NAMING_VERB = re.compile(r"(?:called|calls|dubbed|labelled|labeled|branded|known as)\b", re.IGNORECASE)


ADVERBIAL_WORDS = (
    r"in addition|additionally|also|however|furthermore|moreover|meanwhile|today|yesterday|separately|"
    r"(?:with regards?|in relation|with respect) to [^,]*?|regarding [^,]*?|"
    r"(?:on|in|at|during|about|after|following|commenting on) [^,]*?"
)
ADVERBIAL_COMMA = re.compile(r"^\s*(?:" + ADVERBIAL_WORDS + r"),\s*", re.IGNORECASE)
ADVERBIAL_BARE = re.compile(
    r"^\s*(?:" + ADVERBIAL_WORDS + r")\s+(?=(?-i:[A-Z])|inspectors\b|they\b|the\b)", re.IGNORECASE
)


def _strip_adverbial(clause: str) -> str:
    """'In its report, the inspectorate' → 'the inspectorate'; 'With regards to placements inspectors' → 'inspectors'."""
    stripped = ADVERBIAL_COMMA.sub("", clause, count=1)
    return stripped if stripped != clause else ADVERBIAL_BARE.sub("", clause, count=1)


def _subject(before: str) -> str:
    """The speaker named before a speech verb: the clause's subject, without leading adverbials."""
    relative = re.search(r"((?:\b[\w\u2019'-]+\s+){0,2}[\w\u2019'-]+),?\s+(?:who|which|that)\s*$", before)
    if relative:  # 'singled out by inspectors, who said' → inspectors
        return relative.group(1)
    before = re.sub(r",\s*(?:which|who|whose)\b(?:[^,]|,(?=\d))*,", "", before)  # The study, which surveyed 3,000 people, found
    unrelated = re.sub(r"\s+(?:who|which)\s+[^,.;!?]*$", "", before)  # Professor Baker, from …, who led the study explained
    if unrelated.strip() and unrelated != before:
        before = unrelated
    clause = re.split(r"[.;!?]\s+|\s(?:and|as well as|while|whereas|but|who|which)\s*(?=[a-z]|$)|,\s(?=who\b|which\b)", before)[-1]
    return _strip_adverbial(clause)


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,:;\u2014-")
    name = re.sub(r"^(?:as|so|and|but|while)\s+(?=the\b|[A-Z])", "", name, flags=re.IGNORECASE)  # 'As the report put it
    name = re.sub(
        r"\b(?:that|positively|also|further|previously|recently|clearly|had|has|have|was|were|is|are|will|would|"
        r"today|yesterday|in a statement|in its report|in their report)\b.*$",
        "", name, flags=re.IGNORECASE,
    ).strip(" ,")
    return name[:120]


def _kind(quote: Quote, text: str, grades: frozenset[str] = frozenset()) -> str:
    if quote.kind == "block":
        return "block"
    if len(quote.parts) > 1:
        return "quote"
    words = quote.text.split()
    before = text[max(0, quote.start - 40) : quote.start - 1]
    if len(words) > MAX_TERM_WORDS or re.search(r"[.!?]$", quote.text.strip()) or before.rstrip().endswith(":"):
        return "quote"
    title_case = all(w[:1].isupper() for w in words if len(w) > 3)
    if quote.text.strip().lower() in grades or (len(words) > 1 and (title_case or TERM_LEAD.search(before))) or (
        len(words) == 1 and words[0][:1].isupper()
    ):
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
