"""Several sources at once: each quotation is matched against all of them and names the one it came from."""

from __future__ import annotations

from factcheck import check

LETTER = "Most pupils attend regularly. However, a small number of pupils are persistently absent.\n"
REPORT = "The school's library is popular with pupils and is open every lunchtime.\n"


def test_each_quotation_names_the_source_it_came_from(fake_embedder):
    release = "Inspectors said ‘the school’s library is popular with pupils’ and that ‘most pupils attend regularly’."
    report = check(release, [LETTER, REPORT], embedder=fake_embedder)
    by_text = {q.text: q for q in report.quotes}
    assert by_text["the school’s library is popular with pupils"].verdict == "verbatim"
    assert by_text["most pupils attend regularly"].verdict == "context_omitted"
    assert len(report.sources) == 2
    assert by_text["the school’s library is popular with pupils"].source_name != by_text["most pupils attend regularly"].source_name


def test_cli_takes_several_sources(tmp_path):
    from typer.testing import CliRunner

    from factcheck.cli import app

    (tmp_path / "letter.txt").write_text(LETTER)
    (tmp_path / "report.txt").write_text(REPORT)
    (tmp_path / "release.txt").write_text("Inspectors said ‘the school’s library is popular with pupils’.")
    result = CliRunner().invoke(
        app, ["check", str(tmp_path / "release.txt"), str(tmp_path / "letter.txt"), str(tmp_path / "report.txt"), "-f", "md"]
    )
    assert result.exit_code == 0, result.output
    assert "popular with pupils" in result.output
