"""The `factcheck` command: a thin shell over factcheck.check().

The commands use the real embedding model; a caller may put another in its place by starting the app with
`app(obj=Injected(embedder_factory=...))` (or `CliRunner().invoke(app, args, obj=...)`), as the tests do
with a fake one.

What goes where: the report on standard output (or into -o FILE), everything else (errors, warnings, progress)
on standard error. Colour only on a terminal, never with NO_COLOR set or --no-color; --color forces it. The text
report is as wide as the terminal (COLUMNS counts), between MIN_WIDTH and MAX_WIDTH; written to a file or a
pipe it is FILE_WIDTH wide, so the same input always gives the same file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.config import Settings, load_settings, with_overrides
from factcheck.errors import FactcheckError
from factcheck.library.cli import find, library_app
from factcheck.pipeline import __version__
from factcheck.report.text import FILE_WIDTH
from factcheck.types import SEVERITY_ORDER, LibraryReport, Report

if TYPE_CHECKING:
    from factcheck.baseline import Baseline
    from factcheck.embed import Embedder
    from factcheck.project import ProjectFile
    from factcheck.text import LoadedDocument

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
PLAIN_HELP = None  # rich_markup_mode: click's plain help, which reads at 80 columns and in a pipe
MIN_WIDTH = 60  # a narrower terminal still gets a 60-column report, which it wraps
MAX_WIDTH = 140  # lines longer than this are hard to read, however wide the terminal

app = typer.Typer(
    help="Check the quotations in a press release against the document they quote.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=PLAIN_HELP,
)
baseline_app = typer.Typer(
    help="Record the findings a team has reviewed and accepted, so that `check --baseline` no longer counts them.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(baseline_app, name="baseline")
app.add_typer(library_app, name="library")
app.command("find")(find)


class Format(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"
    docx = "docx"


EXTENSION_FORMATS = {
    ".txt": Format.text,
    ".json": Format.json,
    ".md": Format.md,
    ".markdown": Format.md,
    ".html": Format.html,
    ".htm": Format.html,
    ".docx": Format.docx,
}


class Severity(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


@dataclass(frozen=True)
class Injected:
    """What the commands use in place of the real model. `embedder_factory` is called once per command (once
    per worker for `batch`, so it must be picklable there, such as a class the workers can import)."""

    embedder_factory: Callable[[], Embedder] | None = None


def _embedder_factory(ctx: typer.Context) -> Callable[[], Embedder] | None:
    return ctx.obj.embedder_factory if isinstance(ctx.obj, Injected) else None


def _embedder(ctx: typer.Context) -> Embedder | None:
    """The injected embedder, or None: the library then uses the shared real model."""
    factory = _embedder_factory(ctx)
    return factory() if factory is not None else None


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"factcheck: error: {message}", err=True)
    raise typer.Exit(code)


def _warn(message: str) -> None:
    typer.echo(f"factcheck: warning: {message}", err=True)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"factcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Check the quotations in a press release against the document they quote."""
    ctx.call_on_close(_library_messages_on_stderr())


# --- what the library logs, on standard error ----------------------------------------------------------------


