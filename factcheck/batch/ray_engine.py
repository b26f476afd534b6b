"""Checking a batch's items on a Ray cluster: `run_batch(..., engine="ray")`, `factcheck batch --engine ray`;
and the cluster itself (`RayCluster`: started here or connected to), which `factcheck library add --engine ray`
runs its actors on too (factcheck/library/ray_add.py).

One Ray actor per worker. Each builds its settings and its embedder once (`worker.init_worker`, with the same
`embedder_factory` the local engine gives its processes, so the real model loads at most once per actor),
then checks items (`worker.check_item`) and sends back their rendered reports; this process writes them
(`resume.store`), so the reports are the local engine's bytes and `out_dir` need only exist here. The actors
read the inputs by their paths: on a cluster of several machines, the batch must be at the same path on every
node (a shared file system), and every node needs the same factcheck (an actor refuses to start on other
code). The actors get this process's import path and its FACTCHECK_* variables, as local workers inherit them.

With no address (neither given nor in $RAY_ADDRESS), a local Ray instance is started for the batch, with as
many CPUs as workers, no dashboard and (unless RAY_USAGE_STATS_ENABLED says otherwise) no usage statistics,
and stopped at the end. With one, this process connects to that cluster, starts at most one actor per CPU of
it, and leaves it running. A process already connected to Ray (ray.init called before run_batch) keeps its
connection. Ray is an optional extra: pip install 'factcheck[scale]'.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from factcheck.batch.items import BatchItem
from factcheck.batch.resume import code_digest
from factcheck.batch.runner import default_workers
from factcheck.batch.worker import WORKER_DIED, ItemOutcome, check_item, failed_outcome, init_worker
from factcheck.config import Settings
from factcheck.embed import Embedder, available_cores
from factcheck.errors import EngineError

INSTALL_HINT = "pip install 'factcheck[scale]'"
IN_FLIGHT = 2  # items queued on each actor, so it never waits for this process between two items
MAX_RESTARTS = 3  # an actor that dies (out of memory, say) is started again; the item it was checking fails
_QUIET: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}  # errors come back as data


def import_ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise EngineError(f"the ray engine needs Ray, which is not installed: {INSTALL_HINT}") from None


class ItemChecker:
    """What each Ray actor holds: one worker's settings and embedder, built once."""

    def __init__(
        self, settings: Settings, embedder_factory: Callable[[], Embedder] | None, cores_each: int, code: str
    ) -> None:
        if code_digest() != code:
            raise EngineError(
                "a Ray worker runs other factcheck code than this process; "
                "install the same factcheck on every node"
            )
        init_worker(settings, embedder_factory, cores_each)

    def check(self, item: BatchItem, formats: tuple[str, ...]) -> ItemOutcome:
        return check_item(item, formats)

    def pid(self) -> int:
        return os.getpid()


def import_roots(embedder_factory: Callable[[], Embedder] | None) -> list[str]:
    """The folders this process imports factcheck and the embedder factory from, for the actors' PYTHONPATH:
    Ray gives its workers only the current folder and the script's, so a factory from a test suite or a
    checkout on PYTHONPATH would otherwise not import."""
    import factcheck

    roots = [Path(factcheck.__file__).resolve().parent.parent]
    module = sys.modules.get(getattr(embedder_factory, "__module__", "") or "")
    module_file = getattr(module, "__file__", None)
    if module is not None and module_file and module.__name__ != "__main__":
        depth = module.__name__.count(".") + (Path(module_file).name == "__init__.py")
        roots.append(Path(module_file).resolve().parents[depth])
    return list(dict.fromkeys(str(root) for root in roots))


def _python_path(embedder_factory: Callable[[], Embedder] | None) -> str:
    inherited = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([*import_roots(embedder_factory), *([inherited] if inherited else [])])


