"""Generate labelled distortion cases from the real source documents in samples/corpus/.

Each generated case is a short invented press release that quotes one corpus document several times, some
quotations faithfully and some distorted in one known way, plus one or two quotations of a named person.
The labels follow the reference format (samples/birmingham-2021/expected.json). Every transformation is
applied only where a simple surface pattern says the source sentence qualifies for it; a sentence that does
not clearly qualify is skipped, never guessed at.

Everything is driven by one ``random.Random(seed)``: the same corpus and seed give byte-identical files.
Corpus documents are split by document (stratified by genre) into ``tune`` and ``heldout``.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from factcheck.inputs import decode
from factcheck.text import LoadedDocument, build_document, normalise

SPLITS = ("tune", "heldout")
VERDICTS = (
    "verbatim", "minor_edit", "altered", "elided", "truncated", "context_omitted", "not_in_source",
    "other_speaker",
)
FAITHFUL = ("verbatim", "minor_edit")
FLAGGED = ("altered", "elided", "truncated", "context_omitted", "not_in_source")
README_MARKER = "# Generated distortion benchmark"

# ---------------------------------------------------------------------------------------------------------
# Cue words. Deliberately broad: a neighbour with any of these makes a sentence unsafe to label verbatim.

CONTRAST = [
    "however", "but", "although", "though", "yet", "despite", "nevertheless", "nonetheless", "whereas",
    "except", "while", "whilst", "unless", "notwithstanding", "conversely", "instead", "still", "even so",
    "that said", "in contrast", "on the other hand", "rather",
]
NEGATION = [
    "not", "no", "never", "none", "nor", "neither", "cannot", "without", "lack", "lacks", "lacking", "lacked",
    "absence", "absent", "fail", "fails", "failed", "failure", "failures", "unable", "n't",
]
LIMITING = [
    "some", "few", "a few", "a small number", "a minority", "only", "several", "sometimes", "occasionally",
    "partly", "partially", "mixed", "variable", "varied", "varies", "inconsistent", "inconsistently",
    "uneven", "limited", "limit", "limits", "restricted", "unclear", "uncertain", "uncertainty", "unknown",
]
CRITICISM = [
    "too", "insufficient", "insufficiently", "inadequate", "inadequately", "weak", "weakness", "weaknesses",
    "poor", "poorly", "concern", "concerns", "concerned", "concerning", "risk of", "at risk", "delay",
    "delays", "delayed", "problem", "problems", "problematic", "vulnerable", "vulnerability",
    "vulnerabilities", "error", "errors", "erroneous", "improper", "improperly", "fraud", "fraudulent",
    "abuse", "misuse", "unnecessary", "harmful", "harm", "gap", "gaps", "shortcoming", "shortcomings",
    "deficiency", "deficiencies", "deficient", "difficult", "difficulty", "difficulties", "limitation",
    "limitations", "bias", "biased", "controversial", "conflicting", "contradictory", "inconclusive",
    "decline", "declined", "worse", "worsen", "challenge", "challenges", "challenging", "issue", "issues",
    "lapse", "lapses", "shortfall", "backlog", "overdue", "ineffective", "unreliable", "inaccurate",
    "incomplete", "questionable", "unsafe", "struggle", "struggled", "overpayment", "overpayments", "barrier",
    "barriers", "lower", "low", "reduced", "underused", "inappropriate", "inappropriately", "excessive",
    "misleading", "caution", "cautious", "reduction", "reductions", "decrease", "decreased", "decreases",
    "decreasing", "loss", "losses", "less", "fewer", "fell", "drop", "dropped", "smaller", "negative",
    "negatively", "adverse", "threat", "threats",
]
CAUTION = CONTRAST + NEGATION + LIMITING + CRITICISM

CONTRAST_OPENERS = re.compile(
    r"^(?:However|But|Nevertheless|Nonetheless|Despite this|Despite these|That said|Yet|Still,|Even so|"
    r"In contrast|Conversely|On the other hand|Although|Unfortunately)\b"
)
# Criticism strong enough that a neighbouring sentence holding it limits a positive quotation.
STRONG_CRITICISM = re.compile(
    r"(?<![\w-])(?:insufficient(?:ly)?|inadequate(?:ly)?|fail(?:s|ed|ure|ures)?|concerns?|problems?|problematic|"
    r"weakness(?:es)?|poor(?:ly)?|lack(?:s|ing|ed)?|unclear|inconsistent(?:ly)?|vulnerable|vulnerabilities|"
    r"improper(?:ly)?|too \w+|limitations?|deficienc(?:y|ies)|shortcomings?|cannot|questionable|misleading|"
    r"unreliable|inaccurate|incomplete|however|but|although|though|only|"
    r"not (?:yet|always|all|clear|sufficient(?:ly)?|consistent(?:ly)?|fully|enough|adequate(?:ly)?|been|known)|"
    r"remains? (?:a )?(?:significant |major |key |substantial )?challenge)(?![\w-])",
    re.IGNORECASE,
)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either few for from further had has have
    having he her here hers him his how however i if in into is it its itself just may might more most much
    must my no nor not now of off on once only or other our ours out over own same shall she should so some
    such than that the their theirs them then there these they this those through to too under until up upon
    very was we were what when where which while who whom why will with within without would you your
    including include includes included well also among although though other others new one two three
    many several within across per based""".split()
)
LOWERABLE = frozenset(
    """the this these those a an most many some in for it there such all each our we as at on to during after
    before since with by from given overall further furthermore moreover additionally to however one two
    three evidence effective ensuring previous recent key participants individuals patients""".split()
)
LEADING_CONNECTORS = re.compile(
    r"^(?:In addition|For example|For instance|Furthermore|Moreover|Additionally|In particular|Also|"
    r"To date|In \d{4}|By \d{4}|As a result|In this context|To that end|In practice),\s+"
)

# ---------------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class SourceSentence:
    index: int
    paragraph: int
    text: str  # the sentence, whitespace collapsed to single spaces
    start: int
    end: int
    norm: str = ""  # lower-cased normalised text (factcheck.documents.normalise)
    words: tuple[str, ...] = ()  # its lower-cased words
    stems: frozenset[str] = frozenset()  # content-word stems


@dataclass
class SourceDoc:
    slug: str
    genre: str
    title: str
    publisher: str
    path: Path
    doc: LoadedDocument
    sentences: list[SourceSentence]
    paragraph_first: dict[int, int]  # paragraph index -> index of its first sentence
    # all_candidates() for a given list of other documents: pure, so kept (drafts are never modified)
    pools_cache: dict[tuple[str, ...], dict[str, list[Draft]]] = field(default_factory=dict, repr=False)


@dataclass
class Draft:
    """One candidate quotation of a source document, before it is framed in a release."""

    kind: str  # the transformation, e.g. "truncated_clause"
    verdict: str
    text: str  # the words that go inside the quotation marks (before presentation choices)
    note: str
    omitted: str = ""
    also_ok: list[str] = field(default_factory=list)
    first: int = -1  # sentence indices covered in this source (not_in_source: -1)
    last: int = -1
    reach: tuple[int, int] = (-1, -1)  # sentences that must not be quoted by another quotation of the case
    form: str = "sentence"  # sentence (capital .. final stop), head (capital, no stop), lower, that, to
    subject: str = ""  # for the "to have" frame: the source sentence's subject
    plural: bool = False
    lowerable: bool = False  # the first letter may be lower-cased without changing a proper noun

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.first}:{self.last}:{self.text}"


@dataclass
class Quote:
    text: str
    speaker: str
    verdict: str
    also_ok: list[str]
    omitted: str
    note: str

    def label(self) -> dict[str, object]:
        return {
            "text": self.text,
            "speaker": self.speaker,
            "verdict": self.verdict,
            "also_ok": list(self.also_ok),
            "omitted": self.omitted,
            "note": self.note,
        }


@dataclass
class Case:
    split: str
    slug: str
    number: int
    release: str
    quotes: list[Quote]
    source_path: Path

    @property
    def name(self) -> str:
        return f"{self.slug}-{self.number}"

    def expected(self) -> dict[str, object]:
        return {
            "release": "release.txt",
            "source": "source.txt",
            "quotes": [q.label() for q in self.quotes],
            "claims": [],
            "unreported_source_findings": [],
        }


