"""The labelled reference case: every quotation found, every verdict as labelled, omitted words reported."""

from __future__ import annotations

import json
import re

import pytest

from factcheck import check
from tests.conftest import SAMPLES

CASE = SAMPLES / "birmingham-2021"


def norm(text: str) -> str:
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"\s+", " ", text).strip().strip("'\"").lower().rstrip(".,;:")


@pytest.fixture(scope="module")
def pairs(fake_embedder):
    expected = json.loads((CASE / "expected.json").read_text())["quotes"]
    report = check(CASE / "release.txt", CASE / "source.txt", embedder=fake_embedder)
    by_text = {norm(q.text): q for q in report.quotes}
    assert len(report.quotes) == len(expected)
    return [(e, by_text.get(norm(e["text"]))) for e in expected]


def test_every_labelled_quotation_is_found(pairs):
    missing = [e["text"][:60] for e, q in pairs if q is None]
    assert not missing


def test_every_verdict_is_the_labelled_one(pairs):
    wrong = [(e["verdict"], q.verdict, e["text"][:50]) for e, q in pairs if q and q.verdict not in [e["verdict"], *e["also_ok"]]]
    assert not wrong


def test_omitted_words_are_reported_for_flagged_quotations(pairs):
    for e, q in pairs:
        if e["verdict"] in ("elided", "truncated", "context_omitted") and q.verdict == e["verdict"]:
            joined = norm(" ".join(q.omitted))
            assert norm(e["omitted"]) in joined, (e["omitted"], q.omitted)


def test_speakers_match_the_labels(pairs):
    assert [q.speaker for _, q in pairs] == [e["speaker"] for e, _ in pairs]
