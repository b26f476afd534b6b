"""The JSON API of `factcheck serve`: what POST /api/check accepts and answers, GET /api/schema, and the error
body. A request is JSON or multipart/form-data; the answer is the Report exactly as `factcheck check --format
json` prints it, and an error is {"error": {"status": ..., "message": ...}}. On a server with a library
(`factcheck serve --library DIR`) the sources may be left out: the answer is then the Report `factcheck check
RELEASE --library DIR --format json` prints, its `library` naming the reports found and used."""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus

from factcheck.config import Settings
from factcheck.embed import Embedder
from factcheck.web.fields import MULTIPART, Field, media_type, parse_fields
from factcheck.web.submission import (
    NamedText,
    RequestError,
    ServedLibrary,
    Submission,
    check_source_count,
    file_input,
    run,
    text_input,
)

JSON = "application/json"
REQUEST_KEYS = ("release", "sources", "source", "options")
OPTION_KEYS = ("all_unreported", "source_names")
INPUT_KEYS = ("name", "text")
MULTIPART_FIELDS = ("release", "source", "source_name", "all_unreported")
YES, NO = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def error_body(status: HTTPStatus, message: str) -> str:
    return json.dumps({"error": {"status": int(status), "message": message}}, indent=2) + "\n"


def schema() -> str:
    """The Report's JSON Schema, as `factcheck schema` prints it."""
    from factcheck.types import Report

    return json.dumps(Report.model_json_schema(), indent=2) + "\n"


def check(
    content_type: str, body: bytes, settings: Settings, embedder: Embedder, library: ServedLibrary | None = None
) -> str:
    """The Report JSON for an API request; RequestError or FactcheckError for a request it cannot use. With a
    `library`, a request without sources is checked against the library reports its release quotes."""
    has_library = library is not None
    if media_type(content_type) == JSON:
        submission = from_json(body, settings, library=has_library)
    else:
        fields = parse_fields(content_type, body, accepted=(JSON, MULTIPART))
        submission = from_multipart(fields, settings, library=has_library)
    return run(submission, ("json",), settings, embedder, library).texts["json"]


# --- JSON ---------------------------------------------------------------------------------------------------


