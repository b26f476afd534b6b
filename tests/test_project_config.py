"""The project file: where it is found, what it may set, how a bad one is reported, and that the command line
wins over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli import Injected, app
from factcheck.errors import ProjectConfigError
from factcheck.project import find_project_file, project_file, read_project_file
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder

CASE = SAMPLES / "birmingham-2021"
SOURCE = "Leaders have made rapid progress. Most pupils achieve well. However, too few disadvantaged pupils attend.\n"
MEDIUM_ONLY = "Inspectors said \u201cmost pupils achieve well\u201d.\n"  # context omitted: medium, nothing high
NAMED = "Jane Smith said: \u201cMost pupils achieve well and we are proud.\u201d\n"  # someone else's, unless named


def run(*args: str):
    return CliRunner().invoke(app, list(args), obj=Injected(embedder_factory=HashingEmbedder))


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A repository folder (with .git) holding a release and a source, and the current folder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "release.txt").write_text(MEDIUM_ONLY)
    (tmp_path / "source.txt").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_file_is_found_in_the_folder_or_a_parent(project: Path):
    (project / ".factcheck.toml").write_text('fail_on = "high"\n')
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project_file(deep) == project / ".factcheck.toml"
    nearer = project / "a" / ".factcheck.toml"
    nearer.write_text('fail_on = "low"\n')
    assert find_project_file(deep) == nearer  # the first found, going up
    assert project_file(start=deep).config.fail_on == "low"


def test_the_search_stops_at_the_top_of_the_repository(tmp_path: Path):
    (tmp_path / ".factcheck.toml").write_text('fail_on = "high"\n')  # above the repository: not its file
    repository = tmp_path / "repo"
    (repository / "docs").mkdir(parents=True)
    (repository / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert find_project_file(repository / "docs") is None
    assert project_file(start=repository / "docs").config.fail_on is None


def test_pyproject_counts_only_with_a_tool_factcheck_table(project: Path):
    sub = project / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    (project / "pyproject.toml").write_text('[tool.factcheck]\nfail_on = "medium"\nsource_names = ["the panel"]\n')
    assert find_project_file(sub) == project / "pyproject.toml"
    config = project_file(start=sub).config
    assert config.fail_on == "medium" and config.source_names == ["the panel"]
    (project / ".factcheck.toml").write_text('fail_on = "low"\n')
    assert find_project_file(project) == project / ".factcheck.toml"  # the own file first, in one folder


def test_an_unknown_key_names_the_file_and_the_key(project: Path):
    (project / ".factcheck.toml").write_text('fail_no = "low"\n')
    with pytest.raises(ProjectConfigError, match=r"\.factcheck\.toml: unknown key 'fail_no' \(the keys are fail_on, "):
        read_project_file(project / ".factcheck.toml")
    (project / "pyproject.toml").write_text('[tool.factcheck]\nformats = "md"\n')
    with pytest.raises(ProjectConfigError, match=r"pyproject\.toml: unknown key 'tool\.factcheck\.formats'"):
        read_project_file(project / "pyproject.toml")


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('fail_on = "severe"\n', ["fail_on", "'low', 'medium' or 'high'"]),
        ('source_names = "Ofsted"\n', ["source_names", "list"]),
        ("all_unreported = 1\n", ["all_unreported", "boolean"]),
        ('format = "pdf"\n', ["format"]),
        ("fail_on = \n", ["not valid TOML"]),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_key_exit_2(project: Path, content: str, fragments: list[str]):
    (project / ".factcheck.toml").write_text(content)
    result = run("check", "release.txt", "source.txt")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("factcheck: error: ")
    assert ".factcheck.toml" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


def test_fail_on_from_the_file_sets_the_gate_and_the_command_line_wins(project: Path):
    (project / ".factcheck.toml").write_text('fail_on = "medium"\n')
    assert run("check", "release.txt", "source.txt").exit_code == 1
    assert run("check", "release.txt", "source.txt", "--fail-on", "high").exit_code == 0
    assert run("check", "release.txt", "source.txt", "--no-config").exit_code == 0


def test_format_from_the_file_gives_way_to_format_and_to_the_output_extension(project: Path):
    (project / ".factcheck.toml").write_text('format = "md"\n')
    assert run("check", "release.txt", "source.txt").stdout.startswith("# factcheck report")
    assert json.loads(run("check", "release.txt", "source.txt", "-f", "json").stdout)["summary"]["quotes"] == 1
    assert run("check", "release.txt", "source.txt", "-o", "out.html").exit_code == 0
    assert (project / "out.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # an extension that names no format: the file's format is the one asked for
    assert run("check", "release.txt", "source.txt", "-o", "out.report").exit_code == 0
    assert (project / "out.report").read_text(encoding="utf-8").startswith("# factcheck report")


def test_source_names_from_the_file_credit_the_source_and_the_command_line_replaces_them(project: Path):
    (project / "release.txt").write_text(NAMED)

    def verdict(*extra: str) -> str:
        return json.loads(run("check", "release.txt", "source.txt", "-f", "json", *extra).stdout)["quotes"][0]["verdict"]

    assert verdict() == "other_speaker"
    (project / ".factcheck.toml").write_text('source_names = ["Jane Smith"]\n')
    assert verdict() == "altered"
    assert verdict("--source-name", "the inspectors") == "other_speaker"


def test_all_unreported_from_the_file_and_its_opposite_on_the_command_line(project: Path):
    args = ("check", str(CASE / "release.txt"), str(CASE / "source.txt"), "-f", "json")

    def listed(*extra: str) -> int:
        return len(json.loads(run(*args, *extra).stdout)["unreported"])

    default = listed()
    (project / ".factcheck.toml").write_text("all_unreported = true\n")
    every = json.loads(run(*args).stdout)
    assert len(every["unreported"]) == every["summary"]["unreported_total"] > default
    assert listed("--top-unreported") == default


def test_config_option_picks_a_file_and_no_config_ignores_a_broken_one(project: Path, tmp_path_factory):
    (project / ".factcheck.toml").write_text("this is not toml\n")
    assert run("check", "release.txt", "source.txt").exit_code == 2
    assert run("check", "release.txt", "source.txt", "--no-config").exit_code == 0
    elsewhere = tmp_path_factory.mktemp("team") / "factcheck.toml"
    elsewhere.write_text('fail_on = "low"\n')
    assert run("check", "release.txt", "source.txt", "--config", str(elsewhere)).exit_code == 1
    missing = run("check", "release.txt", "source.txt", "--config", str(elsewhere.parent / "nope.toml"))
    assert missing.exit_code == 2 and "nope.toml: no such configuration file" in missing.output


def test_the_baseline_path_is_relative_to_the_file_not_the_current_folder(project: Path, monkeypatch):
    (project / ".factcheck.toml").write_text('fail_on = "low"\nbaseline = "checks/accepted.json"\n')
    (project / "checks").mkdir()
    work = project / "drafts"
    work.mkdir()
    monkeypatch.chdir(work)
    written = run("baseline", "write", "../release.txt", "../source.txt")  # to the file's baseline, by default
    assert written.exit_code == 0 and (project / "checks" / "accepted.json").is_file(), written.output
    assert not (work / "factcheck-baseline.json").exists()
    result = run("check", "../release.txt", "../source.txt", "-f", "json")
    assert result.exit_code == 0, result.output  # the gate passes: the finding is accepted
    report = json.loads(result.stdout)
    assert report["quotes"][0]["accepted"] and report["summary"]["accepted"] == 1
    (project / "checks" / "accepted.json").unlink()
    missing = run("check", "../release.txt", "../source.txt")
    assert missing.exit_code == 2 and "checks/accepted.json: no such file" in missing.output