class _StderrHandler(logging.Handler):
    """One line per record, `factcheck: ` first (and `warning: ` for a warning), on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        typer.echo(f"factcheck: {level}{record.getMessage()}", err=True)


def _library_messages_on_stderr() -> Callable[[], None]:
    """Show the library's warnings and its progress lines (the `factcheck.progress` logger, e.g. the model's
    first-run export) on stderr while a command runs; returns what undoes it."""
    from factcheck.embed.environment import PROGRESS_LOGGER

    package, progress = logging.getLogger("factcheck"), logging.getLogger(PROGRESS_LOGGER)
    handler = _StderrHandler(logging.WARNING)
    progress_handler = _StderrHandler(logging.INFO)
    before = package.propagate, progress.level, progress.propagate
    package.addHandler(handler)
    progress.addHandler(progress_handler)
    package.propagate = progress.propagate = False  # printed here, not again by a handler a library gave root
    progress.setLevel(logging.INFO)

    def undo() -> None:
        package.removeHandler(handler)
        progress.removeHandler(progress_handler)
        package.propagate, progress.level, progress.propagate = before

    return undo


# --- terminal conventions -------------------------------------------------------------------------------------


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def terminal_width() -> int:
    """The terminal's width (COLUMNS when set), kept between MIN_WIDTH and MAX_WIDTH."""
    columns = shutil.get_terminal_size((FILE_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def use_color(flag: bool | None, to_terminal: bool) -> bool:
    """--color or --no-color when given; else colour on a terminal, unless NO_COLOR is set (to anything)."""
    if flag is not None:
        return flag
    return to_terminal and not os.environ.get("NO_COLOR")


def output_format(explicit: Format | None, output: Path | None, configured: str | None) -> Format:
    """--format when given; else what -o's extension says; else the project file's format; else text. An
    extension that names no format, with no --format, is an error."""
    if explicit is not None:
        return explicit
    if output is not None:
        inferred = EXTENSION_FORMATS.get(output.suffix.lower())
        if inferred is not None:
            return inferred
        if configured is None:
            known = ", ".join(EXTENSION_FORMATS)
            what = f"extension {output.suffix!r}" if output.suffix else "no extension"
            choices = ", ".join(f.value for f in Format)
            raise FactcheckError(
                f"cannot tell the format of {output} ({what}); give --format ({choices}) or use one of {known}"
            )
    return Format(configured) if configured is not None else Format.text


def word_report(report: Report, release: str | Path, release_text: str) -> bytes:
    """The release as a Word document with a review comment at each flag: a Word release is itself annotated, its
    formatting kept; any other release becomes a document of its paragraphs."""
    from factcheck.report import render_docx

    path = Path(release) if not str(release).startswith(("http://", "https://")) and str(release) != "-" else None
    if path is not None and path.suffix.lower() == ".docx" and path.is_file():
        try:
            return render_docx(report, path.read_bytes())
        except OSError as e:
            raise FactcheckError(f"cannot read {path}: {e.strerror or e}") from None
    return render_docx(report, release_text)


# --- check ----------------------------------------------------------------------------------------------------

ReleaseArgument = Annotated[
    str,
    typer.Argument(help="The press release: a file (text, HTML, PDF, Word, Markdown), an http(s) URL, or - for standard input."),
]
SourcesArgument = Annotated[
    list[str],
    typer.Argument(help="The document(s) it quotes, files or URLs; each quotation is matched against all of them."),
]
SourceNameOption = Annotated[
    list[str] | None,
    typer.Option("--source-name", help="A name the release uses for the source (repeatable), e.g. 'Ofsted'."),
]
PrivateUrlsOption = Annotated[
    bool, typer.Option("--allow-private-urls", help="Let URLs reach private, loopback and link-local addresses.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Read the project's defaults from this file instead of the .factcheck.toml found."),
]
NoConfigOption = Annotated[
    bool, typer.Option("--no-config", help="Ignore .factcheck.toml and [tool.factcheck] in pyproject.toml.")
]


@app.command()
def check(
    ctx: typer.Context,
    release: ReleaseArgument,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="The document(s) it quotes, files or URLs; each quotation is matched against all of them. "
                       "Leave out with --library."),
    ] = None,
    format: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Output format (default: from -o's extension, else text)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here (.txt, .json, .md, .html) instead of standard output."),
    ] = None,
    source_name: SourceNameOption = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option("--fail-on", help="Exit with status 1 when a finding not in the baseline reaches this severity."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Findings accepted before (factcheck baseline write): shown, not counted."),
    ] = None,
    color: Annotated[
        bool | None,
        typer.Option("--color/--no-color", help="Colour the text report (default: on a terminal, unless NO_COLOR is set)."),
    ] = None,
    allow_private_urls: PrivateUrlsOption = False,
    all_unreported: Annotated[
        bool | None,
        typer.Option(
            "--all-unreported/--top-unreported",
            help="List every source finding the release leaves out, or only the most important (the default).",
        ),
    ] = None,
    config: ConfigOption = None,
    no_config: NoConfigOption = False,
    library: Annotated[
        Path | None,
        typer.Option("--library", help="Find the source(s) in this library of reports (factcheck library add) instead "
                     "(default without SOURCE: the project file's library)."),
    ] = None,
) -> None:
    """Check every quotation in RELEASE against SOURCES (or the reports of --library it quotes) and report a verdict for each."""
    from factcheck.run import check_and_render

    try:
        project = _project(config, no_config)
        fmt = output_format(format, output, project.config.format)
        accepted = _baseline(baseline or project.baseline)
        to_terminal = output is None and _stdout_is_terminal()
        colored = use_color(color, to_terminal) and fmt is Format.text
        settings = _settings(allow_private_urls, _chosen(all_unreported, project.config.all_unreported))
        embedder = _embedder(ctx)
        if library is None and not sources:
            library = project.library  # the project's library, for a release whose sources are not named
        release_input, source_inputs, used = _release_and_sources(release, sources or [], library, settings, embedder)
        result = check_and_render(
            release_input,
            source_inputs,
            [] if fmt is Format.docx else [fmt.value],
            settings=settings,
            embedder=embedder,
            source_names=source_name or project.config.source_names,
            color=colored,
            width=terminal_width() if to_terminal else FILE_WIDTH,
            baseline=accepted,
            library=used,
        )
        report = result.report
        rendered: str | bytes = word_report(report, release, result.release_text) if fmt is Format.docx else result.texts[fmt.value]
    except FactcheckError as e:
        _fail(str(e))
        return
    _write(rendered, output, colored)
    if accepted is not None and not (fmt is Format.text and output is None):
        from factcheck.baseline import stale_entries, stale_warning

        for entry in stale_entries(report, accepted):  # the text report on the terminal shows them already
            _warn(stale_warning(entry))
    gate = fail_on.value if fail_on is not None else project.config.fail_on
    if gate is not None and SEVERITY_ORDER[report.summary.worst_severity] >= SEVERITY_ORDER[gate]:
        accepted_note = f" ({report.summary.accepted} accepted in the baseline not counted)" if report.summary.accepted else ""
        typer.echo(f"factcheck: a finding reaches severity {gate}{accepted_note}", err=True)
        raise typer.Exit(1)


