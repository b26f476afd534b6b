"""The command line: exit codes, one-line errors, formats, the schema."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factcheck.cli import Injected, app
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder

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
    # written to a pipe, the report is FILE_WIDTH wide: three columns, the quotation and its reason in the last
    quotation_column = " ".join(
        line.split("│")[3].strip() for line in result.output.splitlines() if line.count("│") == 4
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


def test_every_command_has_help_with_h_as_well_as_help():
    for command in ([], ["check"], ["schema"], ["eval"], ["batch"], ["serve"], ["baseline"], ["baseline", "write"]):
        long, short = run(*command, "--help"), run(*command, "-h")
        assert long.exit_code == short.exit_code == 0, command
        assert long.output.startswith("Usage: ") and short.output == long.output, command
    assert "--show-completion" in run("--help").output  # shell completion: typer's --install-completion


def test_version_option_prints_the_version():
    from factcheck import __version__

    for option in ("--version", "-V"):
        result = run(option)
        assert result.exit_code == 0
        assert result.output == f"factcheck {__version__}\n"


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
    for command in ("check", "batch", "serve", "eval", "schema", "baseline write"):
        assert f"factcheck {command}" in readme
        assert run(*command.split(), "--help").exit_code == 0
    help_text = run("check", "--help").output
    for option in ("--format", "--output", "--source-name", "--fail-on", "--allow-private-urls", "--baseline",
                   "--config", "--no-config", "--color / --no-color", "--all-unreported / --top-unreported"):
        assert option in help_text
    for option in ("--fail-on", "--source-name", "-f html", "-o report.html", "--baseline", "NO_COLOR", "COLUMNS",
                   ".factcheck.toml", "[tool.factcheck]", "--config FILE", "--no-config", "-V", "-h"):
        assert option in readme
    for key in ("fail_on", "source_names", "format", "baseline", "all_unreported"):  # every key of the project file
        assert f"\n{key} = " in readme


# --- conventions: the format from -o, colour, width, the summary first, stderr ------------------------------


def check_to(path: Path, *extra: str):
    return run("check", str(CASE / "release.txt"), str(CASE / "source.txt"), "-o", str(path), *extra)


def test_the_format_is_inferred_from_the_output_extension(tmp_path: Path):
    starts = {
        "r.html": "<!DOCTYPE html>",
        "r.htm": "<!DOCTYPE html>",
        "r.md": "# factcheck report",
        "r.markdown": "# factcheck report",
        "r.json": "{",
        "r.txt": "factcheck ",
        "R.HTML": "<!DOCTYPE html>",
    }
    for name, start in starts.items():
        result = check_to(tmp_path / name)
        assert result.exit_code == 0, (name, result.output)
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["quotes"] == 19


def test_an_explicit_format_wins_over_the_extension(tmp_path: Path):
    target = tmp_path / "report.html"
    assert check_to(target, "--format", "json").exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["quotes"] == 19


def test_an_unknown_extension_without_format_is_a_one_line_error_naming_the_choices(tmp_path: Path):
    result = check_to(tmp_path / "report.pdf")
    assert_one_line_error(result, "report.pdf", "'.pdf'", "--format", "text, json, md, html", ".html")
    assert not (tmp_path / "report.pdf").exists()
    assert_one_line_error(check_to(tmp_path / "report"), "no extension")
    assert check_to(tmp_path / "report.pdf", "-f", "md").exit_code == 0


def test_o_docx_writes_the_release_with_a_comment_at_each_flag(tmp_path: Path):
    import docx

    from factcheck.inputs import extract_text

    target = tmp_path / "reviewed.docx"
    assert check_to(target).exit_code == 0
    document = docx.Document(str(target))
    notes = [c.text for c in document.comments]
    assert notes[0].startswith("19 quotations")  # the headline, then one comment a flag
    assert any(n.startswith("Silently elided (high severity)") and "for most children" in n for n in notes)
    assert sum(n.startswith(("Silently elided", "Context omitted")) for n in notes) == 5
    # the release's own words, every one of them, in order
    assert extract_text(target.read_bytes(), "reviewed.docx").split() == (CASE / "release.txt").read_text(encoding="utf-8").split()


def on_a_terminal(monkeypatch, columns: int | None = None) -> None:
    """Standard output is taken for a terminal (CliRunner's is not one), COLUMNS columns wide."""
    monkeypatch.setattr("factcheck.cli._stdout_is_terminal", lambda: True)
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(columns))


