"""Checking a batch's items in worker processes (concurrent.futures.ProcessPoolExecutor).

On Linux the parent imports the pipeline first and the workers are forked from it, so they start in
milliseconds instead of each importing everything again; elsewhere they are spawned. Each worker builds its
settings and its embedder once, in the pool initializer, with an equal share of the cores for the model; the
real embedding model is loaded lazily, at most once per worker and never in the parent. A failing item (any
FactcheckError, or any unexpected exception) is recorded with its message and the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from factcheck.batch.items import DEFAULT_FORMATS, EXTENSIONS, BatchItem, parse_formats
from factcheck.batch.output import write_atomically, write_index
from factcheck.batch.results import SEVERITIES, BatchResult, ItemResult
from factcheck.config import Settings, load_settings, with_overrides
from factcheck.embed import Embedder, available_cores, default_embedder, forget_inherited_state
from factcheck.errors import FactcheckError, InputError

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
    """What every worker needs, imported (and pysbd's rules compiled, by splitting a paragraph) once in the parent
    before it forks."""
    import factcheck.run  # noqa: F401 - the pipeline and the renderers
    from factcheck.text import split_paragraph

    split_paragraph("The rules are compiled. Once, before the fork.")


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
        _worker_settings = with_overrides(_worker_settings, embedding={"threads": cores_each})
    if embedder_factory is not None:
        _worker_embedder = embedder_factory()
    else:
        _worker_embedder = default_embedder(_worker_settings.embedding)


def _run_item(item: BatchItem, out_dir: Path, formats: tuple[str, ...]) -> ItemResult:
    """Check one item in a worker and write its reports; every error becomes part of the result."""
    from factcheck.inputs import load
    from factcheck.run import check_and_render

    started = time.perf_counter()
    result = ItemResult(item.name, item.release_name or str(item.release), item.source_name or str(item.source))
    try:
        if item.error:
            raise InputError(item.error)
        settings = _worker_settings or load_settings()
        release = load(item.release, settings)
        source = load(item.source, settings)
        release.name, source.name = result.release, result.source
        rendered = check_and_render(release, [source], formats, settings=settings, embedder=_worker_embedder)
        for fmt, text in rendered.texts.items():
            file_name = f"{item.name}.{EXTENSIONS[fmt]}"
            write_atomically(out_dir / file_name, text)
            result.reports[fmt] = file_name
        report = rendered.report
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
    index.json. `embedder_factory` (a picklable callable, such as a class the workers can import) replaces the
    real model in the workers; by default each uses the shared real one (factcheck.embed.default_embedder).
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
        with _ProgressBar(progress, len(items)) as advance:
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    finished = results[i] = _collect(future, items[i], out_dir, formats)
                    advance(finished)
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


class _ProgressBar:
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

    def advance(self, result: ItemResult) -> None:
        if not result.ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