class RayCluster:
    """The Ray cluster a command runs its actors on, one actor per worker, each asking for one CPU: a local Ray
    instance started here (no address given nor in $RAY_ADDRESS) with as many CPUs as workers, or the cluster
    at the address, or the one this process is already connected to. `tasks` caps the workers (no idle actor).
    `workers` and `cores_each` (each actor's share of the cores, for the model) are known once it is made;
    `start(actor_class, *args)` starts the actors (each gets `*args`, and must have a `pid()` method) and
    `close()` stops them, and the local instance if it was started here. `factcheck batch --engine ray` and
    `factcheck library add --engine ray` both run on it."""

    def __init__(
        self,
        workers: int | None,
        tasks: int,
        embedder_factory: Callable[[], Embedder] | None,
        address: str | None,
    ) -> None:
        ray = self.ray = import_ray()
        address = address or os.environ.get("RAY_ADDRESS") or None
        self.started_here = not ray.is_initialized()
        self._address = address
        self._python_path = _python_path(embedder_factory)
        self.actors: list[Any] = []
        if self.started_here and not address:
            # A cluster of our own, as large as the work needs; each actor gives the model its share of the
            # cores, as a local worker process does.
            self.workers = max(1, min(workers or default_workers(), tasks))
            self._start_local(ray, self.workers, self._python_path)
            self.cores_each = max(1, available_cores() // self.workers)
        else:
            if self.started_here:
                self._connect(ray, str(address))
            cluster_cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
            # An actor asks for one CPU: more actors than the cluster's CPUs would wait for ever.
            self.workers = max(1, min(workers or cluster_cpus, cluster_cpus, tasks))
            self.cores_each = max(1, cluster_cpus // self.workers)

    def start(self, actor_class: type, *args: Any) -> list[Any]:
        """`workers` actors of `actor_class`, each made with `*args`, once all have started; EngineError (and
        the cluster closed) when they cannot."""
        ray = self.ray
        remote = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS, max_task_retries=0)(actor_class)
        if not self.started_here or self._address:
            # Workers of a cluster started elsewhere see neither this process's import path nor its FACTCHECK_*
            # variables (the cache folder, the model's path), as local workers would: give them both (a cluster
            # started here inherited them, cheaper than a runtime environment per actor).
            own = {key: value for key, value in os.environ.items() if key.startswith("FACTCHECK_")}
            remote = remote.options(runtime_env={"env_vars": {**own, "PYTHONPATH": self._python_path}})
        self.actors = [remote.remote(*args) for _ in range(self.workers)]
        try:
            ray.get([actor.pid.remote() for actor in self.actors])
        except ray.exceptions.RayError as e:
            self.close()
            raise EngineError(f"the Ray workers could not start: {last_line(e)}") from None
        return self.actors

    @staticmethod
    def _start_local(ray: Any, cpus: int, python_path: str) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        before = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = python_path  # inherited by the Ray processes started now and their workers
        try:
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, **_QUIET)
        finally:
            if before is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = before

    @staticmethod
    def _connect(ray: Any, address: str) -> None:
        try:
            ray.init(address=address, **_QUIET)
        except Exception as e:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError...
            raise EngineError(f"cannot connect to the Ray cluster at {address}: {last_line(e)}") from None

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
        if self.started_here:
            self.ray.shutdown()


class RayEngine:
    """Items checked by Ray actors (`RayCluster`), `IN_FLIGHT` at a time on each, collected as they finish."""

    def __init__(
        self,
        pending: Sequence[tuple[int, BatchItem]],
        formats: tuple[str, ...],
        settings: Settings,
        embedder_factory: Callable[[], Embedder] | None,
        workers: int | None,
        address: str | None,
    ) -> None:
        self._cluster = cluster = RayCluster(workers, len(pending), embedder_factory, address)
        self._ray = cluster.ray
        self.workers = cluster.workers
        self._formats = formats
        self._actors = cluster.start(ItemChecker, settings, embedder_factory, cluster.cores_each, code_digest())
        self._queue = iter(pending)
        self._in_flight: dict[Any, tuple[int, BatchItem, Any]] = {}
        for actor in self._actors:
            for _ in range(IN_FLIGHT):
                self._submit(actor)

    def _submit(self, actor: Any) -> None:
        """The next item to `actor`, if any is left."""
        following = next(self._queue, None)
        if following is not None:
            i, item = following
            self._in_flight[actor.check.remote(item, self._formats)] = (i, item, actor)

    def outcomes(self) -> Iterator[tuple[int, ItemOutcome]]:
        ray = self._ray
        while self._in_flight:
            (ready, *_), _ = ray.wait(list(self._in_flight), num_returns=1)
            i, item, actor = self._in_flight.pop(ready)
            try:
                outcome = ray.get(ready)
            except ray.exceptions.RayActorError as e:  # the actor died (killed, out of memory): it restarts
                outcome = failed_outcome(item, e, WORKER_DIED)
            except ray.exceptions.RayError as e:  # e.g. an outcome that could not be sent back
                outcome = failed_outcome(item, e)
            self._submit(actor)
            yield i, outcome

    def close(self, cancel: bool) -> None:
        self._cluster.close()


def last_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
