"""The command line: exit codes, one-line errors, formats, the schema."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factcheck.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
CASE = SAMPLES / "birmingham-2021"
SOURCE = "Leaders have made rapid progress. Most pupils achieve well. However, too few disadvantaged pupils attend.\n"


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2
    out = result.output.strip()
    assert "Traceback" not in out
    assert len(out.splitlines()) == 1, out
    assert out.startswith("factcheck: error:")
    for fragment in fragments:
        assert fragment in out


def test_json_report_of_the_reference_case_has_the_documented_fields():
    result = run("check", str(CASE / "release.txt"), str(CASE / "source.txt"), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"quotes", "claims", "summary"}
    first = data["quotes"][0]
    for key in ("text", "start", "end", "speaker", "verdict", "severity", "source_start", "source_end",
                "source_text", "omitted", "explanation"):
        assert key in first
    assert data["summary"]["quotes"] == len(data["quotes"]) == 19


def test_text_report_names_each_verdict():
    result = run("check", str(CASE / "release.txt"), str(CASE / "source.txt"))
    assert result.exit_code == 0
    assert "Silently elided" in result.output
    quotation_column = " ".join(
        line.split("│")[3].strip() for line in result.output.splitlines() if line.count("│") == 5
    )
    # the dropped sentence is marked where the release cut it, inside the quotation
    assert "offered [cut here: Take-up, however, remains too low" in quotation_column


def test_output_option_writes_the_file(tmp_path: Path):
    target = tmp_path / "out" / "report.md"
    result = run("check", str(CASE / "release.txt"), str(CASE / "source.txt"), "-f", "md", "-o", str(target))
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# factcheck report")


def test_release_without_quotations_is_checked_for_its_claims(tmp_path: Path):
    release = tmp_path / "release.txt"
    release.write_text("The council welcomed the report and thanked its staff.\n")
    source = tmp_path / "source.txt"
    source.write_text(SOURCE)
    result = run("check", str(release), str(source), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["quotes"] == [] and report["summary"]["quotes"] == 0


def test_empty_file_is_a_one_line_error(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert_one_line_error(run("check", str(empty), str(CASE / "source.txt")), "empty")


def test_binary_file_is_a_one_line_error(tmp_path: Path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    assert_one_line_error(run("check", str(CASE / "release.txt"), str(binary)), "binary")


def test_missing_path_is_a_one_line_error(tmp_path: Path):
    assert_one_line_error(run("check", str(tmp_path / "nope.txt"), str(CASE / "source.txt")), "no such file")


def test_directory_instead_of_file_is_a_one_line_error(tmp_path: Path):
    assert_one_line_error(run("check", str(tmp_path), str(CASE / "source.txt")), "directory")


def test_cp1252_release_is_read(tmp_path: Path):
    release = tmp_path / "release.txt"
    release.write_bytes("Inspectors said \u201cmost pupils achieve well\u201d.\n".encode("cp1252"))
    source = tmp_path / "source.txt"
    source.write_text(SOURCE)
    result = run("check", str(release), str(source), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["quotes"][0]["verdict"] == "context_omitted"


def test_fail_on_gate_exits_non_zero_when_a_finding_reaches_the_level(tmp_path: Path):
    release = tmp_path / "release.txt"
    release.write_text("Inspectors said \u201cmost pupils achieve well\u201d.\n")
    source = tmp_path / "source.txt"
    source.write_text(SOURCE)
    assert run("check", str(release), str(source), "--fail-on", "medium").exit_code == 1
    release.write_text("Inspectors said \u201cleaders have made rapid progress\u201d.\n")
    assert run("check", str(release), str(source), "--fail-on", "low").exit_code == 0


def test_schema_is_the_report_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Report"
    assert "QuoteFinding" in schema["$defs"]


def test_every_command_has_help():
    for command in ("check", "schema"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_json_report_round_trips_through_its_model_and_is_deterministic():
    from factcheck.types import Report

    args = ["check", str(CASE / "release.txt"), str(CASE / "source.txt"), "--format", "json"]
    first, second = run(*args), run(*args)
    assert first.output == second.output
    report = Report.model_validate_json(first.output)
    assert report.model_dump_json(indent=2) + "\n" == first.output
    release = (CASE / "release.txt").read_text(encoding="utf-8")
    source = (CASE / "source.txt").read_text(encoding="utf-8")
    for q in report.quotes:
        for part in q.parts:
            assert release[part.start : part.end] in q.text
        if q.source_start >= 0:
            assert source[q.source_start : q.source_end] == q.source_text


def test_readme_mentions_every_command_and_the_check_options():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in ("check", "batch", "serve", "eval", "schema"):
        assert f"factcheck {command}" in readme
        assert run(command, "--help").exit_code == 0
    help_text = run("check", "--help").output
    for option in ("--format", "--output", "--source-name", "--fail-on", "--allow-private-urls"):
        assert option in help_text
    for option in ("--fail-on", "--source-name", "-f html"):
        assert option in readme