def _release_and_sources(
    release: str, sources: list[str], library: Path | None, settings: Settings, embedder: Embedder | None
) -> tuple[str | Path | LoadedDocument, list[str | Path | LoadedDocument], list[LibraryReport] | None]:
    """The release, the sources to check it against, and the library reports they are (None when named):
    those named, or the reports of `library` it quotes (factcheck.library.library_sources, as `serve` chooses)."""
    if library is None:
        if not sources:
            raise FactcheckError("name the SOURCE the release quotes, or find it with --library DIR")
        return _input(release), [_input(s) for s in sources], None
    if sources:
        raise FactcheckError("give SOURCE or --library, not both")
    from factcheck.inputs import load
    from factcheck.library import library_sources

    release_doc = load(_input(release), settings)
    found = library_sources(release_doc, library, settings, embedder=embedder)
    for used in found.used:
        typer.echo(f"factcheck: source found in the library: {used.name} ({used.quotations} quotations held)", err=True)
    return release_doc, list(found.documents), found.used


def _chosen(option: bool | None, configured: bool | None) -> bool:
    """The command line's choice when it made one, else the project file's, else no."""
    return option if option is not None else bool(configured)


def _project(config: Path | None, no_config: bool) -> ProjectFile:
    from factcheck.project import project_file

    return project_file(config, ignore=no_config)


def _baseline(path: Path | None) -> Baseline | None:
    from factcheck.baseline import read_baseline

    return read_baseline(path) if path is not None else None


def _settings(allow_private_urls: bool, all_unreported: bool) -> Settings:
    settings = load_settings()
    if allow_private_urls:
        settings = with_overrides(settings, limits={"allow_private_urls": True})
    if all_unreported:
        settings = with_overrides(settings, assess={"unreported_limit": 0})
    return settings


