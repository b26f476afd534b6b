"""The cost of reading one input, bounded: a wall-clock budget the readers check as they go, and the sizes a
zip archive (a Word file) may inflate to."""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from dataclasses import dataclass

from factcheck.config import LimitSettings
from factcheck.errors import DamagedFileError, InputTimeoutError, InputTooLargeError

INFLATE_CHUNK = 1 << 20
ENCRYPTED = 0x1  # general purpose flag bit 0 of a zip member


@dataclass(frozen=True)
class ReadBudget:
    """The time one input may take to be turned into text (limits.max_read_seconds). Readers call check()
    between pages, paragraphs and blocks, so a file that would take too long ends with a one-line error and
    no thread ever has to be stopped."""

    name: str
    seconds: float
    deadline: float

    @classmethod
    def start(cls, name: str, limits: LimitSettings) -> ReadBudget:
        return cls(name, limits.max_read_seconds, time.monotonic() + limits.max_read_seconds)

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise InputTimeoutError(
                f"{self.name}: reading it took longer than {self.seconds:g} s (limits.max_read_seconds)"
            )


def check_archive(data: bytes, name: str, limits: LimitSettings, budget: ReadBudget) -> None:
    """Refuse a zip archive that inflates past limits.max_decompressed_bytes in all or limits.max_member_bytes
    in one member, or that does not inflate cleanly. The sizes the archive declares are checked first, then
    every member is inflated with a counter, since a crafted archive can declare any size it likes."""
    where = "its table of contents"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(name, [(m.filename, m.file_size) for m in members], limits)
            total = 0
            for member in members:
                where, size = member.filename, 0
                if member.flag_bits & ENCRYPTED:
                    raise DamagedFileError(f"{name} is password-protected; save it without a password first")
                with archive.open(member) as stream:
                    while chunk := stream.read(INFLATE_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        _check_sizes(name, [(member.filename, size)], limits, total)
                        budget.check()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
        raise DamagedFileError(f"{name} is damaged: {where}: {_why(e)}") from None
    except (NotImplementedError, RuntimeError) as e:  # an encrypted member, or a compression zipfile lacks
        raise DamagedFileError(f"{name} cannot be opened: {where}: {_why(e)}") from None


def _check_sizes(
    name: str, sizes: list[tuple[str, int]], limits: LimitSettings, total: int | None = None
) -> None:
    for member, size in sizes:
        if size > limits.max_member_bytes:
            raise InputTooLargeError(
                f"{name}: {member} inflates past {_mb(limits.max_member_bytes)} (limits.max_member_bytes)"
            )
    total = sum(size for _, size in sizes) if total is None else total
    if total > limits.max_decompressed_bytes:
        raise InputTooLargeError(f"{name}: inflates past {_mb(limits.max_decompressed_bytes)} (limits.max_decompressed_bytes)")


def _mb(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size:,} bytes"


def _why(error: BaseException) -> str:
    if isinstance(error, zlib.error):
        return f"does not inflate ({str(error).split(': ', 1)[-1]})"
    return str(error) or type(error).__name__
