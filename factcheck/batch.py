"""Check many release/source pairs in parallel and write their reports and an index: `factcheck batch`.

A batch is a list of `BatchItem`s, read from a manifest (CSV with the columns release, source and optionally
name; paths relative to the manifest's folder) or from a folder whose subfolders each hold one `release.*` and
one `source.*` file. `run_batch()` checks them in worker processes (concurrent.futures.ProcessPoolExecutor). On
Linux the parent imports the pipeline first and the workers are forked from it, so they start in milliseconds
instead of each importing everything again; elsewhere they are spawned. Each worker builds its settings and its
embedder once, in the pool initializer, with an equal share of the cores for the model; the real embedding
model is loaded lazily, at most once per worker and never in the parent. A failing item (any FactcheckError, or
any unexpected exception) is recorded with its message and the batch goes on.

Outputs, in `out_dir`: `<name>.<ext>` for each item and format, `index.html` (one self-contained page linking
every report, with each item's counts or its error) and `index.json`. Neither index holds a timestamp or a
timing, so the same inputs always give the same bytes.

Test and development switch: with the environment variable FACTCHECK_FAKE_EMBEDDER=1, workers (and
`factcheck serve`) use the deterministic `HashingEmbedder` instead of the real model. It exists to keep tests
fast; never use it for real checks.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from factcheck.config import Settings, load_settings
from factcheck.embed.backends import (
    Embedder,
    HashingEmbedder,
    available_cores,
    default_embedder,
    forget_inherited_state,
)
from factcheck.errors import FactcheckError, InputError
from factcheck.types import SEVERITY_ORDER

FAKE_EMBEDDER_ENV = "FACTCHECK_FAKE_EMBEDDER"
EXTENSIONS = {"html": "html", "json": "json", "md": "md", "text": "txt"}
DEFAULT_FORMATS = ("html", "json", "md")
SEVERITIES = ("high", "medium", "low")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"index"}  # index.html and index.json are the batch's own pages


MAX_DEFAULT_WORKERS = 8  # each worker holds its own copy of the model (about 200 MB)


def default_workers() -> int:
    return max(1, min(MAX_DEFAULT_WORKERS, available_cores()))


def _start_method() -> str:
    """Fork when it is safe: never once this process has loaded a model runtime, whose thread pools a forked
    child would inherit without their threads."""
    runtimes = ("torch", "onnxruntime")
    if sys.platform.startswith("linux") and not any(m in sys.modules for m in runtimes):  # macOS: fork is unsafe
        return "fork"
    return "spawn"


def _preload() -> None:
    """What every worker needs, imported (and pysbd's rules compiled) once in the parent before it forks."""
    import factcheck.pipeline
    import factcheck.report  # noqa: F401
    from factcheck.text import sentence_segmenter as _segmenter

    _segmenter()


def fake_embedder_requested() -> bool:
    """FACTCHECK_FAKE_EMBEDDER=1 (a test and development switch): use HashingEmbedder, not the real model."""
    return os.environ.get(FAKE_EMBEDDER_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def choose_embedder(settings: Settings) -> Embedder:
    """The embedder of this process: the fake one under FACTCHECK_FAKE_EMBEDDER=1, else the shared real model
    (factcheck.embed.default_embedder, one per process, loaded on first use)."""
    if fake_embedder_requested():
        return HashingEmbedder()
    return default_embedder(settings.embedding)


# --- the items --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    """One release/source pair. `release_name`/`source_name` are how reports name the inputs (paths relative
    to the manifest or batch folder, so reports do not depend on where the batch lives). `error` is set when
    the item could not even be put together (a folder with two release files, say)."""

    name: str
    release: Path
    source: Path
    release_name: str = ""
    source_name: str = ""
    error: str = ""


def safe_name(name: str) -> str:
    """A file-name-safe form of an item name: letters, digits, dot, dash and underscore."""
    cleaned = _UNSAFE.sub("-", name).strip(".-")[:100]
    return cleaned or "item"


def unique_names(names: Iterable[str]) -> list[str]:
    """Safe names, made unique (case-insensitively, for case-insensitive file systems) by a -2, -3 suffix."""
    taken = set(_RESERVED)
    out: list[str] = []
    for raw in names:
        base = safe_name(raw)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        out.append(name)
    return out


def _shown(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def items_from_manifest(manifest: Path) -> list[BatchItem]:
    """Items listed in a CSV manifest with the columns release, source and optionally name."""
    base = manifest.parent
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(f"{manifest}: {e.strerror or e}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{manifest} is not a readable CSV file: {e}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(f"{manifest} is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    if "release" not in header or "source" not in header:
        raise InputError(f"{manifest} needs a header row with the columns release and source (and optionally name)")
    col = {key: header.index(key) for key in ("release", "source", "name") if key in header}

    def cell(row: list[str], key: str) -> str:
        i = col.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    entries = []
    for row in rows[1:]:
        release, source = cell(row, "release"), cell(row, "source")
        name = cell(row, "name") or str(Path(release).with_suffix("")).replace(os.sep, "-").replace("/", "-")
        entries.append((name, release, source))
    if not entries:
        raise InputError(f"{manifest} lists no items")
    items = []
    for unique, (_, release, source) in zip(unique_names(e[0] for e in entries), entries):
        error = "" if release and source else "the manifest row needs both a release and a source"
        release_path, source_path = base / release, base / source
        items.append(
            BatchItem(unique, release_path, source_path, release or "(none)", source or "(none)", error)
        )
    return items


def items_from_dir(folder: Path, exclude: Sequence[Path] = ()) -> list[BatchItem]:
    """One item per subfolder (sorted by name) holding release.* and source.* files; subfolders holding
    neither are skipped (an output folder, say), subfolders holding one of them or two of a kind are errors."""
    excluded = {p.resolve() for p in exclude}
    found: list[tuple[str, Path, Path, str]] = []
    for sub in sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.name):
        if sub.name.startswith(".") or sub.resolve() in excluded:
            continue
        releases = sorted(p for p in sub.glob("release.*") if p.is_file())
        sources = sorted(p for p in sub.glob("source.*") if p.is_file())
        if not releases and not sources:
            continue
        error = ""
        for kind, files in (("release", releases), ("source", sources)):
            if not files:
                error = error or f"{sub.name}/ has no {kind}.* file"
            elif len(files) > 1:
                error = error or f"{sub.name}/ has more than one {kind} file: {', '.join(p.name for p in files)}"
        release = releases[0] if releases else sub / "release"
        source = sources[0] if sources else sub / "source"
        found.append((sub.name, release, source, error))
    if not found:
        raise InputError(f"{folder} has no subfolders holding release.* and source.* files")
    return [
        BatchItem(unique, release, source, _shown(release, folder), _shown(source, folder), error)
        for unique, (_, release, source, error) in zip(unique_names(f[0] for f in found), found)
    ]


def find_items(target: Path, out_dir: Path | None = None) -> list[BatchItem]:
    """The items of a manifest file or of a batch folder."""
    if not target.exists():
        raise InputError(f"{target}: no such file or folder")
    if target.is_dir():
        return items_from_dir(target, exclude=[out_dir] if out_dir else [])
    return items_from_manifest(target)


def parse_formats(value: str | Sequence[str]) -> tuple[str, ...]:
    """'html,json,md' as a tuple of known formats, in the order given, without repeats."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    formats = tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))
    unknown = [f for f in formats if f not in EXTENSIONS]
    if unknown or not formats:
        raise InputError(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(EXTENSIONS)}")
    return formats


# --- the results ------------------------------------------------------------------------------------------


@dataclass
class ItemResult:
    """What became of one item: its reports and counts, or its error."""

    name: str
    release: str
    source: str
    reports: dict[str, str] = field(default_factory=dict)  # format -> file name in out_dir
    quotes: int = 0
    checked: int = 0
    flagged: int = 0
    severities: dict[str, int] = field(default_factory=dict)  # high, medium, low
    worst_severity: str = "none"
    error: str = ""
    error_type: str = ""
    seconds: float = 0.0  # not written to the index: it would make the index differ from run to run

    @property
    def ok(self) -> bool:
        return not self.error

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("seconds")
        data["status"] = "ok" if self.ok else "error"
        return data


@dataclass
class BatchResult:
    items: list[ItemResult]
    out_dir: Path
    workers: int
    formats: tuple[str, ...]
    seconds: float = 0.0

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.items if not r.ok]

    @property
    def succeeded(self) -> list[ItemResult]:
        return [r for r in self.items if r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def per_second(self) -> float:
        return len(self.items) / self.seconds if self.seconds > 0 else 0.0

    @property
    def index_html(self) -> Path:
        return self.out_dir / "index.html"

    @property
    def index_json(self) -> Path:
        return self.out_dir / "index.json"


# --- the worker side --------------------------------------------------------------------------------------

_worker_settings: Settings | None = None
_worker_embedder: Embedder | None = None


def _init_worker(
    settings: Settings | None, embedder_factory: Callable[[], Embedder] | None, cores_each: int = 0
) -> None:
    """Pool initializer: this worker's settings and embedder, built once (the real model loads on first use)."""
    global _worker_settings, _worker_embedder
    forget_inherited_state()
    _worker_settings = settings or load_settings()
    if cores_each and not _worker_settings.embedding.threads:
        embedding = _worker_settings.embedding.model_copy(update={"threads": cores_each})
        _worker_settings = _worker_settings.model_copy(update={"embedding": embedding})
    if embedder_factory is not None:
        _worker_embedder = embedder_factory()
    else:
        _worker_embedder = choose_embedder(_worker_settings)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _run_item(item: BatchItem, out_dir: Path, formats: tuple[str, ...]) -> ItemResult:
    """Check one item in a worker and write its reports; every error becomes part of the result."""
    from factcheck.inputs import load
    from factcheck.pipeline import check
    from factcheck.report import render

    started = time.perf_counter()
    result = ItemResult(item.name, item.release_name or str(item.release), item.source_name or str(item.source))
    try:
        if item.error:
            raise InputError(item.error)
        settings = _worker_settings or load_settings()
        release = load(item.release, settings)
        source = load(item.source, settings)
        release.name, source.name = result.release, result.source
        report = check(release, source, settings=settings, embedder=_worker_embedder)
        for fmt in formats:
            file_name = f"{item.name}.{EXTENSIONS[fmt]}"
            _write(out_dir / file_name, render(report, fmt, source_text=source.text))
            result.reports[fmt] = file_name
        s = report.summary
        result.quotes, result.checked, result.flagged = s.quotes, s.checked, s.flagged
        result.severities = {level: s.severities.get(level, 0) for level in SEVERITIES}
        result.worst_severity = s.worst_severity
    except Exception as e:  # noqa: BLE001 - one bad item must not stop the batch
        _fail_item(result, e, out_dir, item.name, formats)
        # Name the inputs as the reports do, so the index does not depend on where the batch lives.
        for path, shown in ((item.release, result.release), (item.source, result.source)):
            result.error = result.error.replace(str(path), shown)
    result.seconds = time.perf_counter() - started
    return result


def _fail_item(result: ItemResult, error: BaseException, out_dir: Path, name: str, formats: Sequence[str]) -> None:
    if isinstance(error, FactcheckError):
        result.error = str(error)
    else:
        result.error = f"unexpected error: {type(error).__name__}: {error}"
    result.error_type = type(error).__name__
    result.reports = {}
    result.quotes = result.checked = result.flagged = 0
    result.severities = {}
    result.worst_severity = "none"
    for fmt in formats:  # a report left from an earlier run must not pass for this one
        try:
            (out_dir / f"{name}.{EXTENSIONS[fmt]}").unlink(missing_ok=True)
        except OSError:
            pass


# --- the parent side --------------------------------------------------------------------------------------


def run_batch(
    items: Sequence[BatchItem],
    out_dir: Path,
    workers: int | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    settings: Settings | None = None,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    progress: bool = True,
) -> BatchResult:
    """Check every item in worker processes, write each one's reports into `out_dir`, then index.html and
    index.json. `embedder_factory` (a picklable callable, e.g. `HashingEmbedder`) replaces the real model in
    the workers; by default they use the real one (or the fake one under FACTCHECK_FAKE_EMBEDDER=1).
    `progress` shows a rich progress bar on standard error."""
    formats = parse_formats(formats)
    settings = settings or load_settings()
    workers = max(1, min(workers or default_workers(), len(items) or 1))
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: list[ItemResult | None] = [None] * len(items)
    if items:
        method = _start_method()
        if method == "fork":
            _preload()
        executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(settings, embedder_factory, max(1, available_cores() // workers)),
        )
        # Submitted before the progress bar starts its thread, so the workers are forked from a process
        # running one thread.
        futures: dict[Future[ItemResult], int] = {
            executor.submit(_run_item, item, out_dir, formats): i for i, item in enumerate(items)
        }
        with _progress(progress, len(items)) as advance:
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = _collect(future, items[i], out_dir, formats)
                    advance(results[i])
            except BaseException:
                executor.shutdown(wait=False, cancel_futures=True)
                raise
            executor.shutdown(wait=True)
    done = [r for r in results if r is not None]
    batch = BatchResult(done, out_dir, workers, formats, time.perf_counter() - started)
    write_index(batch)
    return batch


def _collect(future: Future[ItemResult], item: BatchItem, out_dir: Path, formats: Sequence[str]) -> ItemResult:
    try:
        return future.result()
    except BrokenProcessPool as e:  # a worker died (killed, out of memory): its items fail, the others stand
        result = ItemResult(item.name, item.release_name or str(item.release), item.source_name or str(item.source))
        _fail_item(result, e, out_dir, item.name, formats)
        result.error = "unexpected error: the worker process checking it died"
        return result
    except Exception as e:  # noqa: BLE001 - e.g. a result that could not be sent back
        result = ItemResult(item.name, item.release_name or str(item.release), item.source_name or str(item.source))
        _fail_item(result, e, out_dir, item.name, formats)
        return result


class _progress:
    """A rich progress bar on standard error (or nothing), advanced once per finished item."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total
        self.failed = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[ItemResult], None]:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]factcheck batch[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("checking", total=self.total, failed=0)
        return self.advance

    def advance(self, result: ItemResult | None) -> None:
        if result is not None and not result.ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


# --- the index --------------------------------------------------------------------------------------------


def index_data(batch: BatchResult) -> dict[str, Any]:
    from factcheck.pipeline import __version__

    items = [r.to_json() for r in batch.items]
    return {
        "factcheck_version": __version__,
        "formats": list(batch.formats),
        "totals": {
            "items": len(batch.items),
            "succeeded": len(batch.succeeded),
            "failed": len(batch.failed),
            "quotes": sum(r.quotes for r in batch.items),
            "flagged": sum(r.flagged for r in batch.items),
            "severities": {s: sum(r.severities.get(s, 0) for r in batch.items) for s in SEVERITIES},
        },
        "items": items,
    }


def render_index(batch: BatchResult) -> str:
    """index.html: one self-contained page (inline CSS, no script) listing every item, escaped throughout."""
    data = index_data(batch)
    rows = []
    for r in batch.items:
        link = r.reports.get("html") or next(iter(r.reports.values()), "")
        rows.append({"result": r, "link": link, "rank": SEVERITY_ORDER.get(r.worst_severity, 0)})
    return (
        templates()
        .get_template("index.html.j2")
        .render(
            version=data["factcheck_version"],
            totals=data["totals"],
            rows=rows,
            severities=SEVERITIES,
            formats=batch.formats,
            extensions=EXTENSIONS,
        )
    )


def write_index(batch: BatchResult) -> None:
    _write(batch.index_json, json.dumps(index_data(batch), indent=2, ensure_ascii=False) + "\n")
    _write(batch.index_html, render_index(batch))


_TEMPLATES: Any = None


def templates() -> Any:
    """The Jinja environment of factcheck/report/templates (autoescaping on), shared by batch and serve."""
    global _TEMPLATES
    if _TEMPLATES is None:
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

        _TEMPLATES = Environment(
            loader=PackageLoader("factcheck.report", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    return _TEMPLATES