def _write(rendered: str | bytes, output: Path | None, colored: bool = False) -> None:
    if output is None:
        if isinstance(rendered, bytes):
            _fail("a Word report is not written to a terminal; give -o FILE.docx")
        typer.echo(rendered, nl=False, color=colored)  # click.echo would strip the colour from a pipe
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(rendered, bytes):
            output.write_bytes(rendered)
        else:
            output.write_text(rendered, encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {output}: {e.strerror or e}")


def _input(argument: str) -> str | Path:
    """A URL stays a string (it is fetched); anything else is a path, never text to check."""
    return argument if argument.startswith(("http://", "https://")) else Path(argument)


# --- baseline ---------------------------------------------------------------------------------------------------


@baseline_app.command("write")
def baseline_write(
    ctx: typer.Context,
    release: ReleaseArgument,
    sources: SourcesArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o",
            help="The baseline file to write, - for standard output (default: the project file's baseline, else "
            "factcheck-baseline.json).",
        ),
    ] = None,
    source_name: SourceNameOption = None,
    allow_private_urls: PrivateUrlsOption = False,
    config: ConfigOption = None,
    no_config: NoConfigOption = False,
) -> None:
    """Check RELEASE against SOURCES and record every flagged quotation and claim as accepted."""
    from factcheck.baseline import DEFAULT_BASELINE, baseline_of, dump_baseline
    from factcheck.run import check_and_render

    try:
        project = _project(config, no_config)
        result = check_and_render(
            _input(release),
            [_input(s) for s in sources],
            [],
            settings=_settings(allow_private_urls, False),
            embedder=_embedder(ctx),
            source_names=source_name or project.config.source_names,
        )
    except FactcheckError as e:
        _fail(str(e))
        return
    accepted = baseline_of(result.report)
    target = output or project.baseline or Path(DEFAULT_BASELINE)
    if str(target) == "-":
        typer.echo(dump_baseline(accepted), nl=False)
    else:
        _write(dump_baseline(accepted), target)
    typer.echo(f"factcheck: {len(accepted.entries)} findings recorded as accepted in {target}", err=True)


# --- the other commands -------------------------------------------------------------------------------------


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    typer.echo(json.dumps(Report.model_json_schema(), indent=2))


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    cases: Annotated[list[Path], typer.Argument(help="Case folders (release.txt, source.txt, expected.json), or folders of them.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every wrong verdict.")] = False,
) -> None:
    """Score verdicts on labelled cases: accuracy, flag precision and recall, and a confusion table."""
    from factcheck.evaluate import Totals, confusion_table, evaluate_case, find_cases, per_verdict_table

    try:
        settings = load_settings()
        folders = find_cases(cases)
    except FactcheckError as e:
        _fail(str(e))
        return
    if not folders:
        _fail("no labelled cases found")
    totals = Totals()
    embedder = _embedder(ctx)
    for folder in folders:
        score = evaluate_case(folder, settings, embedder)
        totals.add(score)
        status = f" error: {score.error}" if score.error else ""
        typer.echo(
            f"{score.name:40s} quotes {score.found}/{score.labelled} verdicts {score.correct}/{score.labelled} "
            f"tp {score.tp} fp {score.fp} fn {score.fn} extra {score.extra}{status}"
        )
        if verbose:
            for want, got, text in score.misses:
                typer.echo(f"   want {want} got {got} | {text}")
    typer.echo("")
    typer.echo(confusion_table(totals.confusion))
    typer.echo("")
    typer.echo(per_verdict_table(totals.per_verdict()))
    typer.echo("")
    typer.echo(
        f"TOTAL {totals.cases} cases, quotes found {totals.found}/{totals.labelled}  verdict accuracy {totals.accuracy:.3f}  "
        f"flag precision {totals.precision:.3f} recall {totals.recall:.3f}  extra quotes {totals.extra}"
    )
    typer.echo(
        f"FLOOR (every quotation called faithful): verdict accuracy {totals.floor_accuracy:.3f}  "
        f"flag precision n/a recall 0.000  ({totals.tp + totals.fn} labelled flags)"
    )
    if totals.claims_labelled:
        typer.echo("")
        typer.echo(per_verdict_table(totals.per_claim_verdict()).replace("verdict  ", "claim    ", 1))
        typer.echo(
            f"CLAIMS found {totals.claims_found}/{totals.claims_labelled}  verdicts {totals.claims_correct}/{totals.claims_labelled}  "
            f"unsupported+contradicted precision {_ratio(totals.claim_precision, totals.claim_tp + totals.claim_fp)} "
            f"recall {_ratio(totals.claim_recall, totals.claim_tp + totals.claim_fn)}  ({totals.claim_tp + totals.claim_fn} labelled)"
        )
        flags = totals.claim_tp + totals.claim_fp + totals.claim_unlabelled_flags
        typer.echo(
            f"CLAIM FLAGS on sentences no label lists: {totals.claim_unlabelled_flags}  "
            f"(precision counting them as false alarms {_ratio(totals.claim_precision_with_unlabelled, flags)})"
        )
    if totals.unreported_labelled:
        typer.echo(f"UNREPORTED findings listed {totals.unreported_found}/{totals.unreported_labelled}")


