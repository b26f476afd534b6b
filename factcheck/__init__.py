"""factcheck: check the quotations in a press release against the document they quote."""

from __future__ import annotations

from factcheck.errors import (
    BinaryInputError,
    EmptyInputError,
    FactcheckError,
    InputError,
    InputTooLargeError,
    SettingsError,
)
from factcheck.inputs import load
from factcheck.pipeline import __version__, check
from factcheck.types import Document, QuoteFinding, Report

__all__ = [
    "BinaryInputError",
    "Document",
    "EmptyInputError",
    "FactcheckError",
    "InputError",
    "InputTooLargeError",
    "QuoteFinding",
    "Report",
    "SettingsError",
    "__version__",
    "check",
    "load",
]
