"""The fields of a posted form, as the page and the API receive them: multipart/form-data parsed with
python-multipart, application/x-www-form-urlencoded with urllib. Every field is kept, in the order it was sent,
so a name may repeat (several sources, a file input with `multiple`), and in memory: nothing is written to disk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from factcheck.web.submission import RequestError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Field:
    name: str
    filename: str | None  # None for a plain field; "" for a file input left empty, as browsers send it
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @property
    def chosen_file(self) -> bool:
        return bool(self.filename)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parse_fields(content_type: str, body: bytes, accepted: Sequence[str] = (MULTIPART, URLENCODED)) -> list[Field]:
    """The fields of a form body; RequestError (415) for a content type not in `accepted`."""
    kind = media_type(content_type)
    if kind not in accepted:
        raise RequestError(
            f"Send {' or '.join(accepted)}, not {kind or 'a body without a Content-Type'}.",
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        )
    if kind == URLENCODED:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise RequestError("The form could not be read: it is not UTF-8.") from None
        return [Field(name, None, value.encode("utf-8")) for name, value in pairs]
    return _multipart_fields(content_type, body)


def _multipart_fields(content_type: str, body: bytes) -> list[Field]:
    boundary = parse_options_header(content_type)[1].get(b"boundary", b"")
    if not boundary:
        raise RequestError("The form could not be read: its Content-Type names no multipart boundary.")
    parts = _Parts()
    try:
        parser = MultipartParser(boundary, parts.callbacks())
        parser.write(body)
    except FormParserError as e:
        raise RequestError(f"The form could not be read: it is not valid multipart/form-data ({e}).") from None
    if parser.state != MultipartState.END:
        if not parts.fields:
            raise RequestError("The form could not be read: a multipart request without parts.")
        raise RequestError("The form could not be read: it ends before its closing boundary.")
    return parts.fields


class _Parts:
    """What python-multipart's callbacks report, gathered into Fields (one _Parts for each body parsed)."""

    def __init__(self) -> None:
        self.fields: list[Field] = []
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_name_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._data = {}, bytearray()

    def _header_name_data(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).strip().lower()] = bytes(self._header_value).strip()
        self._header_name, self._header_value = bytearray(), bytearray()

    def _part_end(self) -> None:
        disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if disposition != b"form-data" or name is None:
            return  # not a form field: nothing a browser sends
        filename = params.get(b"filename")
        self.fields.append(
            Field(_header_text(name), None if filename is None else _header_text(filename), bytes(self._data))
        )


def _header_text(value: bytes) -> str:
    """A name or filename from a part's headers: browsers send UTF-8 (parse_options_header gives latin-1 bytes back
    as they came)."""
    return value.decode("utf-8", errors="replace")


def named(fields: Sequence[Field], name: str) -> list[Field]:
    return [field for field in fields if field.name == name]
