"""Errors a user can meet. Each docstring is the sentence a user sees when the message is empty.

FactcheckError
 ├── InputError        (a file or text we cannot use)
 │    ├── EmptyInputError
 │    ├── BinaryInputError
 │    ├── InputTooLargeError  (over a limit in `limits`: size, inflated size, pages, characters)
 │    ├── InputTimeoutError   (reading took longer than limits.max_read_seconds)
 │    ├── DamagedFileError    (a PDF, Word file or web page too broken to read)
 │    ├── NoTextLayerError
 │    └── FetchError     (a URL we cannot or may not fetch)
 │         └── BlockedURLError
 ├── SettingsError     (the models/ configuration is wrong)
 ├── ProjectConfigError (a project's .factcheck.toml or [tool.factcheck] is wrong)
 ├── ServeAddressError (factcheck serve asked to listen where other machines reach it)
 ├── LibraryError      (a library of reports we cannot open or use)
 ├── EngineError       (a batch engine that is not installed or cannot start)
 └── BaselineError     (a baseline file we cannot use)
"""

from __future__ import annotations

import re

# Line breaks become spaces and other control characters their escape (a file name may hold "\x1b["): a
# message is one line that a terminal shows as it is, whatever the input put in it.
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FactcheckError(Exception):
    """factcheck could not finish."""

    def __str__(self) -> str:
        message = super().__str__() or (self.__doc__ or "").strip()
        message = _LINE_BREAKS.sub(" ", message).replace("\t", " ")
        return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)


class InputError(FactcheckError):
    """An input could not be read."""


class EmptyInputError(InputError):
    """The input is empty."""


class BinaryInputError(InputError):
    """The input is a binary file, not text."""


class InputTooLargeError(InputError):
    """The input is larger than the configured limit."""


class InputTimeoutError(InputError):
    """Reading the input took longer than the configured limit (limits.max_read_seconds)."""


class DamagedFileError(InputError):
    """The file is damaged and cannot be read."""


class NoTextLayerError(InputError):
    """The PDF has no text layer (a scanned PDF?); OCR it first."""


class FetchError(InputError):
    """The URL could not be fetched."""


class BlockedURLError(FetchError):
    """The URL points to a private, loopback, link-local or reserved address, which factcheck does not fetch."""


class SettingsError(FactcheckError):
    """The settings in models/ are invalid."""


class ProjectConfigError(FactcheckError):
    """The project configuration (.factcheck.toml or [tool.factcheck] in pyproject.toml) is invalid."""


class ServeAddressError(FactcheckError):
    """factcheck serve listens on a loopback address unless --allow-remote is given."""


class LibraryError(FactcheckError):
    """The library of reports cannot be used."""


class EngineError(FactcheckError):
    """The batch engine could not run."""


class BaselineError(FactcheckError):
    """The baseline file cannot be used."""
