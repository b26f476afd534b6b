"""Synthetic benchmark cases built from the real text in samples/: a source of about N words and a press release
quoting it M times (some quotations verbatim, some with one word silently dropped), plus a few unquoted claims.

Deterministic: the same samples and arguments give the same texts. The 100k-word source repeats the real text
(about 21k words in all) several times; `cycle` is the length in characters of one repetition, so a position can
be compared across copies (p % cycle)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REFERENCE = SAMPLES / "birmingham-2021"
FRAMES = (
    "The report found “{q}”.",
    "According to the report, “{q}”",
    "Inspectors said: “{q}”",
    "The review states that “{q}”.",
    "The authors concluded that “{q}”.",
)
CLAIM_FRAME = "The report also notes that {c}"
SENTENCE = re.compile(r"[A-Z][^.!?\n]{30,400}?[.!?](?=\s|$)")


@dataclass
class Case:
    name: str
    source: str
    release: str
    cycle: int  # characters in one repetition of the real text (positions compare modulo this)
    quotes: list[dict]  # text, dropped word (or ""), offset of the sentence in the source


def real_texts() -> list[str]:
    paths = [REFERENCE / "source.txt", *sorted((SAMPLES / "corpus").glob("*/source.txt"))]
    return [p.read_text(encoding="utf-8").strip() for p in paths]


def build_source(words: int, start: int = 0) -> tuple[str, int]:
    """About `words` words of real text, whole paragraphs from paragraph `start` on, repeating the documents
    when they run out."""
    docs = real_texts()
    whole = "\n\n".join(docs) + "\n\n"
    paragraphs = [p for p in re.split(r"\n\s*\n", whole) if p.strip()]
    out: list[str] = []
    count = 0
    i = start
    while count < words:
        para = paragraphs[i % len(paragraphs)]
        out.append(para.strip())
        count += len(para.split())
        i += 1
    cycle = len("\n\n".join(p.strip() for p in paragraphs)) + 2
    return "\n\n".join(out) + "\n", cycle


def _candidates(source: str) -> list[tuple[int, str]]:
    found = []
    for m in SENTENCE.finditer(source):
        s = m.group()
        n = len(s.split())
        if 8 <= n <= 40 and not re.search(r"[\"“”‘’'\[\]()…•]|\.\.\.|\s-\s", s) and "\n" not in s:
            found.append((m.start(), s))
    return found


def build_case(words: int, quotes: int, seed: int = 8, start: int = 0) -> Case:
    source, cycle = build_source(words, start)
    rng = random.Random(seed * 1000 + words + quotes)
    pool = _candidates(source[: min(len(source), cycle)])  # draw from the first copy of each sentence
    if start:
        cycle = 0  # a source starting mid-way is not compared across copies
    picks = rng.sample(pool, min(quotes, len(pool)))
    picks.sort()
    paragraphs = ["Press release: new findings published", "Published: 1 December 2021"]
    made: list[dict] = []
    for k, (offset, sentence) in enumerate(picks):
        text = sentence.rstrip(".!?")
        dropped = ""
        if k % 3 == 2:  # every third quotation silently drops one inner word
            tokens = text.split()
            j = rng.randrange(2, len(tokens) - 2)
            dropped = tokens[j]
            text = " ".join(tokens[:j] + tokens[j + 1 :])
        paragraphs.append(FRAMES[k % len(FRAMES)].format(q=text))
        made.append({"text": text, "dropped": dropped, "offset": offset, "sentence": sentence})
        if k % 10 == 5:  # now and then a claim in the release's own words: triggers the claim checker
            claim = rng.choice(pool)[1]
            paragraphs.append(CLAIM_FRAME.format(c=claim[0].lower() + claim[1:]))
    release = "\n\n".join(paragraphs) + "\n"
    name = f"{words // 1000}k-words-{quotes}-quotes" + (f"-from-{start}" if start else "")
    return Case(name, source, release, cycle, made)


if __name__ == "__main__":
    for w, q in ((1000, 10), (10000, 50), (100000, 200)):
        c = build_case(w, q)
        print(c.name, len(c.source.split()), "words;", len(c.quotes), "quotes; cycle", c.cycle)
