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
    """The text of `data`: by its byte-order mark, else UTF-8 (with a few broken bytes, as U+FFFD), cp1252 or
    charset-normalizer's guess; empty and binary input refused."""
    if not data.strip():
        raise EmptyInputError(f"{name} is empty")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    head = data[:8192]
    if b"\x00" in head or _control_share(head) > 0.05:
        raise BinaryInputError(f"{name} looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly
    try:  # Word exports are UTF-8 or cp1252; English text rarely anything else
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best)
    return data.decode("cp1252", errors="replace")


# a well-formed UTF-8 sequence of two to four bytes
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (each shown as U+FFFD), when most of its non-ASCII bytes form well-formed
    UTF-8 characters: in cp1252 text almost none do, and read as cp1252, every curly quotation mark of UTF-8
    text would turn into three letters ("â€œ") and no quotation would be found."""
    well_formed = sum(len(m) for m in UTF8_MULTIBYTE.findall(data))
    if not well_formed:
        return None
    non_ascii = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    return data.decode("utf-8", errors="replace") if 2 * well_formed >= non_ascii else None


def _control_share(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


# Labels a page declares that browsers read as windows-1252 (the WHATWG Encoding Standard): pages that say
# latin-1 are mostly cp1252, and read as latin-1 their curly quotes (0x93, 0x94) would be control characters.
LATIN1_LABELS = frozenset({
    "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100", "iso8859-1",
    "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "latin-1", "us-ascii", "windows-1252", "x-cp1252",
})


def decode_declared(data: bytes, charset: str | None) -> str | None:
    """`data` decoded with a declared charset (HTTP header, <meta>); None if there is none or it fails."""
    if not charset or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    codecs = ("cp1252", charset) if charset.strip().lower() in LATIN1_LABELS else (charset,)
    for codec in codecs:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass
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
