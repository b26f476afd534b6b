"""What a batch worker does, whichever engine runs it (a local process pool or a Ray actor): build its
settings and its embedder once, then check items and render their reports. A worker writes nothing: the
parent writes every report and manifest (`factcheck.batch.resume.store`), so one process decides what is on
disk."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from factcheck.batch.items import BatchItem
from factcheck.batch.results import SEVERITIES, ItemResult
from factcheck.config import Settings, load_settings, with_overrides
from factcheck.embed import Embedder, default_embedder, forget_inherited_state
from factcheck.errors import FactcheckError, InputError

WORKER_DIED = "unexpected error: the worker process checking it died"

_worker_settings: Settings | None = None
_worker_embedder: Embedder | None = None


@dataclass(frozen=True)
class ItemOutcome:
    """A checked item as a worker sends it back: its result, and each format's report (none if it failed)."""

    result: ItemResult
    texts: dict[str, str] = field(default_factory=dict)


def init_worker(
    settings: Settings | None, embedder_factory: Callable[[], Embedder] | None, cores_each: int = 0
) -> None:
    """This worker's settings and embedder, built once (the real model loads on first use). `cores_each` is
    the worker's share of the cores for the model, unless the settings name a number of threads."""
    global _worker_settings, _worker_embedder
    forget_inherited_state()
    _worker_settings = settings or load_settings()
    if cores_each and not _worker_settings.embedding.threads:
        _worker_settings = with_overrides(_worker_settings, embedding={"threads": cores_each})
    if embedder_factory is not None:
        _worker_embedder = embedder_factory()
    else:
        _worker_embedder = default_embedder(_worker_settings.embedding)


def new_result(item: BatchItem) -> ItemResult:
    return ItemResult(item.name, item.release_name or str(item.release), item.source_name or str(item.source))


def check_item(item: BatchItem, formats: tuple[str, ...]) -> ItemOutcome:
    """Check one item and render its reports; every error becomes part of the result."""
    from factcheck.inputs import load
    from factcheck.run import check_and_render

    started = time.perf_counter()
    result = new_result(item)
    texts: dict[str, str] = {}
    try:
        if item.error:
            raise InputError(item.error)
        settings = _worker_settings or load_settings()
        release = load(item.release, settings)
        source = load(item.source, settings)
        release.name, source.name = result.release, result.source
        rendered = check_and_render(release, [source], formats, settings=settings, embedder=_worker_embedder)
        texts = dict(rendered.texts)
        s = rendered.report.summary
        result.quotes, result.checked, result.flagged = s.quotes, s.checked, s.flagged
        result.severities = {level: s.severities.get(level, 0) for level in SEVERITIES}
        result.worst_severity = s.worst_severity
    except Exception as e:  # noqa: BLE001 - one bad item must not stop the batch
        fail(result, e)
        texts = {}
        # Name the inputs as the reports do, so the index does not depend on where the batch lives.
        for path, shown in ((item.release, result.release), (item.source, result.source)):
            result.error = result.error.replace(str(path), shown)
    result.seconds = time.perf_counter() - started
    return ItemOutcome(result, texts)


def fail(result: ItemResult, error: BaseException, message: str = "") -> None:
    """Mark `result` failed by `error` (its message, or `message`), with no reports and no counts."""
    if message:
        result.error = message
    elif isinstance(error, FactcheckError):
        result.error = str(error)
    else:
        result.error = f"unexpected error: {type(error).__name__}: {error}"
    result.error_type = type(error).__name__
    result.reports = {}
    result.quotes = result.checked = result.flagged = 0
    result.severities = {}
    result.worst_severity = "none"


def failed_outcome(item: BatchItem, error: BaseException, message: str = "") -> ItemOutcome:
    """The outcome of an item whose worker never answered (it died, or its answer could not be sent)."""
    result = new_result(item)
    fail(result, error, message)
    return ItemOutcome(result)
