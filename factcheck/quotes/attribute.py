"""Credit each quotation to the source or to another speaker, from the words that frame it.

The frame is read from the words before a quotation (‘The report found:’), after it (‘…,’ said the chief
executive), or from a heading above a run of bullets; a pronoun carries the speaker of an earlier quotation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from factcheck.config import Settings
from factcheck.quotes.layout import is_bullet
from factcheck.text import LoadedDocument
from factcheck.types import Quote

MAX_TERM_WORDS = 4


def speech_verb_pattern(settings: Settings) -> re.Pattern[str]:
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


def alias_pattern(names: list[str]) -> re.Pattern[str]:
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
    verbs = speech_verb_pattern(settings)
    aliases = alias_pattern([*settings.lexicon.source_aliases, *source_names])
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
                named_before = list(aliases.finditer(before))
                speaker = "source" if named_before else "other"
                name = named_before[-1].group() if named_before else name
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
    # '…, with the authors warning of': the subject of the clause after 'with'
    clause = re.split(r"[.;!?]\s+|\s(?:and|as well as|while|whereas|but|who|which)\s*(?=[a-z]|$)|,\s(?=who\b|which\b)|,\s*with\s+(?=[a-z])", before)[-1]
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
        if not is_bullet(doc, index):
            return None
    return None

