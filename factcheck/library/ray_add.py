"""`factcheck library add --engine ray`: reports read, segmented and (with --embed) embedded by Ray actors,
stored by this process alone.

The same library as `add_reports` (the local engine) makes from the same paths: the actors do what costs time
(reading each file by its content, finding its paragraphs and sentences, its digest, its passages, and their
vectors, the model loaded once per actor), and this process, the only writer, stores each report as the
local engine does (`Library.insert`, one transaction a report), in the order of the paths, so each report gets
the same row id and a kill mid-add leaves every report wholly in or not in at all. Results that come back
early wait for the ones before them, at most READ_AHEAD a worker. Reports added before without vectors are
embedded by the actors too, then the approximate index is brought up to date here, from SQLite, as locally.

The cluster is factcheck.batch.ray_engine.RayCluster: a local Ray instance started for the add (no address
given nor in $RAY_ADDRESS), or the cluster at the address; the actors read the files by their paths, so on
several machines the files must be at the same path on every node.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from factcheck.batch.ray_engine import last_line
from factcheck.config import Settings, with_overrides
from factcheck.errors import EngineError, FactcheckError
from factcheck.library.index import Outcome, PassageIndex, document_paths, library_embedder, model_key
from factcheck.library.store import Library, content_digest, passages_of
from factcheck.text import LoadedDocument
from factcheck.types import Span

if TYPE_CHECKING:
    from factcheck.embed import Embedder

IN_FLIGHT = 2  # files queued on each actor, so it never waits for this process between two
READ_AHEAD = 8  # files a worker may have read beyond the first one not yet stored (bounds what waits in memory)
WORKER_DIED = "unexpected error: the worker reading it died"


@dataclass(frozen=True)
class ReadReport:
    """One file as an actor read it: what `Library.insert` stores (no document for a report already stored
    when the add began, which is only given another path), or why it could not be read."""

    path: str
    digest: str = ""
    doc: LoadedDocument | None = None
    passages: list[Span] = field(default_factory=list)
    vectors: np.ndarray | None = None
    error: str = ""


class ReportReader:
    """What each Ray actor holds: its settings and, when embedding, its embedder (the real model without the
    disk cache, as the local engine uses, unless a factory is given), built once."""

    def __init__(
        self,
        settings: Settings,
        embed: bool,
        embedder_factory: Callable[[], Embedder] | None,
        cores_each: int,
        code: str,
        stored: frozenset[str],
    ) -> None:
        from factcheck.batch.resume import code_digest
        from factcheck.embed import forget_inherited_state

        if code_digest() != code:
            raise EngineError("a Ray worker runs other factcheck code than this process; install the same factcheck on every node")
        forget_inherited_state()
        if cores_each and not settings.embedding.threads:
            settings = with_overrides(settings, embedding={"threads": cores_each})
        self.settings = settings
        self.embedder: Embedder | None = None
        if embed:
            self.embedder = embedder_factory() if embedder_factory is not None else library_embedder(settings)
        self.stored = stored  # digests in the library when the add began: those files are not embedded again

    def model(self) -> str | None:
        """The name this actor's vectors are stored under (None without an embedder)."""
        return model_key(self.embedder) if self.embedder is not None else None

    def read(self, path: str) -> ReadReport:
        from factcheck.inputs import load

        try:
            doc = load(Path(path), self.settings)
            digest = content_digest(doc)
            if digest in self.stored:
                return ReadReport(path, digest)
            passages = passages_of(doc)
            vectors = self.embed([doc.text[p.start : p.end] for p in passages]) if self.embedder is not None else None
            return ReadReport(path, digest, doc, passages, vectors)
        except FactcheckError as e:
            return ReadReport(path, error=str(e))

    def embed(self, texts: list[str]) -> np.ndarray:
        assert self.embedder is not None
        return self.embedder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)

    def pid(self) -> int:
        return os.getpid()


