"""One check, rendered: what `factcheck check`, `factcheck serve` and each item of `factcheck batch` do with their
inputs. The shells decide how an input is read and named, and where the texts go; this runs the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from factcheck.baseline import Baseline, apply_baseline
from factcheck.config import Settings
from factcheck.embed import Embedder
from factcheck.inputs import load
from factcheck.pipeline import check
from factcheck.report import render
from factcheck.report.text import FILE_WIDTH
from factcheck.text import LoadedDocument
from factcheck.types import LibraryReport, Report

Input = str | Path | LoadedDocument  # a path or URL to load (as factcheck.load does), or a document already loaded


@dataclass(frozen=True)
class RenderedReport:
    report: Report
    texts: dict[str, str]  # format -> the rendered report, in the order the formats were asked for
    release_text: str = ""  # the release as loaded: what the report's offsets point into


def check_and_render(
    release: Input,
    sources: Sequence[Input],
    formats: Sequence[str],
    *,
    settings: Settings,
    embedder: Embedder | None = None,
    source_names: Sequence[str] = (),
    color: bool = False,
    width: int = FILE_WIDTH,
    baseline: Baseline | None = None,
    library: Sequence[LibraryReport] | None = None,
) -> RenderedReport:
    """Check `release` against `sources` and render the report in each of `formats` (those of
    factcheck.report.render), the source passages shown from the loaded sources' texts. Inputs not loaded yet
    are loaded first, the sources before the release, so an unreadable source is the error reported when both
    are. `embedder` None: the process's shared real model; `color` colours the text format and `width` sets its
    width; the findings that match `baseline` are marked accepted (factcheck.baseline.apply_baseline); `library` names the
    library reports the sources were found as (factcheck.library.library_sources), in the report's `library`."""
    documents = [s if isinstance(s, LoadedDocument) else load(s, settings) for s in sources]
    release_doc = release if isinstance(release, LoadedDocument) else load(release, settings)
    report = check(release_doc, documents, settings=settings, embedder=embedder, source_names=tuple(source_names))
    if library is not None:
        report = report.model_copy(update={"library": list(library)})
    if baseline is not None:
        report = apply_baseline(report, baseline)
    source_texts = {doc.name: doc.text for doc in documents}
    texts = {fmt: render(report, fmt, source_text=source_texts, color=color, width=width) for fmt in formats}
    return RenderedReport(report, texts, release_doc.text)
