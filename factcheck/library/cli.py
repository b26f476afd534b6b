"""The library's commands: `factcheck library add|list` (a typer sub-app) and `factcheck find`.

factcheck/cli.py registers them; they follow its conventions: the result on standard output, errors and
counts on standard error, a one-line error and exit 2 for bad input. An embedder injected into the app
(`Injected(embedder_factory=...)`, as the tests do) is used in place of the real model.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.errors import FactcheckError

if TYPE_CHECKING:
    from factcheck.embed import Embedder
    from factcheck.library.discover import Candidate

library_app = typer.Typer(
    help="Keep a library of reports, so that `factcheck find` can tell which one a release quotes.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

LibraryOption = Annotated[Path, typer.Option("--library", help="The library folder (made by `factcheck library add`).")]
SHOWN_CHARS = 100  # of a quotation or sentence in the text listing


class FindFormat(str, Enum):
    text = "text"
    json = "json"


def _embedder(ctx: typer.Context) -> Embedder | None:
    factory = getattr(ctx.obj, "embedder_factory", None)
    return factory() if factory is not None else None


def _fail(message: str) -> None:
    typer.echo(f"factcheck: error: {message}", err=True)
    raise typer.Exit(2)


ENGINES = ("local", "ray")


@library_app.command("add")
def add(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(help="Reports to add (any format factcheck reads), or folders: every document file in them."),
    ],
    library: LibraryOption,
    embed: Annotated[
        bool,
        typer.Option("--embed/--no-embed", help="Also embed each report's sentences, so releases whose quotations "
                     "no report holds are matched by meaning too (about 50 times slower to add; reports added "
                     "before without are embedded then too)."),
    ] = False,
    engine: Annotated[
        str,
        typer.Option("--engine", help="local (this process) or ray (read and embed on a Ray cluster, this process "
                     "writing the library: pip install 'factcheck[scale]')."),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", help="The Ray cluster for --engine ray (default: $RAY_ADDRESS, else a local one "
                     "started for the add)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Ray workers for --engine ray (default: one per core, at most 8; on a "
                     "cluster, one per CPU of it)."),
    ] = None,
) -> None:
    """Add reports to the library, creating it if needed. A report already there (the same text, from any path)
    is stored once; a file that cannot be read is reported and skipped (exit 1). Both engines make the same
    library."""
    from factcheck.config import load_settings
    from factcheck.library.index import Outcome, add_reports, library_embedder

    def report(outcome: Outcome) -> None:
        if outcome.status == "failed":
            typer.echo(f"factcheck: warning: skipped {outcome.error}", err=True)

    try:
        if engine not in ENGINES:
            raise FactcheckError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
        if address and engine != "ray":
            raise FactcheckError(f"{address} is a Ray cluster's address: it needs the ray engine (--engine ray)")
        if workers and engine != "ray":
            raise FactcheckError("--workers is for the ray engine (--engine ray): the local engine adds in this process")
        settings = load_settings()
        if engine == "ray":
            from factcheck.library.ray_add import add_reports_on_ray

            outcomes = add_reports_on_ray(
                paths, library, settings, embed=embed, embedder_factory=getattr(ctx.obj, "embedder_factory", None),
                workers=workers, address=address, on_outcome=report,
            )
        else:
            embedder = (_embedder(ctx) or library_embedder(settings)) if embed else None
            outcomes = add_reports(paths, library, settings, embedder=embedder, on_outcome=report)
    except FactcheckError as e:
        _fail(str(e))
        return
    counts = {status: sum(o.status == status for o in outcomes) for status in ("added", "duplicate", "failed")}
    typer.echo(
        f"factcheck: {counts['added']} added, {counts['duplicate']} already in the library, "
        f"{counts['failed']} skipped: {library}",
        err=True,
    )
    if counts["failed"]:
        raise typer.Exit(1)


@library_app.command("list")
def list_reports(library: LibraryOption) -> None:
    """List the reports in the library: digest, words, and the path each was first added from."""
    from factcheck.library.store import Library

    try:
        with Library.open(library) as opened:
            rows = opened.conn.execute("SELECT digest, words, name FROM documents ORDER BY id").fetchall()
    except FactcheckError as e:
        _fail(str(e))
        return
    for digest, words, name in rows:
        typer.echo(f"{digest[:12]}  {words:>8,} words  {name}")


def find(
    ctx: typer.Context,
    release: Annotated[str, typer.Argument(help="The press release: a file, an http(s) URL, or - for standard input.")],
    library: LibraryOption,
    format: Annotated[FindFormat, typer.Option("--format", "-f", help="Output format.")] = FindFormat.text,
    top: Annotated[int, typer.Option("--top", min=1, help="List at most this many reports.")] = 5,
) -> None:
    """Rank the reports in the library that RELEASE quotes, with the quotations each one holds."""
    from factcheck.config import load_settings
    from factcheck.library.discover import discover

    source: str | Path = release if release.startswith(("http://", "https://")) else Path(release)
    try:
        candidates = discover(source, library, load_settings(), top=top, embedder=_embedder(ctx))
    except FactcheckError as e:
        _fail(str(e))
        return
    if format is FindFormat.json:
        typer.echo(json.dumps({"release": release, "candidates": [c.model_dump() for c in candidates]}, indent=2))
        return
    typer.echo(render_candidates(candidates), nl=False)


def render_candidates(candidates: list[Candidate]) -> str:
    """The text listing: one block per report, best first, with the evidence for it."""
    if not candidates:
        return "No report in the library holds this release's quotations or sentences.\n"
    lines: list[str] = []
    for c in candidates:
        held = f"{len(c.quotations)} quotations" if c.evidence == "quotations" else f"{len(c.sentences)} sentences"
        lines.append(f"{c.rank}. {c.name}  (score {c.score:g}, {held}, {c.digest[:12]})")
        for q in c.quotations:
            lines.append(f"   \u201c{_short(q.text)}\u201d  {q.score:g}% aligned")
        for s in c.sentences:
            how = f"{s.overlap:.0%} of its words" if s.overlap else f"similarity {s.similarity:.2f}"
            lines.append(f"   {_short(s.text)}  ({how})")
    return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "\u2026"
