"""The distortion-benchmark generator (benchmarks/generator.py): determinism, the split, and that every label
says what the generated release and the copied source really hold."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))  # the generator is a development tool

from generator import (  # noqa: E402
    FAITHFUL,
    MARKS,
    SPLITS,
    VERDICTS,
    Benchmark,
    Case,
    SourceDoc,
    build_release,
    context_candidates,
    elided_candidates,
    generate,
    load_corpus,
    make_source,
    split_corpus,
    truncated_candidates,
    verbatim_candidates,
    write,
)
from factcheck.text import normalise
from tests.conftest import SAMPLES

CORPUS = SAMPLES / "corpus"
ELLIPSIS = re.compile(r"\u2026|\.\.\.")
BRACKETS = re.compile(r"\[[^\]]*\]")


@pytest.fixture(scope="module")
def docs() -> list[SourceDoc]:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def bench(docs: list[SourceDoc]) -> Benchmark:
    return generate(CORPUS, seed=7, docs=docs)


@pytest.fixture(scope="module")
def source_views(bench: Benchmark) -> dict[str, object]:
    """Each corpus source.txt, normalised once (the copies are checked byte for byte elsewhere)."""
    return {slug: normalise((CORPUS / slug / "source.txt").read_text(encoding="utf-8")) for slug in sorted(
        {c.slug for c in bench.cases})}


@pytest.fixture(scope="module")
def source_words(source_views) -> dict[str, list[str]]:
    return {slug: view.words for slug, view in source_views.items()}


@pytest.fixture(scope="module")
def source_flat(source_views) -> dict[str, str]:
    return {slug: view.norm.lower() for slug, view in source_views.items()}


def words(text: str) -> list[str]:
    return normalise(text).words


def flat(text: str) -> str:
    return normalise(text).norm.lower().strip().rstrip(".,;:").strip()


def contains(hay: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    n = len(needle)
    first = needle[0]
    return any(hay[i : i + n] == needle for i, w in enumerate(hay) if w == first)


def contains_in_order(hay: list[str], pieces: list[list[str]]) -> bool:
    """Each piece occurs as a contiguous run, the runs in order (an ellipsis or bracket between them)."""
    at = 0
    for piece in pieces:
        n = len(piece)
        found = next((i for i in range(at, len(hay) - n + 1) if hay[i : i + n] == piece), None)
        if found is None:
            return False
        at = found + n
    return True


def quotes(bench: Benchmark, verdict: str) -> list[tuple[Case, dict[str, object]]]:
    return [(c, q.label()) for c in bench.cases for q in c.quotes if q.verdict == verdict]


# --- determinism and the split -----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(bench: Benchmark, docs: list[SourceDoc]) -> None:
    assert generate(CORPUS, seed=7, docs=docs).files() == bench.files()


def test_the_seed_drives_the_split_and_the_releases(docs: list[SourceDoc]) -> None:
    splits = {json.dumps(split_corpus(docs, random.Random(seed))) for seed in range(8)}
    assert len(splits) > 1
    d = docs[0]
    drafts = verbatim_candidates(d)[:6]
    assert build_release(d, drafts, random.Random(1)) == build_release(d, drafts, random.Random(1))
    assert build_release(d, drafts, random.Random(1)) != build_release(d, drafts, random.Random(2))


def test_split_is_by_source_document(bench: Benchmark, docs: list[SourceDoc]) -> None:
    tune, held = set(bench.splits["tune"]), set(bench.splits["heldout"])
    assert not tune & held
    assert tune | held == {d.slug for d in docs}
    assert abs(len(tune) - len(held)) <= 1
    for case in bench.cases:
        assert case.slug in bench.splits[case.split]
    genres = Counter(d.genre for d in docs)
    for genre, n in genres.items():
        if n >= 2:  # stratified: every genre with two or more documents is in both parts
            in_split = {s: {d.genre for d in docs if d.slug in bench.splits[s]} for s in SPLITS}
            assert all(genre in in_split[s] for s in SPLITS)


def test_not_in_source_sentences_come_from_the_same_split(bench: Benchmark) -> None:
    for case, q in quotes(bench, "not_in_source"):
        donor = re.search(r"another document \(([^)]+)\)", str(q["note"]))
        assert donor and donor.group(1) in bench.splits[case.split] and donor.group(1) != case.slug


# --- every label matches the release and the source --------------------------------------------------------


def test_source_txt_is_a_byte_copy_of_the_corpus_text(bench: Benchmark) -> None:
    files = bench.files()
    for case in bench.cases:
        assert files[f"{case.split}/{case.name}/source.txt"] == (CORPUS / case.slug / "source.txt").read_bytes()


def test_every_labelled_text_is_inside_quotation_marks_in_the_release_in_order(bench: Benchmark) -> None:
    for case in bench.cases:
        cursor = 0
        for q in case.quotes:
            spots = [case.release.find(o + q.text + c, cursor) for o, c in MARKS]
            spots = [s for s in spots if s >= 0]
            assert spots, (case.name, q.text[:60])
            cursor = min(spots) + 1


def test_expected_json_has_the_reference_format(bench: Benchmark) -> None:
    reference = json.loads((SAMPLES / "birmingham-2021" / "expected.json").read_text())
    keys = set(reference["quotes"][0])
    for case in bench.cases:
        expected = case.expected()
        assert set(expected) == set(reference)
        assert expected["claims"] == [] and expected["unreported_source_findings"] == []
        for label in expected["quotes"]:  # type: ignore[union-attr]
            assert set(label) == keys
            assert label["verdict"] in VERDICTS and label["note"]
            assert label["speaker"] == ("other" if label["verdict"] == "other_speaker" else "source")
            assert label["verdict"] not in label["also_ok"]


def test_verbatim_quotes_occur_in_the_source(bench: Benchmark, source_flat: dict[str, str]) -> None:
    """After normalising quote marks and whitespace, and allowing a lower-cased first letter."""
    for case, q in quotes(bench, "verbatim"):
        assert flat(str(q["text"])) in source_flat[case.slug], (case.name, q["text"])


def test_minor_edits_keep_the_source_words_around_the_marked_edit(bench: Benchmark, source_words) -> None:
    for case, q in quotes(bench, "minor_edit"):
        text = str(q["text"])
        hay = source_words[case.slug]
        if text.startswith("to have "):
            body = words(text)[2:]
            assert any(hay[i - 1] in ("has", "have") for i in range(1, len(hay)) if hay[i : i + len(body)] == body)
            continue
        text = text.removeprefix("that ")
        pieces = [words(p) for p in ELLIPSIS.split(BRACKETS.sub("\u2026", text))]
        pieces = [p for p in pieces if p]
        assert pieces and contains_in_order(hay, pieces), (case.name, text)
        assert not contains(hay, words(str(q["text"]))) or str(q["text"]).startswith("that "), text


def test_elided_quotes_really_lack_the_omitted_words(bench: Benchmark, source_words) -> None:
    for case, q in quotes(bench, "elided"):
        text, omitted = words(str(q["text"])), words(str(q["omitted"]))
        hay = source_words[case.slug]
        assert omitted, (case.name, q["text"])
        assert not contains(hay, text), "an elided quotation must not be found word for word"
        # the omitted words put back at one place give a passage of the source
        assert any(contains(hay, text[:k] + omitted + text[k:]) for k in range(1, len(text))), (case.name, q["text"])


def test_truncated_quotes_stop_before_or_start_after_the_omitted_words(bench: Benchmark, source_words) -> None:
    for case, q in quotes(bench, "truncated"):
        text, omitted = words(str(q["text"])), words(str(q["omitted"]))
        hay = source_words[case.slug]
        assert omitted and contains(hay, text), (case.name, q["text"])
        assert contains(hay, text + omitted) or contains(hay, omitted + text), (case.name, q["text"])


def test_context_omitted_quotes_are_whole_sentences_followed_by_the_omitted_one(bench: Benchmark, source_words) -> None:
    for case, q in quotes(bench, "context_omitted"):
        text, omitted = words(str(q["text"])), words(str(q["omitted"]))
        assert contains(source_words[case.slug], text + omitted), (case.name, q["text"])


def test_altered_quotes_are_a_small_change_to_one_source_sentence(bench: Benchmark, docs: list[SourceDoc]) -> None:
    by_slug = {d.slug: d for d in docs}
    for case, q in quotes(bench, "altered"):
        text = words(str(q["text"]))
        sentences = by_slug[case.slug].sentences
        assert not contains(list(by_slug[case.slug].doc.view.words), text)
        best = max(SequenceMatcher(None, text, list(s.words)).ratio() for s in sentences)
        assert best >= 0.8, (case.name, q["text"])


def test_not_in_source_and_other_speaker_words_are_not_in_the_source(bench: Benchmark, source_words) -> None:
    for verdict in ("not_in_source", "other_speaker"):
        for case, q in quotes(bench, verdict):
            text = words(str(q["text"]))
            hay = source_words[case.slug]
            grams = {tuple(hay[i : i + 5]) for i in range(len(hay) - 4)}
            assert not any(tuple(text[i : i + 5]) in grams for i in range(len(text) - 4)), (case.name, q["text"])


# --- shape and counts ---------------------------------------------------------------------------------------


def test_each_release_has_6_to_10_source_quotes_1_or_2_other_speakers_and_3_to_8_paragraphs(bench: Benchmark) -> None:
    for case in bench.cases:
        speakers = Counter(q.speaker for q in case.quotes)
        assert 6 <= speakers["source"] <= 10 and 1 <= speakers["other"] <= 2, case.name
        paragraphs = case.release.strip().split("\n\n")[2:]  # after the headline and the date line
        assert 3 <= len(paragraphs) <= 8, case.name


def test_counts_per_verdict(bench: Benchmark) -> None:
    counts = bench.counts()
    for split in SPLITS:
        assert sum(counts[split].values()) >= 150, split
        assert all(counts[split][v] >= 5 for v in VERDICTS), (split, counts[split])
        source = sum(n for v, n in counts[split].items() if v != "other_speaker")
        faithful = sum(counts[split][v] for v in FAITHFUL)
        assert 0.3 <= faithful / source <= 0.5, (split, faithful, source)
    readme = bench.files()["README.md"].decode()
    for v in VERDICTS:
        assert f"| `{v}` | {counts['tune'][v]} | {counts['heldout'][v]} |" in readme


def test_write_replaces_its_own_output_and_refuses_other_folders(bench: Benchmark, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    write(bench, out)
    stale = out / "tune" / "stale-case"
    stale.mkdir()
    write(bench, out)
    assert not stale.exists()
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(bench.files())
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not generated")
    with pytest.raises(ValueError):
        write(bench, other)


# --- the surface rules on small texts ------------------------------------------------------------------------


def test_rules_on_a_small_text() -> None:
    text = (
        "The service has improved its planning across the county. Staff know the families they support very well indeed. "
        "Records are kept up to date by the team.\n\n"
        "Most families receive a prompt first visit from the team. However, waiting times for a second visit "
        "remain too long for the families concerned.\n\n"
        "Managers generally review cases every month and act on what they find. "
        "Visits are planned around the needs of each family, although some plans are not updated after reviews."
    )
    doc = make_source("toy", text)
    verbatim = {d.text for d in verbatim_candidates(doc)}
    assert "Staff know the families they support very well indeed." in verbatim
    assert not any("Most families" in t for t in verbatim), "its next sentence opens with 'However'"
    context = context_candidates(doc)
    assert [(d.text, d.omitted) for d in context] == [
        (
            "Most families receive a prompt first visit from the team.",
            "However, waiting times for a second visit remain too long for the families concerned.",
        )
    ]
    elided = {(d.text, d.omitted) for d in elided_candidates(doc)}
    assert ("Managers review cases every month and act on what they find.", "generally") in elided
    truncated = {(d.text, d.omitted) for d in truncated_candidates(doc)}
    assert (
        "Visits are planned around the needs of each family",
        "although some plans are not updated after reviews.",
    ) in truncated