@dataclass
class Benchmark:
    seed: int
    splits: dict[str, list[str]]  # split -> source slugs
    cases: list[Case]

    def counts(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
        for case in self.cases:
            for q in case.quotes:
                out[case.split][q.verdict] += 1
        return out

    def files(self) -> dict[str, bytes]:
        """Every file to write, relative path -> bytes."""
        files: dict[str, bytes] = {}
        for case in self.cases:
            base = f"{case.split}/{case.name}"
            files[f"{base}/release.txt"] = case.release.encode("utf-8")
            files[f"{base}/source.txt"] = case.source_path.read_bytes()
            files[f"{base}/expected.json"] = (
                json.dumps(case.expected(), indent=1, ensure_ascii=False) + "\n"
            ).encode("utf-8")
        files["README.md"] = readme(self).encode("utf-8")
        return files


# ---------------------------------------------------------------------------------------------------------
# Text helpers


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    alts = sorted({re.escape(p).replace(r"\ ", r"\s+") for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w'])", re.IGNORECASE)


CAUTION_RE = _phrase_pattern(CAUTION)
STRONG_RE = STRONG_CRITICISM
CRITICISM_WORDS = re.compile(
    r"(?<![\w-])(?:insufficient(?:ly)?|inadequate(?:ly)?|fail(?:s|ed|ure|ures)?|concerns?|problems?|problematic|"
    r"weakness(?:es)?|poor(?:ly)?|lack(?:s|ing|ed)?|unclear|unknown|inconsistent(?:ly)?|vulnerable|vulnerabilities|"
    r"improper(?:ly)?|too (?:low|high|slow|few|many|early|late|little|much|long)|limitations?|deficienc(?:y|ies)|"
    r"shortcomings?|questionable|misleading|unreliable|inaccurate|incomplete|only a (?:few|small)|very few|"
    r"not (?:yet|always|all|clear|sufficient(?:ly)?|consistent(?:ly)?|fully|enough|adequate(?:ly)?|known|been))(?![\w-])",
    re.IGNORECASE,
)
MID_CONTRAST = re.compile(r"[,;] (?:but|however|although|though|yet|whereas)\b(?! also)|\sbut (?!also\b)(?!rather\b)")
# In a next sentence, what limits the one before it (used with at least two shared content words).
LIMITS_NEXT = re.compile(
    r"(?<![\w-])(?:not (?:yet|always|all|clear|fully|known)|unclear|insufficient(?:ly)?|inadequate(?:ly)?|"
    r"limited|lack(?:s|ing)?|few studies|however|but(?! also)|bias(?:es)?|limitations?|"
    r"too (?:low|high|slow|few|many|early)|remains? (?:unclear|uncertain|unknown|a challenge)|is unknown|"
    r"failed to|fails to|has yet to|have yet to)(?![\w-])",
    re.IGNORECASE,
)
BACK_REFERENCE = re.compile(
    r"^(?:This|These|That|Those|Such|It|They|Its|Their|For example|For instance|In particular|Specifically|"
    r"As a result|Therefore|Thus|Consequently|Hence|Instead|Similarly|Likewise)\b"
)


def critical(text: str) -> bool:
    """A sentence that criticises, negates or contrasts (a concessive 'Although ...' opening does not count)."""
    return bool(
        CRITICISM_WORDS.search(text) or MID_CONTRAST.search(text)
        or (CONTRAST_OPENERS.match(text) and not re.match(r"(?:Although|Though)\b", text))
    )
NEGATION_RE = _phrase_pattern(NEGATION + CONTRAST)


@lru_cache(maxsize=8192)
def cues(text: str) -> tuple[str, ...]:
    """Contrast, negation, limiting or critical words found in the text (lower-cased)."""
    return tuple(m.group().lower() for m in CAUTION_RE.finditer(text))


def words(text: str) -> list[str]:
    """Lower-cased words of the normalised text (the same notion of a word as factcheck.text.document)."""
    return normalise(text).words


def content_stems(text: str) -> set[str]:
    stems = set()
    for w in re.findall(r"[A-Za-z][A-Za-z-]+", text):
        lw = w.lower().strip("-")
        if len(lw) < 4 or lw in STOPWORDS:
            continue
        stems.add(lw[:6] if len(lw) > 6 else lw.rstrip("s"))
    return stems


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def is_lowerable(text: str) -> bool:
    m = re.match(r"([A-Za-z]+)\b", text)
    if not m:
        return False
    word = m.group(1)
    return word[:1].isupper() and word[1:].islower() and word.lower() in LOWERABLE


def _apostrophes_ok(text: str) -> bool:
    for m in re.finditer(r"['\u2019]", text):
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        if before.isalpha() and (after.isalpha() or (before.lower() == "s" and (not after or not after.isalnum()))):
            continue
        return False
    return True


@lru_cache(maxsize=8192)
def usable(text: str) -> bool:
    """A plain body sentence: capitalised, ends with a full stop, 8-50 words, no marks that confuse quoting."""
    n = len(text.split())
    if not (8 <= n <= 50):
        return False
    if not re.match(r"[A-Z]", text) or not text.endswith(".") or text.endswith(".."):
        return False
    if re.search(r"[\"\u201c\u201d\u2018\[\]\u2026]|\.\.\.|\s-\s*$|^(?:\S+ ){0,3}\S+:", text):
        return False
    if re.search(r"(?:\be\.g|\bi\.e|\bet al|\bvs|\bapprox|\bFig|\bNo)\.$", text):
        return False
    if text.count("(") != text.count(")"):
        return False
    return _apostrophes_ok(text)


# ---------------------------------------------------------------------------------------------------------
# Loading


def make_source(
    slug: str, text: str, genre: str = "other", title: str = "", publisher: str = "", path: Path | None = None
) -> SourceDoc:
    """A source document from its text: paragraphs and sentences from factcheck.documents.build_document."""
    doc = build_document(str(path or slug), text)
    view = doc.view
    sentences = []
    for i, s in enumerate(doc.sentences):
        sentence = collapse(doc.text[s.start : s.end])
        norm = view.norm[view.norm_at[s.start] : view.norm_at[s.end]].lower()
        ws = tuple(view.words[k] for k in view.words_between(s.start, s.end))
        sentences.append(
            SourceSentence(i, s.paragraph, sentence, s.start, s.end, norm, ws, frozenset(content_stems(sentence)))
        )
    firsts: dict[int, int] = {}
    for x in sentences:
        firsts.setdefault(x.paragraph, x.index)
    return SourceDoc(
        slug=slug, genre=genre, title=collapse(title or slug), publisher=collapse(publisher),
        path=path or Path(slug), doc=doc, sentences=sentences, paragraph_first=firsts,
    )


def load_corpus(corpus_dir: Path) -> list[SourceDoc]:
    """Every samples/corpus/<slug>/source.txt with its origin.json, in slug order."""
    docs: list[SourceDoc] = []
    for folder in sorted(p for p in corpus_dir.iterdir() if (p / "source.txt").is_file()):
        origin_path = folder / "origin.json"
        origin = json.loads(origin_path.read_text(encoding="utf-8")) if origin_path.exists() else {}
        path = folder / "source.txt"
        text = decode(path.read_bytes(), str(path))  # as factcheck.documents.load, without needing the settings
        docs.append(
            make_source(
                folder.name, text, genre=str(origin.get("genre", "other")), title=str(origin.get("title", "")),
                publisher=str(origin.get("publisher", "")), path=path,
            )
        )
    return docs


def split_corpus(docs: list[SourceDoc], rng: random.Random) -> dict[str, list[str]]:
    """Half the documents of each genre to tune, the rest to heldout (alternating, odd ones out balanced)."""
    by_genre: dict[str, list[str]] = {}
    for d in docs:
        by_genre.setdefault(d.genre, []).append(d.slug)
    splits: dict[str, list[str]] = {"tune": [], "heldout": []}
    turn = rng.randrange(2)
    for genre in sorted(by_genre):
        slugs = sorted(by_genre[genre])
        rng.shuffle(slugs)
        for slug in slugs:
            splits[SPLITS[turn]].append(slug)
            turn = 1 - turn
    return {k: sorted(v) for k, v in splits.items()}


# ---------------------------------------------------------------------------------------------------------
# Candidate transformations of one document


def _neighbour(d: SourceDoc, index: int, step: int) -> SourceSentence | None:
    j = index + step
    if 0 <= j < len(d.sentences) and d.sentences[j].paragraph == d.sentences[index].paragraph:
        return d.sentences[j]
    return None


CONTEXT_WINDOW = 2  # sentences either side, within the paragraph, that must not limit a faithful quotation


def _clean_context(d: SourceDoc, first: int, last: int) -> bool:
    """No sentence within CONTEXT_WINDOW either side (same paragraph) limits or contrasts, and the next paragraph
    does not open with a contrast."""
    nxt = _neighbour(d, last, +1)
    for k in range(1, CONTEXT_WINDOW + 1):
        for s in (_neighbour(d, first, -k), _neighbour(d, last, +k)):
            if s is not None and cues(s.text):
                return False
    if nxt is None and last + 1 < len(d.sentences):
        following = d.sentences[last + 1].text
        if CONTRAST_OPENERS.match(following) or re.match(r"^(?:This|These|That|Such|It)\b", following) and cues(following):
            return False
    return True


def _well_bounded(d: SourceDoc, index: int) -> bool:
    """The sentence splitter's boundaries look right on both sides (guards against 'e.g.' style mis-splits)."""
    s = d.sentences[index]
    prev, nxt = _neighbour(d, index, -1), _neighbour(d, index, +1)
    if prev is not None and not re.search(r"[.!?)]$", prev.text):
        return False
    if nxt is not None and not re.match(r"[A-Z(]", nxt.text):
        return False
    return usable(s.text)


def _draft(
    kind: str, verdict: str, text: str, note: str, first: int, last: int, *, reach: tuple[int, int] | None = None,
    omitted: str = "", also_ok: list[str] | None = None, form: str = "sentence", subject: str = "",
    plural: bool = False, lowerable: bool = False,
) -> Draft:
    return Draft(
        kind=kind, verdict=verdict, text=text, note=note, omitted=omitted, also_ok=list(also_ok or []), first=first,
        last=last, reach=reach or (first - 1, last + 1), form=form, subject=subject, plural=plural, lowerable=lowerable,
    )


def verbatim_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    n = len(d.sentences)
    for i in range(n):
        if not _well_bounded(d, i):
            continue
        s = d.sentences[i]
        if _clean_context(d, i, i):
            out.append(
                _draft("verbatim_sentence", "verbatim", s.text, "whole sentence", i, i, lowerable=is_lowerable(s.text))
            )
            # a clause ending at ', and' or ';' when neither side holds a cue word
            for m in re.finditer(r", and ", s.text):
                head, rest = s.text[: m.start()], s.text[m.end() :]
                if "," in head and len(head.rsplit(",", 1)[1].split()) <= 5:
                    break  # ', and' closing a list: the cut would drop list items
                if len(head.split()) >= 6 and len(rest.split()) >= 4 and not cues(s.text) and "(" not in head[-3:]:
                    if head.count("(") == head.count(")"):
                        out.append(
                            _draft(
                                "verbatim_clause", "verbatim", head,
                                "first clause only; the rest of the sentence does not qualify it", i, i,
                                form="head", lowerable=is_lowerable(head),
                            )
                        )
                    break
            # the sentence after a neutral leading connector ('In addition,', 'In 2014,')
            lead = LEADING_CONNECTORS.match(s.text)
            if lead and not cues(s.text[: lead.end()]):
                rest = s.text[lead.end() :]
                if rest[:1].isupper() and not is_lowerable(rest):
                    continue
                rest = lower_first(rest) if rest[:1].isupper() else rest
                if len(rest.split()) >= 6:
                    out.append(
                        _draft(
                            "verbatim_after_connector", "verbatim", rest,
                            f"starts after the neutral connector '{s.text[: lead.end()].strip()}'", i, i, form="lower",
                        )
                    )
        if i + 1 < n and _neighbour(d, i, +1) is not None and _well_bounded(d, i + 1) and _clean_context(d, i, i + 1):
            t = d.sentences[i + 1].text
            if not CONTRAST_OPENERS.match(t) and not cues(t) and not cues(s.text):
                out.append(
                    _draft(
                        "verbatim_two_sentences", "verbatim", f"{s.text} {t}", "two consecutive sentences",
                        i, i + 1, lowerable=is_lowerable(s.text),
                    )
                )
    return out


SUBJECT_BRACKETS = {
    "research": {"We": ("the researchers", True), "Our": ("the researchers'", True)},
    "audit": {
        "OIG": ("the Office of Inspector General", False),
        "CMS": ("the Centers for Medicare & Medicaid Services", False),
        "The Department": ("the Department of Health and Human Services", False),
    },
}
ORG_SHORT = {
    "fsa-evaluation-action-plan-2022": "the Food Standards Agency",
    "mod-evaluation-strategy-2023": "the Ministry of Defence",
    "ons-evaluation-strategy": "the Office for National Statistics",
    "dta-annual-report-2015-16": "the Digital Transformation Office",
}


MODALS = frozenset("will would can could should must may might has had is was also continues".split())


def _bracket_subjects(d: SourceDoc) -> dict[str, tuple[str, bool]]:
    table = dict(SUBJECT_BRACKETS.get(d.genre, {}))
    if d.genre == "other":
        org = ORG_SHORT.get(d.slug, "the organisation")
        table["We"] = (org, True)
        table["Our"] = (f"{org}'s", True)
    return table


TO_HAVE = re.compile(
    r"^((?:The|This|These|Our|Its|Their|[A-Z]{2,5})(?: [A-Za-z&-]+){0,5}?) (has|have) "
    r"(\w+ed|taken|made|shown|begun|done|seen|undertaken|given|grown|become|set|built|led)\b"
)


def minor_edit_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    brackets = _bracket_subjects(d)
    for i, s in enumerate(d.sentences):
        if not _well_bounded(d, i) or not _clean_context(d, i, i):
            continue
        text = s.text
        # a leading pronoun or subject replaced by a bracketed name
        for subj, (name, plural) in sorted(brackets.items()):
            if text.startswith(subj + " ") and not text.startswith(subj + " of "):
                rest = text[len(subj) + 1 :]
                verb = rest.split(" ", 1)[0]
                if subj == "Our":
                    pass
                elif plural and not name.startswith("the researchers"):
                    # 'We anticipate' -> '[the FSA] anticipate' would not agree: only modals and past tenses
                    if verb not in MODALS and not re.fullmatch(r"[a-z]+ed", verb):
                        continue
                elif verb not in MODALS and not re.fullmatch(r"[a-z]+(?:ed|s)", verb):
                    continue  # 'OIG work found ...': the acronym is not the subject
                out.append(
                    _draft(
                        "minor_bracket", "minor_edit", f"[{name}] {rest}",
                        f"leading '{subj}' replaced by the bracketed name '[{name}]'", i, i, form="lower",
                    )
                )
                break
        # a marked ellipsis over a parenthesis or a 'such as' / 'including' aside that does not qualify
        aside = None
        for m in re.finditer(r" \(([^()]{1,80})\)(?= [a-z])", text):
            inner = m.group(1)
            if len(inner.split()) <= 8 and not cues(inner) and not re.search(r"\d|%|=", inner):
                aside = (m.start(), m.end())
                break
        if aside is None:
            for m in re.finditer(r", (?:such as|including|for example|e\.g\.,?) [^,;()]{3,80},(?= [a-z])", text):
                if not cues(m.group()):
                    aside = (m.start(), m.end())
                    break
        if aside is not None and not cues(text):
            a, b = aside
            out.append(
                _draft(
                    "minor_ellipsis", "minor_edit", text[:a] + " \u2026" + text[b:],
                    f"marked ellipsis over the non-qualifying aside '{text[a:b].strip(' ,')}'", i, i,
                    lowerable=is_lowerable(text), omitted="",
                )
            )
        # 'to have' + participle: "X has taken steps" -> X was recognised 'to have taken steps'
        m = TO_HAVE.match(text)
        if m and not cues(m.group(1)) and "," not in m.group(1):
            subject, aux = m.group(1), m.group(2)
            out.append(
                _draft(
                    "minor_to_have", "minor_edit", "to have " + text[m.end(2) + 1 :],
                    f"'to' added and '{subject} {aux}' left out of the quotation to fit the sentence", i, i,
                    form="to", subject=subject if re.match(r"[A-Z]{2,}\b", subject) else lower_first(subject),
                    plural=aux == "have",
                )
            )
        # 'that' added at the start of a lower-cased sentence
        if (is_lowerable(text) or re.match(r"[A-Z]{2,}\b", text)) and not re.match(r"^(?:\S+ ){0,3}\S+,", text):
            body = lower_first(text) if is_lowerable(text) else text
            out.append(
                _draft("minor_that", "minor_edit", "that " + body, "'that' added at the start to fit the sentence", i, i,
                       form="that")
            )
    return out


HEDGED_VERBS = "be|help|have|lead|increase|reduce|result|contribute|explain|affect|improve|provide"
QUANTIFIER_SWAPS: list[tuple[str, str, str]] = [
    # (pattern, replacement, description); the pattern's group 1 is replaced
    (r"(?<![\w-])(some)(?= (?!of\b|time\b|extent\b|degree\b|way\b|point\b|form\b|kind\b)[a-z]+)", "most", "quantifier"),
    (r"(?<!the )(?<!at )(?<!a )(?<![\w-])(most)(?= (?:of the|of|[a-z]+(?<!ous)(?<!ss)s)\b)", "all", "quantifier"),
    (r"(?<!how )(?<!as )(?<!so )(?<!too )(?<![\w-])(many)(?= (?!as\b|more\b|years\b)[a-z]+)", "all", "quantifier"),
    (r"(?<![\w-])(?<!only )(a few)(?= [a-z]+)", "many", "quantifier"),
    (r"(?<![\w-])(several)(?= [a-z]+)", "all", "quantifier"),
    (r"(?<![\w-])(sometimes)(?![\w-])", "always", "quantifier"),
    (r"(?<![\w-])(often)(?![\w-])", "always", "quantifier"),
    (r"(?<![\w-])(occasionally)(?![\w-])", "routinely", "quantifier"),
    (rf"(?<![\w-])(may)(?= (?:{HEDGED_VERBS}|play|not|also)\b)", "will", "hedge removed"),
    (r"(?<![\w-])(might)(?= [a-z]+)", "will", "hedge removed"),
    (rf"(?<![\w-])(could)(?= (?:{HEDGED_VERBS})\b)", "will", "hedge removed"),
    (r"(?<![\w-])(suggests?)(?= that\b)", "@prove", "hedge removed"),
    (r"(?<![\w-])(?<!more )(?<!less )(?<!most )(likely)(?= to\b)", "certain", "hedge removed"),
]
NEGATION_DROPS: list[tuple[str, str]] = [
    (
        (
            r"(?<![\w-])(?:is|are|was|were|has|have|had|will|would|could|can|should|may|might|must|did|does|do)"
            r"( not)(?= [a-z])"
        ),
        "",
    ),
    (r"(?<![\w-])(not )all\b", ""),
    (r"(?<![\w-])can(not)(?![\w-])", ""),
    (r"(?<![\w-])(no) significant\b", "a"),
]
STRONGER = {
    "adequate": "excellent", "good": "outstanding", "improved": "transformed", "improve": "transform",
    "improves": "transforms", "modest": "substantial", "moderate": "strong", "slight": "dramatic",
    "slightly": "dramatically", "limited": "extensive", "partial": "full", "partially": "fully", "partly": "fully",
    "reasonable": "excellent", "satisfactory": "excellent", "significantly": "dramatically", "effective": "outstanding",
    "useful": "invaluable", "weak": "strong", "promising": "proven",
    "small number": "large number", "small proportion": "large proportion", "small minority": "large majority",
}
SYNONYMS = {
    "ensure that": "make sure that", "ensuring that": "making sure that", "critical": "crucial",
    "provide": "offer", "provides": "offers",
    "identify": "pinpoint", "identified": "pinpointed", "develop": "build", "developed": "built",
    "used": "employed", "important": "vital",
    "determine": "establish", "examined": "looked at", "assess": "judge", "demonstrate": "show", "approach": "method",
    "considerable": "sizeable", "substantial": "large", "conducted": "carried out",
    "obtain": "get", "additional": "extra", "commitment": "pledge", "priority": "focus",
}


def _article_clash(text: str, at: int, new: str) -> bool:
    """True when the word before `at` is 'a' or 'an' and would no longer agree with `new`."""
    before = re.search(r"(?<![\w-])(a|an|A|An) $", text[:at])
    if not before:
        return False
    return (before.group(1).lower() == "an") != (new[:1].lower() in "aeiou")


def _swap_word(text: str, pattern: str, new: str) -> tuple[str, str, str] | None:
    m = re.search(pattern, text)
    if not m:
        return None
    old = m.group(1)
    if re.search(r"(?<![\w-])(?:how|whether|if|what|which|why)(?: \S+){0,5} $", text[: m.start(1)]):
        return None  # a hedge inside an indirect question: changing it says little
    if new == "@prove":
        new = "proves" if old == "suggests" else "prove"
    if old[:1].isupper():
        new = new[:1].upper() + new[1:]
    return text[: m.start(1)] + new + text[m.end(1) :], old, new


def altered_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    for i, s in enumerate(d.sentences):
        if not _well_bounded(d, i):
            continue
        text = s.text
        made: list[Draft] = []
        for pattern, new, what in QUANTIFIER_SWAPS:
            got = _swap_word(text, pattern, new)
            if got:
                t, old, nw = got
                note = f"{what}: '{old}' changed to '{nw}'"
                made.append(_draft("altered_quantifier", "altered", t, note, i, i, lowerable=is_lowerable(t)))
                break
        for pattern, repl in NEGATION_DROPS:
            m = re.search(pattern, text)
            if m:
                t = text[: m.start(1)] + repl + text[m.end(1) :]
                t = re.sub(r"  +", " ", t)
                note = f"negation '{m.group(1).strip()}' removed"
                made.append(_draft("altered_negation", "altered", t, note, i, i, lowerable=is_lowerable(t)))
                break
        for w in sorted(STRONGER):
            m = re.search(rf"(?<![\w-])({w}|{w.capitalize()})(?![\w-])", text)
            if m and m.start(1) > 0 and m.group(1)[:1].isupper():
                continue  # capitalised inside a sentence: part of a name ('National Partnership to Improve ...')
            if m and re.search(r"public $", text[: m.start(1)], re.IGNORECASE):
                continue  # 'the public good' is a noun
            if m and w == "limited" and not re.search(
                r"(?:is|are|was|were|be|been|remains?|still|very|relatively|and|of|with|more|only|highly) $",
                text[: m.start(1)],
            ):
                continue  # 'limited' as a verb ('This split limited the DTO') has no stronger adjective
            if m and not _article_clash(text, m.start(1), STRONGER[w]):
                old = m.group(1)
                nw = STRONGER[w]
                nw = nw[:1].upper() + nw[1:] if old[:1].isupper() else nw
                t = text[: m.start(1)] + nw + text[m.end(1) :]
                note = f"'{old}' changed to the stronger '{nw}'"
                made.append(_draft("altered_stronger", "altered", t, note, i, i, lowerable=is_lowerable(t)))
                break
        swaps = []
        t = text
        for w in sorted(SYNONYMS):
            m = re.search(rf"(?<![\w-])({w})(?![\w-])", t)
            if m and not _article_clash(t, m.start(1), SYNONYMS[w]):
                t = t[: m.start(1)] + SYNONYMS[w] + t[m.end(1) :]
                swaps.append(f"'{w}'\u2192'{SYNONYMS[w]}'")
            if len(swaps) == 3:
                break
        if len(swaps) >= 2:
            made.append(
                _draft("altered_paraphrase", "altered", t, "paraphrase in quotation marks: " + ", ".join(swaps), i, i,
                       lowerable=is_lowerable(t))
            )
        out.extend(made)
    return out


ELIDABLE_COMMA = [
    "in most cases", "in many cases", "in some cases", "at least in part", "in part", "in general",
    "generally", "for the most part", "to some extent", "to a large extent", "in some instances",
    "on average", "largely", "mostly", "typically", "usually", "often", "where appropriate", "where possible",
    "when possible", "if appropriate", "in principle", "at present", "so far", "to date", "as yet",
    "in theory", "in some states", "in some areas", "for some", "in certain cases", "in many instances",
    "at times", "potentially", "possibly",
]
ELIDABLE_WORD = [
    "generally", "largely", "mostly", "partly", "partially", "typically", "usually", "often", "potentially",
    "possibly", "relatively", "somewhat", "slightly", "broadly", "sometimes", "occasionally", "probably",
    "frequently", "mainly", "primarily",
]


def _elision_sites(text: str) -> list[tuple[int, int, str, str]]:
    """Qualifying words or phrases strictly inside a sentence: (start, end, dropped words, joiner)."""
    comma_re = re.compile(
        r", (" + "|".join(re.escape(p) for p in sorted(ELIDABLE_COMMA, key=len, reverse=True))
        + r"|(?:for|in|among) (?:some|most|many) (?!of\b|time\b|extent\b|way\b|degree\b|point\b)[a-z]+),(?= )"
    )
    word_re = re.compile(r"(?<=[a-z,] )(" + "|".join(ELIDABLE_WORD) + r") (?=[a-z])")
    not_group = r"(?!of\b|time\b|extent\b|way\b|degree\b|point\b)"
    phrase_re = re.compile(
        rf"(?<=[a-z] )((?:in|for|among) some {not_group}[a-z]+|for most {not_group}[a-z]+"
        r"|in (?:most|some|many) cases) (?=[a-z])"
    )
    some_re = re.compile(r"(?<=[a-z] )((?:some|most) )(?!of\b)(?=[a-z]+s\b)")
    sites: list[tuple[int, int, str, str]] = []
    for m in comma_re.finditer(text):
        sites.append((m.start(), m.end(), text[m.start() + 2 : m.end()], " "))
    for pattern in (phrase_re, word_re, some_re):
        for m in pattern.finditer(text):
            sites.append((m.start(1), m.end(1), m.group(1).strip(), ""))
    for m in re.finditer(r" \(([^()]{3,120})\)(?=[ ,;][a-z])", text):
        inner = m.group(1)
        if STRONG_RE.search(inner) or re.search(r"(?<![\w-])(?:some|only|few|except|not|partly|mostly)(?![\w-])", inner):
            sites.append((m.start(), m.end(), m.group().strip(), ""))
    sites.sort()
    kept: list[tuple[int, int, str, str]] = []
    for site in sites:  # no overlapping sites; never the first or last word
        if site[0] <= 0 or not text[site[1] :].strip(" .,;"):
            continue
        if kept and site[0] < kept[-1][1]:
            continue
        kept.append(site)
    return kept


def elided_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    for i, s in enumerate(d.sentences):
        if not _well_bounded(d, i):
            continue
        text = s.text
        for a, b, dropped, joiner in _elision_sites(text)[:2]:
            t = text[:a] + joiner + text[b:].lstrip() if joiner else text[:a] + text[b:]
            t = re.sub(r"  +", " ", t)
            out.append(
                _draft("elided_qualifier", "elided", t,
                       f"qualifier '{dropped.strip(', ')}' silently dropped from inside the sentence", i, i,
                       omitted=dropped, lowerable=is_lowerable(t))
            )
    # the critical middle sentence of three dropped without an ellipsis
    for i in range(len(d.sentences) - 2):
        trio = [d.sentences[i], d.sentences[i + 1], d.sentences[i + 2]]
        if len({x.paragraph for x in trio}) != 1 or not all(_well_bounded(d, i + k) for k in range(3)):
            continue
        middle = trio[1].text
        if not critical(middle) or critical(trio[0].text):
            continue
        if CONTRAST_OPENERS.match(trio[2].text) or BACK_REFERENCE.match(trio[2].text):
            continue  # the third sentence leans on the dropped one
        if len(trio[0].text.split()) + len(trio[2].text.split()) > 70:
            continue
        out.append(
            _draft("elided_middle_sentence", "elided", f"{trio[0].text} {trio[2].text}",
                   "the critical middle sentence of three is dropped with no ellipsis", i, i + 2,
                   omitted=middle, lowerable=is_lowerable(trio[0].text))
        )
    return out


TRUNC_MARKERS = re.compile(
    r"(?:[,;] (?=(?:but|although|though|however|except|whereas|while|whilst|yet|albeit|even though|despite|unless|"
    r"with the exception of|apart from|other than|provided that|as long as)\b)"
    r"| (?=(?:but|although|whereas|unless|except)\b))"
)
# A neutral-looking join after which the rest of the sentence limits or criticises.
TRUNC_JOINS = re.compile(r"(?:, and |; |, so )")
TRAILING_QUALIFIER = re.compile(
    r", (in (?:most|some|many|certain) cases|in part|at least in part|where appropriate|where possible|"
    r"to some extent|to a (?:limited|certain) extent|for some [a-z]+|in some [a-z]+)\.$"
)
LEADING_CONCESSION = re.compile(r"^(?:Although|Though|Even though|Whereas|Despite|While|Whilst)\b[^,;]{8,200}, ")
LEADING_QUALIFIER = re.compile(
    r"^(?:In (?:most|some|many|certain) (?:cases|instances|areas|states|studies)|For (?:some|most|many) [a-z]+(?: [a-z]+)?|"
    r"In some [a-z]+|Generally|In general|Typically|Usually|Often|Where possible|"
    r"Where appropriate|In part|Partly|In principle|In theory|Until recently|At least in part), "
)


def truncated_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    for i, s in enumerate(d.sentences):
        if not _well_bounded(d, i):
            continue
        text = s.text
        for m in TRUNC_MARKERS.finditer(text):
            head, rest = text[: m.start()], text[m.end() :]
            if re.match(r"but (?:\w+ )?(?:also|rather|instead)\b", rest) or re.search(r"\bnot only\b|\ball$", head):
                continue
            if re.match(r"however,", rest):
                continue  # 'X, however, Y': a parenthetical however, the head is no clause of its own
            if re.match(r"but\b", rest) and re.search(r"\bnot\b", head):
                continue
            if re.match(r"(?:while|whilst|whereas|yet)\b", rest) and not cues(rest.split(" ", 1)[-1]):
                continue  # a contrastive 'while' only qualifies when its clause limits or criticises
            if len(head.split()) < 6 or len(rest.split()) < 3 or head.count("(") != head.count(")"):
                continue
            out.append(
                _draft("truncated_before_contrast", "truncated", head.rstrip(",;: "),
                       f"cut before the qualifying clause '{' '.join(rest.split()[:3])} ...'", i, i, form="head",
                       omitted=rest, lowerable=is_lowerable(head))
            )
            break
        else:
            for m in TRUNC_JOINS.finditer(text):
                head, rest = text[: m.start()], text[m.end() :]
                if len(head.split()) < 6 or len(rest.split()) < 3 or head.count("(") != head.count(")"):
                    continue
                if "," in head and len(head.rsplit(",", 1)[1].split()) <= 5:
                    continue  # ', and' closing a list, not joining a clause
                if critical(head) or not CRITICISM_WORDS.search(rest):
                    continue
                if not content_stems(head) & content_stems(rest):
                    continue  # the clause must be about the same thing
                out.append(
                    _draft("truncated_before_critical_clause", "truncated", head,
                           f"cut before the clause '{' '.join(rest.split()[:4])} ...', which limits or criticises",
                           i, i, form="head", omitted=text[m.start() :].lstrip(",; "), lowerable=is_lowerable(head))
                )
                break
            else:
                m3 = TRAILING_QUALIFIER.search(text)
                if m3 and len(text[: m3.start()].split()) >= 6:
                    out.append(
                        _draft("truncated_before_trailing_qualifier", "truncated", text[: m3.start()],
                               f"cut before the closing qualifier '{m3.group(1)}'", i, i, form="head",
                               omitted=m3.group(1) + ".", also_ok=["elided"], lowerable=is_lowerable(text))
                    )
        m2 = LEADING_CONCESSION.match(text)
        if m2:
            rest = text[m2.end() :]
            opening = m2.group().split(" ", 1)[1]
            # a concession only qualifies when one side is evaluative: dropping it makes the rest sound unconditional
            demands = re.search(r"\b(?:further|(?:is|are) needed|needs? to|must|should)\b", rest)
            if not (cues(opening) or cues(rest) or demands):
                m2 = None
        m2 = m2 or LEADING_QUALIFIER.match(text)
        if m2:
            rest = text[m2.end() :]
            if len(rest.split()) >= 6 and (rest[:1].islower() or re.match(r"[A-Z]{2,}\b", rest)):
                out.append(
                    _draft("truncated_after_concession", "truncated", rest,
                           f"starts after the qualifying opening '{m2.group().strip(', ')}'", i, i, form="lower",
                           omitted=m2.group().strip(), also_ok=["elided"])
                )
    return out


def context_candidates(d: SourceDoc) -> list[Draft]:
    out: list[Draft] = []
    for i, s in enumerate(d.sentences):
        nxt = _neighbour(d, i, +1)
        if nxt is None or not _well_bounded(d, i):
            continue
        if not re.search(r"[.!?]$", nxt.text) or len(nxt.text.split()) < 5:
            continue
        opener = CONTRAST_OPENERS.match(nxt.text)
        if opener and re.match(r"(?:Although|Though)\b", opener.group()):
            opener = None
        if CONTRAST_OPENERS.match(s.text) or (cues(s.text) and not opener):
            continue  # a limiting next sentence only counts after a plainly positive or neutral one
        first_part = re.split(r"(?<=[A-Za-z0-9)\]]\.) (?=[A-Z])", nxt.text)[0]  # a merged second sentence does not count
        limits = sorted({m.group().lower() for m in LIMITS_NEXT.finditer(first_part)})
        shared = content_stems(s.text) & content_stems(nxt.text)
        if not (opener and shared) and not (limits and len(shared) >= 2):
            continue
        ambiguous = opener is None  # limits it, but does not say so with a contrast opening
        why = f"opens with '{opener.group()}'" if opener else f"limits it ({', '.join(limits)})"
        out.append(
            _draft("context_next_sentence", "context_omitted", s.text,
                   f"the next sentence of the same paragraph {why} and is left out", i, i, reach=(i - 1, i + 2),
                   omitted=nxt.text, also_ok=["verbatim"] if ambiguous else [], lowerable=is_lowerable(s.text))
        )
    return out


def foreign_candidates(d: SourceDoc, others: list[SourceDoc]) -> list[Draft]:
    """Sentences of other documents (same split) that share little with this one."""
    own_norm = d.doc.view.norm.lower()
    own_stems = [s.stems for s in d.sentences]
    own_grams = set()
    ws = d.doc.view.words
    for k in range(len(ws) - 3):
        own_grams.add(tuple(ws[k : k + 4]))
    out: list[Draft] = []
    for other in others:
        for i, s in enumerate(other.sentences):
            if not _well_bounded(other, i) or len(s.text.split()) > 35:
                continue
            if s.norm[:-1] in own_norm:
                continue
            stems = s.stems
            if not stems or any(len(stems & o) / len(stems) > 0.3 for o in own_stems):
                continue
            sw = s.words
            if any(tuple(sw[k : k + 4]) in own_grams for k in range(len(sw) - 3)):
                continue
            out.append(
                Draft(kind="not_in_source_other_document", verdict="not_in_source", text=s.text,
                      note=f"a sentence from another document ({other.slug}) presented as this source's finding",
                      lowerable=is_lowerable(s.text))
            )
    return out


def all_candidates(d: SourceDoc, others: list[SourceDoc]) -> dict[str, list[Draft]]:
    """Every candidate quotation of `d`, by verdict (`others` supply the not_in_source sentences)."""
    key = tuple(o.slug for o in others)
    if key not in d.pools_cache:
        d.pools_cache[key] = _all_candidates(d, others)
    return d.pools_cache[key]


def _all_candidates(d: SourceDoc, others: list[SourceDoc]) -> dict[str, list[Draft]]:
    pools: dict[str, list[Draft]] = {v: [] for v in FAITHFUL + FLAGGED}
    for draft in (
        verbatim_candidates(d) + minor_edit_candidates(d) + altered_candidates(d) + elided_candidates(d)
        + truncated_candidates(d) + context_candidates(d) + foreign_candidates(d, others)
    ):
        pools[draft.verdict].append(draft)
    return pools


# ---------------------------------------------------------------------------------------------------------
# Release writing

ORGS = [
    "the Northfield Health Partnership", "the Meridian Care Alliance", "the Westbrook Institute",
    "the Coastal Research Council", "the Harbourside Evaluation Network", "the Ashdown Policy Centre",
    "the Kestrel Foundation", "the Brightwater Trust", "the Ridgeway Public Services Forum",
    "the Lowmoor Patients Association", "the Evidence for Policy Group", "the Oakfield Science Network",
]
PEOPLE = [
    ("Jane Doe", "Chief Executive of {org}"), ("Dr Priya Natarajan", "Chair of {org}"),
    ("Councillor Tom Ellery", "Cabinet Member for Health and Wellbeing"), ("Sam Okafor", "Director of Policy at {org}"),
    ("Professor Ruth Adeyemi", "Head of Research at {org}"), ("Councillor Megan Pryce", "Leader of Eastvale Council"),
    ("Alan Whitcombe", "Chief Executive of {org}"), ("Dr Laura Kingsley", "Director of Evidence at {org}"),
    ("Michael Osei", "Chair of the Board"), ("Councillor Anita Rao", "Cabinet Member for Public Services"),
]
SPEAKER_LINES = [
    "We welcome this {noun} and the clear picture it gives of where things stand.",
    "Our teams have worked hard over the past year, and it is good to see that effort recognised.",
    "There is more to do, and we will set out our next steps in the coming weeks.",
    "This {noun} will help us focus on what matters most to the people we serve.",
    "We are grateful to everyone who gave their time and expertise to this work.",
    "We will study the recommendations carefully and respond in full.",
    "These findings give us a strong platform for the year ahead.",
    "I want to thank colleagues across the sector for their commitment.",
    "The evidence is clear, and now is the time to act on it.",
    "We have always said that good evidence should drive good decisions.",
    "Families and communities deserve services they can rely on.",
    "This is an important moment, and we intend to build on it.",
]
FILLERS = [
    "The findings will be discussed at the next meeting of the board.",
    "The organisation has been working closely with partners throughout the year.",
    "Further details will be published on the website in due course.",
    "The publication follows several months of work by the team behind it.",
    "Members will be invited to a briefing session next month.", "The full document is available online.",
    "This is the latest in a series of publications on the subject.",
    "Partners across the sector have been asked to share their views.",
]
CLOSINGS = [
    
    "Notes to editors: {org_cap} is an independent body. For media enquiries, please contact the press office.",
    "{org_cap} will publish its full response later this year. Media enquiries should go to the communications team.",
    "For further information, contact the press office. {org_cap} is a registered charity.",
    "Ends. The full text of the {noun} is available from the publisher.",
]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
]

GENRE_NAMES = {
    "audit": (["the report", "the Inspector General", "the auditors", "the Office of Inspector General", "OIG"], "report"),
    "research": (["the researchers", "the study", "the authors", "the paper", "the research team"], "study"),
}

MARKS = [("\u2018", "\u2019"), ("\u201c", "\u201d"), ('"', '"'), ("'", "'")]

UPPER_FRAMES = [
    "{A} found: {q}{p}", "{A} stated: {q}{p}", "{A} concluded: {q}{p}", "In the summary, {a} wrote: {q}{p}",
    "{A} wrote: {q}{p}", "{A} put it plainly: {q}{p}",
]
LOWER_FRAMES = [
    "{A} said that {q}{p}", "{A} noted that {q}{p}", "{A} found that {q}{p}", "{A} observed that {q}{p}",
    "{A} also reported that {q}{p}", "It is clear from {a} that {q}{p}",
]
ANY_FRAMES = ["According to {a}, {q}{p}", "As {a} put it, {q}{p}"]
TAIL_FRAMES = ["{q}, {a} reported.", "{q}, according to {a}.", "{q}, {a} said."]
THAT_FRAMES = ["{A} found {q}{p}", "{A} reported {q}{p}", "{A} concluded {q}{p}", "{A} also noted {q}{p}"]
TO_FRAMES = ["{S} {be} recognised by {a} {q}{p}", "{S} {be} described by {a} {q}{p}", "{S} {be} found by {a} {q}{p}"]
BULLET_HEADINGS = ["What {a} said:", "Key findings from {a}:", "What the {noun} found:", "{A} also found:"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(d: SourceDoc) -> tuple[list[str], str]:
    if d.genre in GENRE_NAMES:
        names, noun = GENRE_NAMES[d.genre]
        return list(names), noun
    title = d.title.lower()
    noun = next((n for n in ("strategy", "action plan", "annual report") if n in title), "report")
    org = ORG_SHORT.get(d.slug, "the organisation")
    return [f"the {noun}", "the report", org], noun


@dataclass
class Presented:
    sentence: str  # the release sentence (or bullet line body)
    quote: Quote


def _marks_for(text: str, rng: random.Random) -> tuple[str, str]:
    choices = MARKS if "'" not in text and "\u2019" not in text else MARKS[:3]
    return rng.choice(choices)


def present_source(draft: Draft, d: SourceDoc, rng: random.Random, bullet: bool) -> Presented:
    names, _ = _names(d)
    alias = rng.choice([n for n in names if n.lower() not in draft.text.lower()] or names)
    text = draft.text
    also_ok = list(draft.also_ok)
    note = f"{draft.kind}: {draft.note}"
    form = draft.form
    if form in ("sentence", "head") and draft.lowerable and not bullet and rng.random() < 0.35:
        text = lower_first(text)
        form = "lower"
        if draft.verdict == "verbatim":
            also_ok = sorted(set(also_ok) | {"minor_edit"})
        note += "; first letter lower-cased"
    if form == "lower" and text[:1].isupper():
        pass  # a proper noun or acronym that stays capitalised
    if bullet:
        stop_inside = form in ("sentence",) and rng.random() < 0.6
        if not stop_inside and text.endswith("."):
            text = text[:-1]
        o, c = _marks_for(text, rng)
        line = f"{o}{text}{c}"
        if rng.random() < 0.3:
            line = f"{rng.choice(['In its words', 'Finding', 'On the evidence', 'On progress', 'In summary'])}: {line}"
        return Presented(line, Quote(text, "source", draft.verdict, also_ok, draft.omitted, note))
    if form == "to":
        frames = TO_FRAMES
    elif form == "that":
        frames = THAT_FRAMES
    elif text[:1].islower() or text.startswith("["):
        frames = LOWER_FRAMES + ANY_FRAMES
    else:
        frames = UPPER_FRAMES + ANY_FRAMES + TAIL_FRAMES + (LOWER_FRAMES if not draft.lowerable else [])
    frame = rng.choice(frames)
    tail = frame.startswith("{q}")
    if tail or (text.endswith(".") and rng.random() < 0.45):
        text = text.removesuffix(".")
    o, c = _marks_for(text, rng)
    p = "" if text.endswith(".") else "."
    sentence = frame.format(
        A=_cap(alias), a=alias, q=f"{o}{text}{c}", p=p, S=_cap(draft.subject), be="were" if draft.plural else "was",
    )
    return Presented(sentence, Quote(text, "source", draft.verdict, also_ok, draft.omitted, note))


def present_other(d: SourceDoc, org: str, person: tuple[str, str], rng: random.Random) -> Presented:
    _, noun = _names(d)
    name, role = person
    role = role.format(org=org)
    lines = rng.sample(SPEAKER_LINES, rng.randint(1, 3))
    text = " ".join(line.format(noun=noun) for line in lines)
    o, c = rng.choice(MARKS[:3])
    style = rng.randrange(4)
    if style == 0:
        text = text[:-1] + ","
        sentence = f"{o}{text}{c} said {name}, {role}."
    elif style == 1:
        sentence = f"{name}, {role}, said: {o}{text}{c}"
    elif style == 2:
        sentence = f"Commenting on the {noun}, {name}, {role}, said: {o}{text}{c}"
    else:
        sentence = f"In a statement, {name}, {role}, added: {o}{text}{c}"
    note = f"other speaker: {name}, {role}; words written by the generator, not in the source"
    return Presented(sentence, Quote(text, "other", "other_speaker", [], "", note))


def _intro(d: SourceDoc, org: str, rng: random.Random) -> tuple[str, str]:
    _, noun = _names(d)
    title = re.split(r": | [\u2013-] ", d.title)[0].strip() if len(d.title) > 90 else d.title
    headline = rng.choice([
        f"{_cap(org)} responds to new {noun}",
        f"{_cap(org)} welcomes {noun} findings",
        f"New {noun} sets out the evidence, says {org}",
        f"{_cap(noun)} published: {org} comments",
    ])
    day, month, year = rng.randint(1, 28), rng.choice(MONTHS), rng.choice([2023, 2024, 2025])
    intro = rng.choice([
        f"{_cap(org)} has welcomed the publication of {title}, a {noun} that it says will shape the debate ahead.",
        f"{_cap(org)} today responded to {title}. The {noun} sets out findings that are relevant to all of its members.",
        f"{title} was published this week, and {org} has set out its initial response to the {noun}.",
        f"{_cap(org)} welcomed the findings of the latest {noun}, {title}, and thanked those involved in it.",
    ])
    return f"{headline}\n\nPublished: {day} {month} {year}\n\n{intro}", noun


def build_release(d: SourceDoc, source_quotes: list[Draft], rng: random.Random) -> tuple[str, list[Quote]]:
    org = rng.choice(ORGS)
    names, noun = _names(d)
    head, _ = _intro(d, org, rng)
    drafts = list(source_quotes)
    rng.shuffle(drafts)
    n_bullets = 0
    if len(drafts) >= 6 and rng.random() < 0.7:
        n_bullets = rng.randint(2, min(4, len(drafts) - 3))
    drafts.sort(key=lambda x: x.form not in ("to", "that"))  # stable: these need a frame, never a bullet
    body_drafts, bullet_drafts = drafts[: len(drafts) - n_bullets], drafts[len(drafts) - n_bullets :]
    n_framed = sum(1 for x in drafts if x.form in ("to", "that"))
    if n_framed > len(body_drafts):
        body_drafts, bullet_drafts = drafts[:n_framed], drafts[n_framed:]
    rng.shuffle(body_drafts)
    people = rng.sample(PEOPLE, rng.randint(1, 2))
    # body paragraphs: 1-4 quotations each, sometimes with a filler sentence; at most 8 paragraphs in all
    # (intro, body, bullet block, one per speaker, closing)
    n_body = len(body_drafts)
    budget = 8 - 2 - len(people) - (1 if bullet_drafts else 0)
    lowest = max(1, min(2, n_body), -(-n_body // 4))
    n_paras = rng.randint(lowest, max(lowest, min(budget, n_body, 4)))
    cuts = sorted(rng.sample(range(1, n_body), n_paras - 1)) if n_paras > 1 else []
    while any(b - a > 4 for a, b in zip([0, *cuts], [*cuts, n_body])):  # no paragraph of more than four quotations
        cuts = sorted(rng.sample(range(1, n_body), n_paras - 1))
    paragraphs: list[list[Presented | str]] = []
    fillers_used: list[str] = []
    for a, b in zip([0, *cuts], [*cuts, n_body]):
        para: list[Presented | str] = [present_source(x, d, rng, bullet=False) for x in body_drafts[a:b]]
        if rng.random() < 0.35:
            filler = rng.choice([f for f in FILLERS if f not in fillers_used] or FILLERS)
            fillers_used.append(filler)
            para.insert(rng.randrange(len(para) + 1), filler)
        paragraphs.append(para)
    speakers = [present_other(d, org, person, rng) for person in people]
    # speaker paragraphs go after the first body paragraph, or near the end
    slots = sorted(rng.sample(range(1, len(paragraphs) + 1), min(len(speakers), len(paragraphs))), reverse=True)
    for slot, sp in zip(slots, speakers):
        paragraphs.insert(slot, [sp])
    blocks: list[str] = [head]
    ordered: list[Quote] = []
    bullet_at = rng.randint(1, len(paragraphs)) if bullet_drafts else -1
    for pi, para in enumerate(paragraphs + [[]]):
        if pi == bullet_at:
            alias = rng.choice(names)
            heading = rng.choice(BULLET_HEADINGS).format(a=alias, A=_cap(alias), noun=noun)
            marker = rng.choice(["  \u2022 ", "- ", "* "])
            lines = [heading]
            for x in bullet_drafts:
                pr = present_source(x, d, rng, bullet=True)
                lines.append(marker + pr.sentence)
                ordered.append(pr.quote)
            blocks.append("\n".join(lines))
        if not para:
            continue
        parts: list[str] = []
        for item in para:
            if isinstance(item, str):
                parts.append(item)
            else:
                parts.append(item.sentence)
                ordered.append(item.quote)
        blocks.append(" ".join(parts))
    blocks.append(rng.choice(CLOSINGS).format(org_cap=_cap(org), noun=noun))
    return "\n\n".join(blocks) + "\n", ordered


# ---------------------------------------------------------------------------------------------------------
# Choosing the quotations of each case


MAX_USES = 2  # a candidate quotation appears in at most this many releases of the same source


def _conflicts(draft: Draft, taken: list[tuple[int, int]]) -> bool:
    if draft.first < 0:
        return False
    a, b = draft.reach
    return any(not (b < x or a > y) for x, y in taken)


def _pick(
    pool: list[Draft], taken: list[tuple[int, int]], used: Counter[str], texts: set[str], rng: random.Random
) -> Draft | None:
    free = [x for x in pool if not _conflicts(x, taken) and x.text not in texts and used[x.key] < MAX_USES]
    if not free:
        return None
    kinds = sorted({x.kind for x in free})
    kind = rng.choice(kinds)
    free = [x for x in free if x.kind == kind]
    least = min(used[x.key] for x in free)
    return rng.choice([x for x in free if used[x.key] == least])


def choose_quotes(
    pools: dict[str, list[Draft]], rng: random.Random, used: Counter[str], split_counts: Counter[str]
) -> list[Draft]:
    n = rng.randint(6, 10)
    n_faithful = max(2, min(n - 3, round(n * 0.4) + rng.choice([-1, 0, 0, 1])))
    taken: list[tuple[int, int]] = []
    texts: set[str] = set()
    chosen: list[Draft] = []

    def take(draft: Draft) -> None:
        chosen.append(draft)
        used[draft.key] += 1
        split_counts[draft.verdict] += 1
        texts.add(draft.text)
        if draft.first >= 0:
            taken.append(draft.reach)

    for _ in range(n_faithful):
        order = ["verbatim", "minor_edit"] if rng.random() < 0.6 else ["minor_edit", "verbatim"]
        for verdict in order:
            got = _pick(pools[verdict], taken, used, texts, rng)
            if got:
                take(got)
                break
    tries = 0
    while len(chosen) < n and tries < 3 * n:
        tries += 1
        avail = [
            v for v in FLAGGED
            if any(not _conflicts(x, taken) and x.text not in texts and used[x.key] < MAX_USES for x in pools[v])
        ]
        if not avail:
            break
        low = min(split_counts[v] for v in avail)
        verdict = rng.choice([v for v in avail if split_counts[v] <= low + 1])
        got = _pick(pools[verdict], taken, used, texts, rng)
        if got:
            take(got)
    for verdict in sorted(pools, key=lambda v: (split_counts[v], v)):  # short of quotations: take any that fit
        while len(chosen) < n:
            got = _pick(pools[verdict], taken, used, texts, rng)
            if got is None:
                break
            take(got)
    return chosen


# ---------------------------------------------------------------------------------------------------------
# The whole benchmark


def generate(
    corpus_dir: Path, seed: int = 7, cases_per_source: int = 3, docs: list[SourceDoc] | None = None
) -> Benchmark:
    """The whole benchmark. `docs` (from load_corpus(corpus_dir)) may be passed in to save loading it again."""
    rng = random.Random(seed)
    docs = docs if docs is not None else load_corpus(corpus_dir)
    by_slug = {d.slug: d for d in docs}
    splits = split_corpus(docs, rng)
    cases: list[Case] = []
    for split in SPLITS:
        split_counts: Counter[str] = Counter()
        for slug in splits[split]:
            d = by_slug[slug]
            others = [by_slug[s] for s in splits[split] if s != slug]
            pools = all_candidates(d, others)
            used: Counter[str] = Counter()
            for number in range(1, cases_per_source + 1):
                chosen = choose_quotes(pools, rng, used, split_counts)
                if len(chosen) < 4:
                    break
                release, quotes = build_release(d, chosen, rng)
                cases.append(Case(split, slug, number, release, quotes, d.path))
    return Benchmark(seed=seed, splits=splits, cases=cases)


README_RULES = """
## How the labels are made

Every quotation is built from a source sentence that qualifies for its transformation by a surface
pattern (a sentence that does not clearly qualify is skipped); the `note` of each label names the
transformation (`kind: detail`). Words are copied from the loaded source, whitespace collapsed.

- `verbatim`: a whole sentence, two consecutive sentences, a first clause ending at `, and` (not a list),
  or the sentence after a neutral connector (`In addition,`). Only when no sentence within {window} either
  side in the same paragraph holds a contrast, negation, limiting or critical word, and the next paragraph
  does not open with a contrast. A lower-cased first letter adds `minor_edit` to `also_ok`.
- `minor_edit` (same context rule): a leading subject replaced by a bracketed name, a marked ellipsis over
  a non-qualifying parenthesis or `such as`/`including` aside, `to have ...` with the subject moved outside
  the marks, `that` added at the start.
- `altered`: a stronger quantifier (some→most, most→all, many→all), a hedge made certain (may→will,
  suggests→proves), a dropped `not`, a stronger adjective (limited→extensive, improve→transform), or a
  paraphrase of two or three words.
- `elided`: a qualifying word or phrase (`generally`, `in most cases`, `some`, a qualifying parenthesis)
  silently dropped inside a sentence, or the critical middle sentence of three dropped; `omitted` holds
  the dropped source words.
- `truncated`: cut before `, but`/`, although`/`, however`/`, while` (when its clause limits)/..., before a
  critical `, and` clause about the same thing, or before a closing qualifier (`, in most cases.`); or
  started after a leading concessive clause or qualifier (`also_ok`: `elided`). `omitted` is the cut text.
- `context_omitted`: a whole sentence whose next sentence in the same paragraph opens with a contrast
  (`However`, `But`, `In contrast`, ...) and shares a content word, or limits it (`not known`, `limited`,
  `but`, ...) and shares two; `omitted` is that sentence. Without a contrast opening, `verbatim` is in
  `also_ok`.
- `not_in_source`: a sentence of another corpus document of the same split, sharing no four words in a
  row and at most 30% of its content words with any sentence of this source.
- `other_speaker`: template sentences credited to an invented named person.

Each release quotes its source 6-10 times (about 40% faithfully) plus one or two other speakers, in
3-8 paragraphs; a candidate quotation is used in at most {max_uses} releases of the same source.

Score the product on a split with:

```sh
python ../shared/tools/score.py --cmd ".venv/bin/factcheck check {{release}} {{source}} --format json" \\
    samples/generated/tune/*/
```
"""


def readme(bench: Benchmark) -> str:
    counts = bench.counts()
    lines = [
        README_MARKER,
        "",
        f"Written by `scripts/generate_benchmark.py --seed {bench.seed}` (library: `factcheck/benchmark.py`). Do not edit",
        "by hand: rerun the script. The same seed gives byte-identical files.", "",
        "Each case folder holds `release.txt` (an invented press release), `source.txt` (a byte copy of the corpus",
        "document it quotes, `samples/corpus/<slug>/source.txt`) and `expected.json` (labels in the format of",
        "`samples/birmingham-2021/expected.json`; `claims` and `unreported_source_findings` are left empty).",
        "", "## Split", "",
        "The split is by source document, stratified by genre, so no held-out source is ever seen in tuning.",
        "A `not_in_source` quotation borrows a sentence from another document of the same split.", "",
    ]
    for split in SPLITS:
        n_cases = sum(1 for c in bench.cases if c.split == split)
        lines.append(f"- **{split}** ({n_cases} cases, {sum(counts[split].values())} quotations): "
                     + ", ".join(f"`{s}`" for s in bench.splits[split]))
    lines += ["", "## Quotations per verdict", "", "| verdict | " + " | ".join(SPLITS) + " |"]
    lines.append("| --- |" + " ---: |" * len(SPLITS))
    for v in VERDICTS:
        lines.append(f"| `{v}` | " + " | ".join(str(counts[s][v]) for s in SPLITS) + " |")
    lines.append("| total | " + " | ".join(str(sum(counts[s].values())) for s in SPLITS) + " |")
    lines.append(README_RULES.format(window=CONTEXT_WINDOW, max_uses=MAX_USES))
    return "\n".join(lines)


def write(bench: Benchmark, out_dir: Path) -> None:
    """Write the benchmark, first removing a previous generated one in the same folder (never anything else)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old = out_dir / "README.md"
    if old.exists():
        if not old.read_text(encoding="utf-8").startswith(README_MARKER):
            raise ValueError(f"{out_dir} holds a README.md not written by the generator; not overwriting")
        for split in SPLITS:
            if (out_dir / split).is_dir():
                shutil.rmtree(out_dir / split)
    elif any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty and was not written by the generator")
    for rel, data in sorted(bench.files().items()):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