def from_json(body: bytes, settings: Settings, *, library: bool = False) -> Submission:
    """The request's release, sources and options; with `library` (the server has one), no source is needed."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise RequestError(f"The request is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno}).") from None
    except (UnicodeDecodeError, RecursionError):
        raise RequestError("The request is not valid JSON: it is not UTF-8 text, or is nested too deeply.") from None
    if not isinstance(data, dict):
        raise RequestError(f"The request must be a JSON object with release and sources; it is {_kind(data)}.")
    _no_unknown_keys(data, REQUEST_KEYS, "the request")
    if "release" not in data:
        raise RequestError('The request has no release: send its text as "release".')
    release = _json_input(data["release"], "release", "release", settings)
    return Submission(release, _json_sources(data, settings, library), *_json_options(data.get("options", {})))


def _json_sources(data: dict[str, object], settings: Settings, library: bool) -> tuple[NamedText, ...]:
    if "sources" in data and "source" in data:
        raise RequestError('Send "sources" (a list) or "source" (one), not both.')
    if "source" in data:
        return (_json_input(data["source"], "source", "source", settings),)
    if "sources" not in data:
        if library:
            return ()
        raise RequestError('The request has no source: send "sources", a list of texts (or "source", one text).')
    sources = data["sources"]
    if not isinstance(sources, list):
        raise RequestError(f'"sources" must be a list of texts or of objects with name and text; it is {_kind(sources)}.')
    if not sources and not library:
        raise RequestError('"sources" is empty: send at least one source.')
    check_source_count(len(sources), library=library)
    several = len(sources) > 1
    return tuple(
        _json_input(value, f"sources[{i}]", f"source {i + 1}" if several else "source", settings)
        for i, value in enumerate(sources)
    )


def _json_input(value: object, where: str, default_name: str, settings: Settings) -> NamedText:
    """A text given as a string, or as {"name": ..., "text": ...}."""
    if isinstance(value, str):
        return text_input(default_name, default_name, value, settings)
    if not isinstance(value, dict):
        raise RequestError(f'{where} must be a string (the text) or an object with "text" and "name"; it is {_kind(value)}.')
    _no_unknown_keys(value, INPUT_KEYS, where)
    text, name = value.get("text"), value.get("name", "")
    if not isinstance(text, str):
        raise RequestError(f"{where}.text must be a string; it is {_kind(text)}.")
    if not isinstance(name, str):
        raise RequestError(f"{where}.name must be a string; it is {_kind(name)}.")
    name = name.strip()
    return text_input(f"{default_name} {name}" if name else default_name, name or default_name, text, settings)


def _json_options(options: object) -> tuple[tuple[str, ...], bool]:
    if not isinstance(options, dict):
        raise RequestError(f'"options" must be an object; it is {_kind(options)}.')
    unknown = [key for key in options if key not in OPTION_KEYS]
    if unknown:
        raise RequestError(f"Unknown option {unknown[0]!r}; the options are {' and '.join(OPTION_KEYS)}.")
    names = options.get("source_names", [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise RequestError("options.source_names must be a list of strings.")
    every = options.get("all_unreported", False)
    if not isinstance(every, bool):
        raise RequestError(f"options.all_unreported must be true or false; it is {_kind(every)}.")
    return tuple(name.strip() for name in names if name.strip()), every


def _no_unknown_keys(data: dict[str, object], known: Sequence[str], where: str) -> None:
    unknown = [key for key in data if key not in known]
    if unknown:
        raise RequestError(f"Unknown key {unknown[0]!r} in {where}; the keys are {', '.join(known)}.")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- multipart ----------------------------------------------------------------------------------------------


def from_multipart(fields: Sequence[Field], settings: Settings, *, library: bool = False) -> Submission:
    """Fields `release` (one) and `source` (one or more; none when the server has a `library`), each a file or
    plain text, and optionally `source_name` (repeatable) and `all_unreported` (true or false)."""
    for field in fields:
        if field.name not in MULTIPART_FIELDS:
            raise RequestError(
                f"Unknown field {field.name!r}; send release, source (one or more), and optionally "
                "source_name and all_unreported."
            )
    # a file input left empty, as a browser sends it, is no input at all
    given = [field for field in fields if not (field.filename == "" and not field.data)]
    releases = [field for field in given if field.name == "release"]
    sources = [field for field in given if field.name == "source"]
    if len(releases) != 1:
        raise RequestError("The request has no release field." if not releases else f"Send one release, not {len(releases)}.")
    if not sources and not library:
        raise RequestError("The request has no source field: send one or more.")
    check_source_count(len(sources), library=library)
    several = len(sources) > 1
    release = _multipart_input(releases[0], "release", settings)
    read = tuple(_multipart_input(field, f"source {i}" if several else "source", settings) for i, field in enumerate(sources, 1))
    names = tuple(name for field in given if field.name == "source_name" and (name := _plain(field, "source_name").strip()))
    return Submission(release, read, names, _yes_or_no([f for f in given if f.name == "all_unreported"]))


def _multipart_input(field: Field, label: str, settings: Settings) -> NamedText:
    if field.chosen_file:
        return file_input(label, field.filename or "", field.data, settings)
    return text_input(label, label, _plain(field, label), settings)


def _plain(field: Field, label: str) -> str:
    try:
        return field.data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(f"The {label} field is not UTF-8 text; send a file with a filename instead.") from None


def _yes_or_no(fields: Sequence[Field]) -> bool:
    if len(fields) > 1:
        raise RequestError("Send all_unreported once.")
    value = _plain(fields[0], "all_unreported").strip().lower() if fields else ""
    if value not in YES + NO:
        raise RequestError(f"all_unreported must be true or false, not {value!r}.")
    return value in YES
