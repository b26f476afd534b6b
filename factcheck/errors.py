"""Errors a user can meet. Each docstring is the sentence a user sees when the message is empty.

FactcheckError
 ├── InputError        (a file or text we cannot use)
 │    ├── EmptyInputError
 │    ├── BinaryInputError
 │    ├── InputTooLargeError
 │    ├── NoTextLayerError
 │    └── FetchError     (a URL we cannot or may not fetch)
 │         └── BlockedURLError
 ├── SettingsError     (the models/ configuration is wrong)
 ├── ProjectConfigError (a project's .factcheck.toml or [tool.factcheck] is wrong)
 ├── EngineError       (a batch engine that is not installed or cannot start)
 └── BaselineError     (a baseline file we cannot use)
"""

from __future__ import annotations


class FactcheckError(Exception):
    """factcheck could not finish."""

    def __str__(self) -> str:
        return super().__str__() or (self.__doc__ or "").strip()


class InputError(FactcheckError):
    """An input could not be read."""


class EmptyInputError(InputError):
    """The input is empty."""


class BinaryInputError(InputError):
    """The input is a binary file, not text."""


class InputTooLargeError(InputError):
    """The input is larger than the configured limit."""


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


class EngineError(FactcheckError):
    """The batch engine could not run."""


class BaselineError(FactcheckError):
    """The baseline file cannot be used."""
