"""Plain text: bytes decoded whatever their encoding, and the tidy lines every reader gives back."""

from __future__ import annotations

from factcheck.errors import BinaryInputError, EmptyInputError


def decode(data: bytes, name: str) -> str:
    """The text of `data`: by its byte-order mark, else UTF-8, cp1252 or charset-normalizer's guess; empty and
    binary input refused."""
    if not data.strip():
        raise EmptyInputError(f"{name} is empty")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    head = data[:8192]
    if b"\x00" in head or _control_share(head) > 0.05:
        raise BinaryInputError(f"{name} looks like a binary file, not text")
    for codec in ("utf-8", "cp1252"):  # Word exports are usually one or the other; English text rarely anything else
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best)
    return data.decode("cp1252", errors="replace")


def _control_share(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


def decode_declared(data: bytes, charset: str | None) -> str | None:
    """`data` decoded with a declared charset (HTTP header, <meta>); None if there is none or it fails."""
    if not charset or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def tidy(text: str) -> str:
    """Each line's whitespace runs as single spaces, empty lines dropped."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)
