"""A batch's items: read from a CSV manifest or from a folder of item subfolders, each named safely."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from factcheck.errors import InputError

EXTENSIONS = {"html": "html", "json": "json", "md": "md", "text": "txt"}
DEFAULT_FORMATS = ("html", "json", "md")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"index"}  # index.html and index.json are the batch's own pages


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
    col: dict[str, int] = {key: header.index(key) for key in ("release", "source", "name") if key in header}

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
