"""The evaluation harness: pairing, figures, confusion table, and the `eval` command."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.evaluate import Totals, confusion_table, evaluate_case, find_cases, score_report
from factcheck.types import Report, Summary
from tests.conftest import SAMPLES


def _report(quotes: list[tuple[str, str]]) -> Report:
    from factcheck.types import QuoteFinding

    findings = [
        QuoteFinding(text=t, start=0, end=len(t), parts=[], kind="quote", speaker="source", speaker_name="", frame="",
                     verdict=v, severity="none", score=100, source_start=0, source_end=0, source_text="", omitted=[],
                     explanation="", edits=[])
        for t, v in quotes
    ]
    summary = Summary(quotes=len(findings), checked=len(findings), verdicts={}, severities={}, flagged=0, claims=0,
                      unclosed_quotes=0, worst_severity="none")
    return Report(factcheck_version="t", release="r", source="s", summary=summary, quotes=findings, claims=[])


def test_quotes_pair_by_text_despite_quote_style_and_case():
    labels = {"quotes": [
        {"text": "Most pupils’ attendance is good.", "verdict": "elided", "also_ok": []},
        {"text": "Leaders act quickly", "verdict": "verbatim", "also_ok": ["context_omitted"]},
        {"text": "Nobody said this", "verdict": "not_in_source", "also_ok": []},
    ]}
    score = score_report("c", labels, _report([("most pupils' attendance is good", "elided"), ("Leaders act quickly.", "context_omitted")]))
    assert (score.found, score.correct, score.tp, score.fp, score.fn) == (2, 2, 1, 0, 1)
    assert score.confusion[("not_in_source", "missing")] == 1


def test_totals_and_confusion_table():
    totals = Totals()
    totals.add(score_report("c", {"quotes": [{"text": "abc def", "verdict": "elided"}]}, _report([("abc def", "verbatim")])))
    assert totals.accuracy == 0 and totals.recall == 0
    table = confusion_table(totals.confusion)
    assert "elided" in table and "verbatim" in table


def test_reference_case_scores_every_verdict_and_flag(settings, fake_embedder):
    score = evaluate_case(SAMPLES / "birmingham-2021", settings, fake_embedder)
    assert (score.found, score.correct, score.labelled) == (19, 19, 19)
    assert score.fp == 0 and score.fn == 0


def test_find_cases_walks_folders(tmp_path: Path):
    case = tmp_path / "a" / "case1"
    case.mkdir(parents=True)
    (case / "expected.json").write_text(json.dumps({"quotes": []}))
    assert find_cases([tmp_path]) == [case]


def test_eval_command_prints_the_figures():
    result = CliRunner().invoke(app, ["eval", str(SAMPLES / "birmingham-2021")])
    assert result.exit_code == 0, result.output
    assert "verdict accuracy 1.000  flag precision 1.000 recall 1.000" in result.output
    assert "CLAIMS found 3/3  verdicts 3/3" in result.output
    assert "UNREPORTED findings listed 5/5" in result.output
