"""The fields of a posted form, as the page and the API receive them: multipart/form-data parsed with the
standard library's email parser, application/x-www-form-urlencoded with urllib. Every field is kept, in the
order it was sent, so a name may repeat (several sources, a file input with `multiple`)."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl

from factcheck.web.submission import RequestError

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
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise RequestError("The form could not be read: a multipart request without parts.")
    fields: list[Field] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        fields.append(Field(name, part.get_filename(), payload if isinstance(payload, bytes) else b""))
    return fields


def named(fields: Sequence[Field], name: str) -> list[Field]:
    return [field for field in fields if field.name == name]