def check_text(*extra: str):
    result = run("check", str(CASE / "release.txt"), str(CASE / "source.txt"), *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


ANSI = "\x1b["


def test_colour_on_a_terminal_unless_no_color_is_set_or_no_color_given(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ANSI not in check_text()  # not a terminal
    on_a_terminal(monkeypatch)
    assert ANSI in check_text()
    assert ANSI not in check_text("--no-color")
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI not in check_text()
    assert ANSI in check_text("--color")  # the command line wins over NO_COLOR
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no effect, as no-color.org says
    assert ANSI in check_text()


def test_color_forces_colour_into_a_pipe_but_never_into_other_formats(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ANSI in check_text("--color")
    assert ANSI not in check_text("--color", "-f", "md")


def line_widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


def test_a_terminal_80_columns_wide_gets_a_readable_table_no_line_longer_than_80(monkeypatch):
    on_a_terminal(monkeypatch, 80)
    out = check_text("--no-color")
    assert max(line_widths(out)) == 80
    rows = [line.split("│") for line in out.splitlines() if line.count("│") == 4]
    # three columns: number, verdict, then the quotation and what the release did; no word cut inside
    assert rows and all(len(row[1].strip()) <= 2 for row in rows)
    cell = " ".join(row[3].strip() for row in rows)
    assert "offered [cut here: Take-up, however, remains too low" in cell
    assert "The release silently drops ‘for most children’ from inside the quotation" in cell
    verdicts = " ".join(row[2].strip() for row in rows)
    assert "Silently elided" in verdicts and "Context omitted" in verdicts


def test_the_terminal_width_is_kept_between_a_minimum_and_a_maximum(monkeypatch):
    from factcheck.cli import MAX_WIDTH, MIN_WIDTH

    on_a_terminal(monkeypatch, 20)
    assert max(line_widths(check_text("--no-color"))) == MIN_WIDTH
    on_a_terminal(monkeypatch, 1000)
    assert max(line_widths(check_text("--no-color"))) == MAX_WIDTH


def test_a_report_into_a_pipe_or_a_file_has_the_same_width_whatever_the_terminal(monkeypatch, tmp_path: Path):
    from factcheck.report.text import FILE_WIDTH

    monkeypatch.setenv("COLUMNS", "70")
    piped = check_text()
    assert max(line_widths(piped)) == FILE_WIDTH
    monkeypatch.setenv("COLUMNS", "130")
    assert check_text() == piped
    check_to(tmp_path / "report.txt")
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == piped


def test_the_text_report_opens_with_the_flagged_findings_worst_first():
    out = check_text()
    lines = out.splitlines()
    top = lines.index("Flagged, worst first")
    assert top < next(i for i, line in enumerate(lines) if line.startswith("┏"))  # before the table
    flagged = []
    for line in lines[top + 1 :]:
        if not line.strip():
            break
        number, rest = line.split(maxsplit=1)
        flagged.append((int(number), rest))
    # the reference case's two high findings (9 and 17), then its three medium ones, each in the release's order
    assert [n for n, _ in flagged] == [9, 17, 11, 15, 18]
    assert flagged[0][1].startswith("Silently elided  high    ‘social workers know children well")
    assert all(rest.split("  ")[0] in ("Silently elided", "Context omitted") for _, rest in flagged)


def test_batch_shows_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path):
    folder = tmp_path / "pairs" / "one"
    folder.mkdir(parents=True)
    (folder / "release.txt").write_text("Inspectors said \u201cmost pupils achieve well\u201d.\n")
    (folder / "source.txt").write_text(SOURCE)
    result = runner.invoke(
        app, ["batch", str(tmp_path / "pairs"), "--out", str(tmp_path / "out"), "--workers", "1"],
        obj=Injected(embedder_factory=HashingEmbedder),
    )
    assert result.exit_code == 0, result.output
    assert "factcheck batch" not in result.stderr and "1/1" not in result.stderr
    assert result.stderr.startswith("factcheck: 1 items in ")


class ProgressEmbedder(HashingEmbedder):
    """A fake model that, like the real one on its first run, logs a progress line before its first vectors."""

    loaded = False

    def encode(self, texts: list[str]):
        import logging

        from factcheck.embed.environment import PROGRESS_LOGGER

        if not self.loaded:
            self.loaded = True
            logging.getLogger(PROGRESS_LOGGER).info("preparing the embedding model (first run, about 10 s)\u2026")
            logging.getLogger("factcheck.embed.store").warning("embedding cache x disabled: read-only")
            logging.getLogger("factcheck.embed.store").info("a detail nobody needs to see")
        return super().encode(texts)


def test_progress_and_warnings_of_the_library_go_to_stderr_once_and_nothing_else(tmp_path: Path):
    release = tmp_path / "release.txt"
    release.write_text("Ofsted said \u201cthe pupils are very happy here\u201d.\n")  # not found: the model is asked
    source = tmp_path / "source.txt"
    source.write_text(SOURCE)
    result = runner.invoke(
        app, ["check", str(release), str(source), "-f", "json"], obj=Injected(embedder_factory=ProgressEmbedder)
    )
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # the report alone on stdout
    assert result.stderr.count("factcheck: preparing the embedding model (first run") == 1
    assert "factcheck: warning: embedding cache x disabled" in result.stderr
    assert "a detail nobody needs" not in result.stderr


def test_the_library_asks_for_the_progress_line_when_it_exports_the_model(tmp_path, monkeypatch, caplog):
    """The slow first-run path (no exported file, torch installed) logs the line the CLI shows."""
    import logging

    from factcheck.config import EmbeddingSettings
    from factcheck.embed import onnx_backend
    from factcheck.embed.environment import PROGRESS_LOGGER

    monkeypatch.setenv("FACTCHECK_CACHE", str(tmp_path))
    monkeypatch.setattr(onnx_backend, "module_available", lambda module: True)
    exported = []
    monkeypatch.setattr(onnx_backend, "export_onnx", lambda: exported.append(True))  # writes nothing: torch next
    with caplog.at_level(logging.INFO, logger=PROGRESS_LOGGER):
        onnx_backend.OnnxEmbedder(EmbeddingSettings())._load()
    assert exported == [True]
    assert [r.getMessage() for r in caplog.records if r.name == PROGRESS_LOGGER] == [
        "preparing the embedding model (first run, about 10 s)\u2026"
    ]


def test_the_export_keeps_library_warnings_off_stderr_and_off_the_root_logger(capsys, caplog):
    """onnxruntime's quantiser warns through logging.warning(), which would also give the root logger a handler."""
    import logging
    import warnings

    from factcheck.embed.export import warnings_silenced

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings_silenced():
        logging.warning("Please consider to run pre-processing before quantization.")  # noqa: LOG015 - as the quantiser does
        warnings.warn("a library's FutureWarning", FutureWarning, stacklevel=1)
    assert root.handlers == handlers and root.level == level
    assert "pre-processing" not in capsys.readouterr().err + caplog.text
    logging.getLogger("factcheck.test").error("factcheck's own errors still show")  # afterwards, as before
    assert "factcheck's own errors still show" in caplog.text
