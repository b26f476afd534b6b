"""The project file: the defaults a team sets once for `factcheck check`, in `.factcheck.toml` or in the
`[tool.factcheck]` table of pyproject.toml.

The file is looked for in the current folder and then in each parent, in each folder `.factcheck.toml` first,
then a pyproject.toml that has a `[tool.factcheck]` table; the search stops at the first file found, or after the
folder that holds `.git` (the top of the repository), as ruff and pytest look for theirs. Command-line options
win over the file; every key is optional and an unknown key is an error.

    fail_on = "medium"                 # the gate: "low", "medium" or "high"
    source_names = ["the inspectors"]  # other names the releases use for the source
    format = "md"                      # the report's format when neither --format nor -o's extension gives one
    baseline = "factcheck-baseline.json"  # accepted findings (factcheck baseline write); relative to this file
    all_unreported = false             # list every source finding the release leaves out
    library = "reports-library"        # where `check RELEASE` (no SOURCE) and `serve` find sources; relative to this file
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from factcheck.errors import ProjectConfigError

CONFIG_FILE = ".factcheck.toml"
PYPROJECT = "pyproject.toml"


class ProjectConfig(BaseModel):
    """The keys a project file may set. Strict: a value of the wrong type is an error, never converted."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    fail_on: Literal["low", "medium", "high"] | None = None
    source_names: list[str] = []
    format: Literal["text", "json", "md", "html", "docx"] | None = None
    baseline: str | None = None
    all_unreported: bool | None = None
    library: str | None = None


@dataclass(frozen=True)
class ProjectFile:
    """A project file that was read: where it is, and what it sets."""

    path: Path
    config: ProjectConfig

    @property
    def baseline(self) -> Path | None:
        """The baseline the file names, relative to the file's own folder (an absolute path stays as it is)."""
        return self.path.parent / self.config.baseline if self.config.baseline else None

    @property
    def library(self) -> Path | None:
        """The library folder the file names (`factcheck library add`), relative to the file's own folder."""
        return self.path.parent / self.config.library if self.config.library else None


NO_PROJECT_FILE = ProjectFile(Path(), ProjectConfig())


def find_project_file(start: Path | None = None) -> Path | None:
    """The project file that applies in `start` (default: the current folder), or None."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _tool_table(_read_toml(pyproject)) is not None:
            return pyproject
        if (candidate / ".git").exists():  # a folder, or the file a git worktree has in its place
            return None
    return None


def read_project_file(path: Path) -> ProjectFile:
    """The settings in `path`: the whole of a .factcheck.toml (or any other name), the [tool.factcheck] table
    of a pyproject.toml. A missing or invalid file is a ProjectConfigError naming the file and the key."""
    if not path.is_file():
        raise ProjectConfigError(f"{path}: no such configuration file")
    document = _read_toml(path)
    data: object = document
    table: tuple[str, ...] = ()
    if path.name == PYPROJECT:
        found = _tool_table(document)
        data = {} if found is None else found
        table = ("tool", "factcheck")
    try:
        return ProjectFile(path, ProjectConfig.model_validate(data))
    except ValidationError as e:
        error = e.errors()[0]
        key = ".".join([*table, *(str(part) for part in error["loc"])]) or "the top level"
        if error["type"] == "extra_forbidden":
            known = ", ".join(ProjectConfig.model_fields)
            raise ProjectConfigError(f"{path}: unknown key {key!r} (the keys are {known})") from None
        raise ProjectConfigError(f"{path}: {key}: {error['msg']}") from None


def project_file(explicit: Path | None = None, *, ignore: bool = False, start: Path | None = None) -> ProjectFile:
    """The project file a command uses: `explicit` (from --config) when given, else the one found from `start`;
    none (every key unset) when `ignore` (--no-config) or when there is none."""
    if ignore:
        return NO_PROJECT_FILE
    path = explicit or find_project_file(start)
    return read_project_file(path) if path is not None else NO_PROJECT_FILE


def _tool_table(pyproject: dict[str, object]) -> object | None:
    """The [tool.factcheck] table of a pyproject.toml's data, or None when it has none."""
    tool = pyproject.get("tool")
    return tool.get("factcheck") if isinstance(tool, dict) else None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ProjectConfigError(f"{path}: not valid TOML ({e})") from None
    except OSError as e:
        raise ProjectConfigError(f"{path}: cannot read it ({e.strerror or e})") from None
