"""Plain text: bytes decoded whatever their encoding, and the tidy lines every reader gives back."""

from __future__ import annotations

import re

from factcheck.errors import BinaryInputError, EmptyInputError

# Terminal control sequences: CSI ("\x1b[31m"), OSC ("\x1b]8;;url\x1b\\", a hyperlink; ended by BEL or ST, or
# at the line's end when unterminated) and the other two-character escapes. Each class stops at the next
# escape, so a line of ten thousand unterminated escapes is still read in one pass.
TERMINAL_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[ -~]?"
)
LONE_CR = re.compile(r"\r(?!\n)")


def _cp1252_or_space(code: int) -> str:
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return " "


# C0 controls other than tab, line feed, carriage return and form feed (a page break), and DEL, become spaces;
# a vertical tab (Word's manual line break) a line feed; a C1 character its cp1252 character
CONTROLS: dict[int, str] = {
    **{code: " " for code in (*range(0x09), *range(0x0E, 0x20), 0x7F)},
    0x0B: "\n",
    **{code: _cp1252_or_space(code) for code in range(0x80, 0xA0)},
}
ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NOT_PLAIN = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")


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


def readable(text: str) -> str:
    """`text` with nothing a terminal would act on, and of the same length, so every offset into it is still
    right: escape sequences and control characters become spaces. A C1 character (U+0080-U+009F) is what a
    cp1252 byte becomes when a page says latin-1 but was written in cp1252 (its curly quotes are 0x93 and
    0x94), so it becomes that character (a space for the five cp1252 leaves unused). A vertical tab (Word's
    manual line break) and a lone carriage return (old Mac line ends) become line feeds."""
    if not NOT_PLAIN.search(text):
        return text  # the common case, in one pass
    text = TERMINAL_SEQUENCE.sub(lambda m: " " * len(m.group()), text).translate(CONTROLS)
    return LONE_CR.sub("\n", text)


def printable_name(name: str) -> str:
    """A file name or URL as reports show it: each control character as its escape ("\\x1b"), so a name can
    neither colour a terminal nor break a line."""
    return ANY_CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), name)
