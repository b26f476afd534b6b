"""What became of a batch: each item's reports and counts, or its error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("high", "medium", "low")


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
    reused: bool = False  # taken from an earlier run into the same folder; not in the index either

    @property
    def ok(self) -> bool:
        return not self.error

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("seconds")
        data.pop("reused")
        data["status"] = "ok" if self.ok else "error"
        return data


@dataclass
class BatchResult:
    items: list[ItemResult]
    out_dir: Path
    workers: int
    formats: tuple[str, ...]
    seconds: float = 0.0
    engine: str = "local"

    @property
    def reused(self) -> list[ItemResult]:
        """The items taken from an earlier run into the same folder, not checked again."""
        return [r for r in self.items if r.reused]

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
