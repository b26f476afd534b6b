"""The `factcheck` command: a thin shell over factcheck.check().

The commands use the real embedding model; a caller may put another in its place by starting the app with
`app(obj=Injected(embedder_factory=...))` (or `CliRunner().invoke(app, args, obj=...)`), as the tests do
with a fake one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.config import load_settings, with_overrides
from factcheck.errors import FactcheckError
from factcheck.types import SEVERITY_ORDER, Report

if TYPE_CHECKING:
    from factcheck.embed import Embedder

app = typer.Typer(
    help="Check the quotations in a press release against the document they quote.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


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


@app.command()
def check(
    ctx: typer.Context,
    release: Annotated[str, typer.Argument(help="The press release: a file (text, HTML, PDF, Word, Markdown), an http(s) URL, or - for standard input.")],
    sources: Annotated[list[str], typer.Argument(help="The document(s) it quotes, files or URLs; each quotation is matched against all of them.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here instead of standard output.")] = None,
    source_name: Annotated[
        list[str] | None,
        typer.Option("--source-name", help="A name the release uses for the source (repeatable), e.g. 'Ofsted'."),
    ] = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option("--fail-on", help="Exit with status 1 when any finding reaches this severity."),
    ] = None,
    allow_private_urls: Annotated[
        bool, typer.Option("--allow-private-urls", help="Let URLs reach private, loopback and link-local addresses.")
    ] = False,
    all_unreported: Annotated[
        bool,
        typer.Option("--all-unreported", help="List every source finding the release leaves out, not only the most important."),
    ] = False,
) -> None:
    """Check every quotation in RELEASE against SOURCES and report a verdict for each."""
    from factcheck.run import check_and_render

    try:
        settings = load_settings()
        if allow_private_urls:
            settings = with_overrides(settings, limits={"allow_private_urls": True})
        if all_unreported:
            settings = with_overrides(settings, assess={"unreported_limit": 0})
        result = check_and_render(
            _input(release),
            [_input(s) for s in sources],
            [format.value],
            settings=settings,
            embedder=_embedder(ctx),
            source_names=source_name or [],
            color=output is None and sys.stdout.isatty(),
        )
        report, rendered = result.report, result.texts[format.value]
    except FactcheckError as e:
        _fail(str(e))
        return
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(rendered, encoding="utf-8")
        except OSError as e:
            _fail(f"cannot write {output}: {e.strerror or e}")
    else:
        typer.echo(rendered, nl=False)
    if fail_on is not None and _reaches(report, fail_on.value):
        typer.echo(f"factcheck: a finding reaches severity {fail_on.value}", err=True)
        raise typer.Exit(1)


def _input(argument: str) -> str | Path:
    """A URL stays a string (it is fetched); anything else is a path, never text to check."""
    return argument if argument.startswith(("http://", "https://")) else Path(argument)


def _reaches(report: Report, level: str) -> bool:
    return SEVERITY_ORDER[report.summary.worst_severity] >= SEVERITY_ORDER[level]


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
) -> None:
    """Check many release/source pairs in parallel; exit 1 when any item failed."""
    from factcheck.batch import find_items, parse_formats, run_batch

    try:
        chosen = parse_formats(formats)
        items = find_items(target, out)
        result = run_batch(items, out, workers, chosen, load_settings(), embedder_factory=_embedder_factory(ctx))
    except FactcheckError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"cannot write to {out}: {e.strerror or e}")
        return
    typer.echo(
        f"factcheck: {len(result.items)} items in {result.seconds:.1f} s ({result.per_second:.1f} per second) "
        f"with {result.workers} workers; index: {result.index_html}",
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
) -> None:
    """Serve a local page where you paste or upload a release and its source and get the HTML report."""
    from factcheck.web import make_server

    try:
        server = make_server(host, port, load_settings(), embedder=_embedder(ctx))
    except FactcheckError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
        return
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