def _ratio(value: float, denominator: int) -> str:
    """A precision or recall, or n/a when nothing was there to count."""
    return f"{value:.3f}" if denominator else "n/a"


@app.command()
def batch(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="A manifest CSV (release,source[,name]) or a folder of item subfolders.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports, index.html and index.json.")],
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: one per core, at most 8).")] = None,
    formats: Annotated[str, typer.Option("--format", "-f", help="Comma-separated formats: html, json, md, text.")] = "html,json,md",
    engine: Annotated[str, typer.Option("--engine", help="local (worker processes) or ray (a Ray cluster: pip install 'factcheck[scale]').")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="The Ray cluster for --engine ray (default: $RAY_ADDRESS, else a local one started for the batch).")] = None,
) -> None:
    """Check many release/source pairs in parallel; exit 1 when any item failed. Shows items done out of the
    total on a terminal."""
    from factcheck.batch import find_items, parse_formats, run_batch

    try:
        chosen = parse_formats(formats)
        items = find_items(target, out)
        result = run_batch(
            items, out, workers, chosen, load_settings(),
            embedder_factory=_embedder_factory(ctx), progress=_stderr_is_terminal(),
            engine=engine, address=address,
        )
    except FactcheckError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"cannot write to {out}: {e.strerror or e}")
        return
    reused = f", {len(result.reused)} reused from the last run" if result.reused else ""
    ran = f"with {result.workers} workers" if len(result.reused) < len(result.items) else "none checked again"
    typer.echo(
        f"factcheck: {len(result.items)} items in {result.seconds:.1f} s ({result.per_second:.1f} per second) "
        f"{ran}{reused}; index: {result.index_html}",
        err=True,
    )
    if result.failed:
        for item in result.failed:
            typer.echo(f"factcheck: {item.name}: {item.error}", err=True)
        typer.echo(f"factcheck: {len(result.failed)} of {len(result.items)} items failed", err=True)
        raise typer.Exit(1)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (keep 127.0.0.1 unless you mean to share it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 picks a free one).")] = 8000,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a --host other machines can reach.")] = False,
    library: Annotated[
        Path | None,
        typer.Option("--library", help="A library of reports (factcheck library add): a release sent without a "
                     "source is checked against the reports of it that it quotes."),
    ] = None,
    config: ConfigOption = None,
    no_config: NoConfigOption = False,
) -> None:
    """Serve a local page where you paste or upload a release and its source and get the HTML report."""
    from factcheck.web import make_server

    try:
        library = library or _project(config, no_config).library
        server = make_server(
            host, port, load_settings(), embedder=_embedder(ctx), allow_remote=allow_remote, library=library
        )
    except FactcheckError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
        return
    if server.library_reports is not None:
        typer.echo(f"factcheck: a release sent without a source is checked against the library {library} "
                   f"({server.library_reports} reports)", err=True)
    typer.echo(f"factcheck: serving on {server.url} (Ctrl+C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
