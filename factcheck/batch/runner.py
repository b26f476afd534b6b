"""Checking a batch: `run_batch()` takes the items an earlier run into the same folder finished (`resume`),
has an engine check the others, writes each one's reports as it comes back, then the index.

The local engine (the default) checks items in worker processes (concurrent.futures.ProcessPoolExecutor). On
Linux the parent imports the pipeline first and the workers are forked from it, so they start in milliseconds
instead of each importing everything again; elsewhere they are spawned. Each worker builds its settings and
its embedder once, in the pool initializer, with an equal share of the cores for the model; the real
embedding model is loaded lazily, at most once per worker and never in the parent. The ray engine does the
same with one Ray actor per worker (`ray_engine`). A failing item (any FactcheckError, or any unexpected
exception) is recorded with its message and the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from factcheck.batch.items import DEFAULT_FORMATS, BatchItem, parse_formats
from factcheck.batch.output import write_index
from factcheck.batch.results import BatchResult, ItemResult
from factcheck.batch.resume import batch_fingerprint, item_fingerprint, reuse, store
from factcheck.batch.worker import WORKER_DIED, ItemOutcome, check_item, failed_outcome, init_worker
from factcheck.config import Settings, load_settings
from factcheck.embed import Embedder, available_cores
from factcheck.errors import EngineError

MAX_DEFAULT_WORKERS = 8  # each worker holds its own copy of the model (about 200 MB)
ENGINES = ("local", "ray")


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


class Engine(Protocol):
    """Checks the items it was given, on `workers` workers, and yields each one's outcome as it finishes (with
    the item's position in the batch)."""

    workers: int

    def outcomes(self) -> Iterator[tuple[int, ItemOutcome]]: ...

    def close(self, cancel: bool) -> None: ...


class LocalEngine:
    """Worker processes on this machine. The items are all submitted at once, before any other thread starts,
    so the workers are forked from a process running one thread."""

    def __init__(
        self,
        pending: Sequence[tuple[int, BatchItem]],
        formats: tuple[str, ...],
        settings: Settings,
        embedder_factory: Callable[[], Embedder] | None,
        workers: int | None,
    ) -> None:
        self.workers = max(1, min(workers or default_workers(), len(pending) or 1))
        method = _start_method()
        if method == "fork":
            _preload()
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=init_worker,
            initargs=(settings, embedder_factory, max(1, available_cores() // self.workers)),
        )
        self._futures: dict[Future[ItemOutcome], tuple[int, BatchItem]] = {
            self._executor.submit(check_item, item, formats): (i, item) for i, item in pending
        }

    def outcomes(self) -> Iterator[tuple[int, ItemOutcome]]:
        for future in as_completed(self._futures):
            i, item = self._futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool as e:  # a worker died (killed, out of memory): its items fail
                outcome = failed_outcome(item, e, WORKER_DIED)
            except Exception as e:  # noqa: BLE001 - e.g. a result that could not be sent back
                outcome = failed_outcome(item, e)
            yield i, outcome

    def close(self, cancel: bool) -> None:
        self._executor.shutdown(wait=not cancel, cancel_futures=cancel)


def _engine(
    name: str,
    pending: Sequence[tuple[int, BatchItem]],
    formats: tuple[str, ...],
    settings: Settings,
    embedder_factory: Callable[[], Embedder] | None,
    workers: int | None,
    address: str | None,
) -> Engine:
    if name == "ray":
        from factcheck.batch.ray_engine import RayEngine

        return RayEngine(pending, formats, settings, embedder_factory, workers, address)
    return LocalEngine(pending, formats, settings, embedder_factory, workers)


def run_batch(
    items: Sequence[BatchItem],
    out_dir: Path,
    workers: int | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    settings: Settings | None = None,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    progress: bool = True,
    engine: str = "local",
    address: str | None = None,
) -> BatchResult:
    """Check every item, write each one's reports into `out_dir`, then index.html and index.json.

    Items that an earlier run into `out_dir` finished, with the same inputs and everything else that decides
    their reports unchanged, are reused, not checked again (`factcheck.batch.resume`); the index lists every
    item either way, and the files are the same bytes as a fresh run's. `engine` "local" checks the others in
    worker processes on this machine, "ray" on a Ray cluster (`factcheck.batch.ray_engine`): the one at
    `address` (default: $RAY_ADDRESS, as in Ray), or a local one started for the batch. `workers` is the
    number of worker processes (Ray actors): by default one per core, at most 8, or on a Ray cluster at an
    address, one per CPU of the cluster. `embedder_factory` (a picklable callable, such as a class the workers
    can import) replaces the real model in the workers; by default each uses the shared real one
    (factcheck.embed.default_embedder). `progress` shows a rich progress bar on standard error."""
    formats = parse_formats(formats)
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if address and engine != "ray":
        raise EngineError(f"{address} is a Ray cluster's address: it needs the ray engine (--engine ray)")
    settings = settings or load_settings()
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shared = batch_fingerprint(formats, settings, embedder_factory)
    fingerprints = [item_fingerprint(item, shared) for item in items]
    results: list[ItemResult | None] = [reuse(out_dir, item, fp) for item, fp in zip(items, fingerprints)]
    pending = [(i, item) for i, item in enumerate(items) if results[i] is None]
    # Started before the progress bar draws from its own thread: the local engine forks its workers.
    checking = None
    if pending:
        checking = _engine(engine, pending, formats, settings, embedder_factory, workers, address)
    try:
        with _ProgressBar(progress, len(items)) as advance:
            for earlier in results:
                if earlier is not None:
                    advance(earlier)
            for i, outcome in checking.outcomes() if checking else ():
                finished = results[i] = store(out_dir, outcome, fingerprints[i], formats)
                advance(finished)
    except BaseException:
        if checking:
            checking.close(cancel=True)
        raise
    if checking:
        checking.close(cancel=False)
    done = [r for r in results if r is not None]
    seconds = time.perf_counter() - started
    batch = BatchResult(done, out_dir, checking.workers if checking else 0, formats, seconds, engine)
    write_index(batch)
    return batch


class _ProgressBar:
    """A rich progress bar on standard error (or nothing), advanced once per finished or reused item."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total
        self.failed = self.reused = 0
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
                TextColumn("{task.fields[reused]} reused"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("checking", total=self.total, failed=0, reused=0)
        return self.advance

    def advance(self, result: ItemResult) -> None:
        self.failed += not result.ok
        self.reused += result.reused
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed, reused=self.reused)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

