"""Resuming a batch: a small manifest per finished item, so a re-run into the same `out_dir` skips the items
whose reports are complete and whose inputs are unchanged.

Each item that succeeds gets `out_dir/.factcheck-batch/<name>.json`, written after its reports, each file
through a temporary file and `os.replace`. It records the item's fingerprint (the sha256 of both inputs'
bytes, the names the reports give them, the formats, and what else decides the reports: factcheck's version
and code, the settings, the embedder) with the item's counts and the sha256 of every report it wrote. An item
is reused only when its fingerprint is the same and every report on disk still has the recorded hash; an item
being checked again loses its manifest before its first report is replaced, so a batch killed midway leaves
nothing that a resume would trust. Manifests hold no timestamp: a resumed batch writes a fresh one's bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from factcheck.batch.items import EXTENSIONS, BatchItem
from factcheck.batch.output import write_atomically
from factcheck.batch.results import ItemResult
from factcheck.batch.worker import ItemOutcome, fail
from factcheck.config import Settings
from factcheck.embed import Embedder

MANIFEST_DIR = ".factcheck-batch"
_RESULT_FIELDS = ("name", "release", "source", "reports", "quotes", "checked", "flagged", "severities",
                  "worst_severity")

Fingerprint = dict[str, Any]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def code_digest() -> str:
    """The sha256 of factcheck's own code and report templates, so reports made by other code are never reused
    (an edited checkout keeps its version number)."""
    import factcheck

    package = Path(factcheck.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def embedder_name(factory: Callable[[], Embedder] | None) -> str:
    """What the reports' embedder is called in a fingerprint: the factory's import path, or the real model
    (which the settings name)."""
    if factory is None:
        return "default"
    named = factory if isinstance(factory, type) or hasattr(factory, "__qualname__") else type(factory)
    return f"{named.__module__}.{named.__qualname__}"


def batch_fingerprint(
    formats: Sequence[str], settings: Settings, embedder_factory: Callable[[], Embedder] | None
) -> Fingerprint:
    """What every item of one batch run shares: what decides the reports besides the item's own inputs."""
    from factcheck.pipeline import __version__

    return {
        "factcheck_version": __version__,
        "code": code_digest(),
        "settings": _sha256(settings.model_dump_json().encode()),
        "embedder": embedder_name(embedder_factory),
        "formats": list(formats),
    }


def item_fingerprint(item: BatchItem, shared: Fingerprint) -> Fingerprint | None:
    """The item's fingerprint, or None when it cannot be reused or recorded (it has an error, or an input
    cannot be read)."""
    if item.error:
        return None
    hashes = [_file_sha256(path) for path in (item.release, item.source)]
    if None in hashes:
        return None
    return {
        **shared,
        "release": {"name": item.release_name, "sha256": hashes[0]},
        "source": {"name": item.source_name, "sha256": hashes[1]},
    }


def manifest_path(out_dir: Path, name: str) -> Path:
    return out_dir / MANIFEST_DIR / f"{name}.json"


def reuse(out_dir: Path, item: BatchItem, fingerprint: Fingerprint | None) -> ItemResult | None:
    """The item's result from an earlier run into `out_dir`, when its manifest has the same fingerprint and
    every report it lists is still there with the bytes it recorded; else None (the item is checked again)."""
    if fingerprint is None:
        return None
    try:
        manifest = json.loads(manifest_path(out_dir, item.name).read_text(encoding="utf-8"))
        if manifest["fingerprint"] != fingerprint:
            return None
        recorded: dict[str, str] = manifest["sha256"]
        result = ItemResult(**{key: manifest["result"][key] for key in _RESULT_FIELDS}, reused=True)
    except (OSError, ValueError, KeyError, TypeError):  # no manifest, or not one this code wrote
        return None
    if result.name != item.name or set(result.reports) != set(fingerprint["formats"]):
        return None
    for file_name in result.reports.values():
        if recorded.get(file_name) is None or _file_sha256(out_dir / file_name) != recorded[file_name]:
            return None
    return result


def store(
    out_dir: Path, outcome: ItemOutcome, fingerprint: Fingerprint | None, formats: Sequence[str]
) -> ItemResult:
    """Write an item's reports, then its manifest; for a failed item, remove what an earlier run left of it (a
    report left over must not pass for this run's). Returns the item's result, failed if a report could not be
    written."""
    result = outcome.result
    manifest = manifest_path(out_dir, result.name)
    manifest.unlink(missing_ok=True)  # from now until the new one is written, nothing of this item is trusted
    if result.ok:
        try:
            hashes = {}
            for fmt, text in outcome.texts.items():
                file_name = f"{result.name}.{EXTENSIONS[fmt]}"
                path = out_dir / file_name
                write_atomically(path, text)
                result.reports[fmt] = file_name
                hashes[file_name] = _sha256(path.read_bytes())  # as written: the bytes a resume will find
            if fingerprint is not None:
                manifest.parent.mkdir(exist_ok=True)
                record = {
                    "fingerprint": fingerprint,
                    "result": {key: getattr(result, key) for key in _RESULT_FIELDS},
                    "sha256": hashes,
                }
                text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"  # keys in the index's order
                write_atomically(manifest, text)
        except OSError as e:
            fail(result, e)
    if not result.ok:
        _remove_reports(out_dir, result.name, formats)
    return result


def _remove_reports(out_dir: Path, name: str, formats: Sequence[str]) -> None:
    for fmt in formats:
        file_name = f"{name}.{EXTENSIONS[fmt]}"
        for path in (out_dir / file_name, out_dir / f".{file_name}.tmp"):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