def add_reports_on_ray(
    paths: Iterable[Path],
    library_dir: Path,
    settings: Settings,
    *,
    embed: bool = False,
    embedder_factory: Callable[[], Embedder] | None = None,
    workers: int | None = None,
    address: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """What `add_reports(paths, library_dir, settings, embedder=...)` does, the reading and embedding done by
    Ray actors (see the module's docstring); `embed` embeds with the real model, or with what
    `embedder_factory` makes in each actor. EngineError when Ray is missing, the cluster cannot be reached
    or its workers cannot start."""
    from factcheck.batch.ray_engine import RayCluster
    from factcheck.batch.resume import code_digest

    files = [str(path) for path in document_paths(paths)]
    outcomes: list[Outcome] = []
    with Library.open(library_dir, create=True) as library:  # an unusable library is said before Ray starts
        if not files and not (embed and library.count()):
            return outcomes
        stored = frozenset(str(row[0]) for row in library.conn.execute("SELECT digest FROM documents"))
        cluster = RayCluster(workers, len(files) or library.count(), embedder_factory, address)
        try:
            ray = cluster.ray
            actors = cluster.start(ReportReader, settings, embed, embedder_factory, cluster.cores_each, code_digest(), stored)
            models = set(ray.get([actor.model.remote() for actor in actors]))
            if len(models) != 1:
                raise EngineError(f"the Ray workers embed with different models: {', '.join(sorted(map(str, models)))}")
            model = models.pop()
            for read in _in_order(ray, actors, files, "read"):
                outcome = _store(library, read, model)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
            if model is not None:
                _embed_missing(ray, actors, library, model)
                PassageIndex.up_to_date(library, model)
        finally:
            cluster.close()
    return outcomes


def _store(library: Library, read: ReadReport, model: str | None) -> Outcome:
    """One file's report stored as the local engine stores it: a new report, or another path of a stored one."""
    if read.error:
        return Outcome(path=read.path, status="failed", error=read.error)
    known = library.document_id(read.digest)
    if known is not None:
        library.add_origin(known, read.path)
        return Outcome(path=read.path, status="duplicate", digest=read.digest)
    assert read.doc is not None  # only a report stored when the add began comes back without its document
    _, added = library.insert(read.doc, read.digest, read.path, read.passages, read.vectors, model)
    return Outcome(path=read.path, status="added" if added else "duplicate", digest=read.digest)


def _embed_missing(ray: Any, actors: list[Any], library: Library, model: str) -> None:
    """The vectors of every report that has none under `model` yet (added without embedding), from the actors."""
    missing = library.unembedded(model)
    texts = []
    for document in missing:
        doc = library.document(document)
        texts.append([doc.text[a:b] for _, a, b in library.passages(document)])
    for document, vectors in zip(missing, _in_order(ray, actors, texts, "embed"), strict=True):
        library.put_vectors(model, document, vectors)


def _shown(task: Any) -> str:
    return task if isinstance(task, str) else f"{len(task)} passages"


def _in_order(ray: Any, actors: list[Any], tasks: Sequence[Any], method: str) -> Iterator[Any]:
    """`actor.<method>(task)` of each task, spread over the actors, IN_FLIGHT on each, given back in the tasks'
    order as soon as each and all before it are done (at most READ_AHEAD a worker ahead of the first not given
    back). A file whose actor died is a failed read; any other Ray error is an EngineError."""
    window = READ_AHEAD * len(actors)
    done: dict[int, Any] = {}
    running: dict[Any, tuple[int, Any]] = {}
    free = [actor for actor in actors for _ in range(IN_FLIGHT)]
    following = given = 0
    while given < len(tasks):
        while free and following < len(tasks) and following - given < window:
            actor = free.pop(0)
            running[getattr(actor, method).remote(tasks[following])] = (following, actor)
            following += 1
        (ready, *_), _ = ray.wait(list(running), num_returns=1)
        number, actor = running.pop(ready)
        free.append(actor)
        try:
            done[number] = ray.get(ready)
        except ray.exceptions.RayActorError:  # the actor died (killed, out of memory): it restarts
            if method != "read":
                raise EngineError("a Ray worker died while embedding the library's reports") from None
            done[number] = ReadReport(str(tasks[number]), error=f"{tasks[number]}: {WORKER_DIED}")
        except ray.exceptions.RayError as e:  # a bug, not a bad file: stop, as the local engine would
            raise EngineError(f"a Ray worker failed on {_shown(tasks[number])}: {last_line(e)}") from None
        while given in done:
            yield done.pop(given)
            given += 1
