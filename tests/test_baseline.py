"""Baselines on the reference case: findings a team accepted stay visible, marked Accepted, and are not counted
again, until the quoted words change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck import check
from factcheck.baseline import (
    Baseline,
    apply_baseline,
    baseline_of,
    dump_baseline,
    normalised_words,
    quote_fingerprint,
    read_baseline,
)
from factcheck.cli import Injected, app
from factcheck.errors import BaselineError
from factcheck.report import render
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder

CASE = SAMPLES / "birmingham-2021"
RELEASE = (CASE / "release.txt").read_text(encoding="utf-8")
SOURCE_PATH = str(CASE / "source.txt")
FLAGGED = {"social workers know children well", "When children go missing", "most children benefit from stable",
           "Children in care can participate", "Physical health is addressed"}  # the case's five flagged quotations


def run(*args: str):
    return CliRunner().invoke(app, list(args), obj=Injected(embedder_factory=HashingEmbedder))


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """A baseline written from the reference case as it is."""
    target = tmp_path / "factcheck-baseline.json"
    result = run("baseline", "write", str(CASE / "release.txt"), SOURCE_PATH, "-o", str(target), "--no-config")
    assert result.exit_code == 0, result.output
    assert f"5 findings recorded as accepted in {target}" in result.stderr
    return target


def check_json(release: Path, baseline: Path, *extra: str):
    result = run("check", str(release), SOURCE_PATH, "--baseline", str(baseline), "-f", "json", "--no-config", *extra)
    return result, json.loads(result.stdout) if result.stdout else None


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert RELEASE.count(old) == 1, old
    path = tmp_path / "edited-release.txt"
    path.write_text(RELEASE.replace(old, new), encoding="utf-8")
    return path


def test_the_baseline_file_is_sorted_readable_versioned_and_the_same_every_time(written: Path, tmp_path: Path):
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["version"] == 1
    entries = data["entries"]
    assert [e["kind"] for e in entries] == ["quote"] * 5
    assert {e["verdict"] for e in entries} == {"elided", "context_omitted"}
    assert all(any(e["text"].startswith(start) for e in entries) for start in FLAGGED)  # the quotation, as words
    assert [e["text"].casefold() for e in entries] == sorted(e["text"].casefold() for e in entries)
    assert "children\u2019s" in written.read_text(encoding="utf-8")  # not \u-escaped: readable in a diff
    again = tmp_path / "again.json"
    assert run("baseline", "write", str(CASE / "release.txt"), SOURCE_PATH, "-o", str(again)).exit_code == 0
    assert again.read_bytes() == written.read_bytes()


def test_the_same_release_checked_again_passes_the_gate_with_its_findings_accepted(written: Path):
    result, report = check_json(CASE / "release.txt", written, "--fail-on", "low")
    assert result.exit_code == 0, result.output
    accepted = [q for q in report["quotes"] if q["accepted"]]
    assert len(accepted) == 5 and all(any(q["text"].startswith(t) for q in accepted) for t in FLAGGED)
    assert all(q["severity"] != "none" for q in accepted)  # still there, with their verdict and severity
    s = report["summary"]
    assert s["accepted"] == 5 and s["flagged"] == 0 and s["worst_severity"] == "none"
    assert s["severities"] == {"none": 14, "low": 0, "medium": 0, "high": 0}
    assert s["verdicts"]["elided"] == 2 and s["verdicts"]["context_omitted"] == 3  # verdicts count every quotation
    assert not report["warnings"]


def test_without_the_baseline_the_same_release_fails_the_gate(written: Path):
    result = run("check", str(CASE / "release.txt"), SOURCE_PATH, "--fail-on", "low", "--no-config")
    assert result.exit_code == 1


def test_an_edit_to_an_unrelated_paragraph_leaves_the_findings_accepted(written: Path, tmp_path: Path):
    release = edited(tmp_path, "Published: 1st Dec 2021", "Published: Wednesday 1st December 2021, updated on the 3rd")
    result, report = check_json(release, written, "--fail-on", "low")
    assert result.exit_code == 0, result.output
    unedited = check(CASE / "release.txt", CASE / "source.txt", embedder=HashingEmbedder())
    assert report["quotes"][8]["start"] > unedited.quotes[8].start  # every offset after the edit has moved
    assert report["summary"]["accepted"] == 5 and report["summary"]["flagged"] == 0
    assert not result.stderr  # no entry is stale


def test_an_edit_to_the_quoted_words_is_a_new_finding_the_gate_counts_and_the_old_entry_is_stale(
    written: Path, tmp_path: Path
):
    old = "social workers know children well and ensure that their views help inform plans for their future"
    release = edited(tmp_path, old, old.replace("know children well", "know all children very well"))
    result, report = check_json(release, written, "--fail-on", "low")
    assert result.exit_code == 1
    changed = next(q for q in report["quotes"] if "know all children very well" in q["text"])
    assert changed["severity"] != "none" and not changed["accepted"]
    assert report["summary"]["accepted"] == 4 and report["summary"]["flagged"] == 1
    stale = [line for line in result.stderr.splitlines() if line.startswith("factcheck: warning: baseline entry")]
    assert len(stale) == 1 and "social workers know children well" in stale[0] and "matches no finding" in stale[0]
    assert any("matches no finding" in w for w in report["warnings"])  # in the report too
    assert "factcheck: a finding reaches severity low (4 accepted in the baseline not counted)" in result.stderr


def test_the_text_report_on_the_terminal_shows_accepted_findings_and_the_stale_warning(written: Path, tmp_path: Path):
    data = json.loads(written.read_text(encoding="utf-8"))
    data["entries"].append({"kind": "quote", "verdict": "altered", "text": "words no longer in the release",
                            "fingerprint": "0123456789abcdef"})
    written.write_text(json.dumps(data), encoding="utf-8")
    result = run("check", str(CASE / "release.txt"), SOURCE_PATH, "--baseline", str(written))
    assert result.exit_code == 0
    out = result.stdout
    assert "Nothing flagged but what the baseline accepts." in out
    assert "Accepted in the baseline, not counted: 9, 11, 15, 17, 18" in out
    assert "5 accepted in the baseline" in " ".join(out.split())
    assert "warning: baseline entry 0123456789abcdef (quote, altered: \u2018words no longer in the release\u2019)" in out
    assert not result.stderr  # shown once, in the report on the terminal
    verdict_cells = [line.split("\u2502")[2].strip() for line in out.splitlines() if line.count("\u2502") == 4]
    assert verdict_cells.count("Accepted") == 5


def test_markdown_and_html_mark_accepted_findings_and_leave_them_out_of_the_problems(written: Path, tmp_path: Path):
    report = apply_baseline(check(CASE / "release.txt", CASE / "source.txt", embedder=HashingEmbedder()),
                            read_baseline(written))
    source = (CASE / "source.txt").read_text(encoding="utf-8")
    markdown = render(report, "md", source_text=source)
    assert markdown.count("(Accepted: in the baseline, not counted)") == 5
    assert "### 9. Silently elided, severity high (Accepted" in markdown
    html = render(report, "html", source_text=source)
    assert html.count('<span class="badge accepted"') == 5
    assert html.count('class="card sev-high accepted"') == 2  # accepted, and not "flagged"
    assert 'id="problems-title"' not in html  # nothing left to list at the top
    assert "<span class=\"n\">5</span> accepted" in html
    assert "No quotation attributed to the source was flagged but those the baseline accepts." in html


def test_a_flagged_claim_is_accepted_like_a_quotation(tmp_path: Path):
    source = "Leaders have made rapid progress. Most pupils achieve well. However, too few disadvantaged pupils attend.\n"
    release = "Inspectors said \u201cmost pupils achieve well\u201d. The inspectors found that all disadvantaged pupils attend.\n"
    report = check(release, source, embedder=HashingEmbedder())
    assert [c.verdict for c in report.claims] == ["contradicted"] and report.summary.worst_severity == "medium"
    baseline = baseline_of(report)
    assert [(e.kind, e.verdict) for e in baseline.entries] == [("claim", "contradicted")]
    accepted = apply_baseline(report, baseline)
    assert accepted.claims[0].accepted and accepted.summary.claims_flagged == 0
    assert accepted.summary.worst_severity == "none" and accepted.summary.accepted == 1
    assert "c1 Contradicted (accepted)" in render(accepted, "text")


def test_apply_baseline_returns_a_new_report_and_changes_nothing_it_was_given(written: Path):
    report = check(CASE / "release.txt", CASE / "source.txt", embedder=HashingEmbedder())
    before = report.model_dump_json()
    baseline = read_baseline(written)
    accepted = apply_baseline(report, baseline)
    assert report.model_dump_json() == before and accepted is not report
    assert accepted.summary.accepted == 5 and report.summary.accepted == 0
    assert apply_baseline(accepted, Baseline()).model_dump_json() == before  # an empty baseline accepts nothing
    assert apply_baseline(accepted, baseline).model_dump_json() == accepted.model_dump_json()  # idempotent


def test_the_fingerprint_ignores_case_spacing_and_punctuation_but_not_words_or_the_verdict():
    report = check(CASE / "release.txt", CASE / "source.txt", embedder=HashingEmbedder())
    q = next(q for q in report.quotes if q.verdict == "elided")
    assert normalised_words("Children\u2019s  plans,\nREVIEWED.") == "children s plans reviewed"
    same = q.model_copy(update={"text": q.text.upper().replace(" ", "  ") + "."})
    assert quote_fingerprint(same) == quote_fingerprint(q)
    assert quote_fingerprint(q.model_copy(update={"text": q.text + " today"})) != quote_fingerprint(q)
    assert quote_fingerprint(q.model_copy(update={"verdict": "truncated"})) != quote_fingerprint(q)
    assert quote_fingerprint(q.model_copy(update={"source_text": q.source_text + " more"})) != quote_fingerprint(q)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not JSON"),
        ('{"version": 2, "entries": []}', "version"),
        ('{"version": 1, "entries": [{"kind": "quote", "verdict": "elided", "text": "x"}]}', "entries.0.fingerprint"),
        ('{"version": 1, "entries": [], "accepted": []}', "accepted"),
        ('{"version": 1, "entries": [{"kind": "quote", "verdict": "fine", "text": "x", "fingerprint": "0123456789abcdef"}]}',
         "entries.0.verdict"),
    ],
)
def test_a_malformed_baseline_is_a_one_line_error_exit_2(tmp_path: Path, content: str, fragment: str):
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match="baseline .*baseline.json: "):
        read_baseline(path)
    result = run("check", str(CASE / "release.txt"), SOURCE_PATH, "--baseline", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("factcheck: error: baseline ") and fragment in lines[0]


def test_dump_and_read_round_trip(written: Path):
    baseline = read_baseline(written)
    assert dump_baseline(baseline) == written.read_text(encoding="utf-8")


def test_baseline_write_defaults_to_factcheck_baseline_json_and_dash_is_stdout(tmp_path: Path, monkeypatch, written):
    monkeypatch.chdir(tmp_path)
    first = written.read_bytes()
    written.unlink()
    assert written == tmp_path / "factcheck-baseline.json"
    assert run("baseline", "write", str(CASE / "release.txt"), SOURCE_PATH, "--no-config").exit_code == 0
    assert written.read_bytes() == first
    printed = run("baseline", "write", str(CASE / "release.txt"), SOURCE_PATH, "-o", "-", "--no-config")
    assert printed.exit_code == 0 and printed.stdout == (tmp_path / "factcheck-baseline.json").read_text(encoding="utf-8")
