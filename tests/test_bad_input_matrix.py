"""Bad input of every kind, through the public entry points (factcheck.check, factcheck.load and the CLI): each
gives either one line of error with exit status 2 and no traceback, or a report that is right about the input."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

import factcheck
from factcheck.cli import Injected, app
from factcheck.config import MODELS_DIR_ENV, load_settings, models_dir, with_overrides
from factcheck.errors import FactcheckError
from factcheck.report import render
from factcheck.types import Report
from tests.conftest import SAMPLES
from tests.fakes import HashingEmbedder

CASE = SAMPLES / "birmingham-2021"
SOURCE = "Inspectors said pupils are safe and staff are kind. However, attendance is too low.\n"
RELEASE = 'The trust said inspectors found "pupils are safe".\n'
MB = 1_000_000


# --- building the inputs --------------------------------------------------------------------------------------------


def word_file(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD_DOCX = word_file("The trust said inspectors found “pupils are safe”.")


def rezipped(
    changes: dict[str, Callable[[bytes], bytes]] | None = None,
    extra: tuple[tuple[str, bytes], ...] = (),
    original: bytes = GOOD_DOCX,
) -> bytes:
    """The Word file with some members rewritten and others added."""
    changes = changes or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            target.writestr(member.filename, changes.get(member.filename, lambda d: d)(data))
        for name, data in extra:
            target.writestr(name, data)
    return out.getvalue()


def zip_bomb(members: dict[str, int]) -> bytes:
    """The Word file with these members (new ones, or in place of its own) made of zeros, `size` bytes each once
    inflated, streamed in so that neither the test nor the archive holds them: 90 MB deflate to about 90 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD_DOCX)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member in source.infolist():
            if member.filename not in members:
                target.writestr(member.filename, source.read(member.filename))
        for name, size in members.items():
            with target.open(name, "w", force_zip64=True) as stream:
                chunk = bytes(MB)
                for _ in range(size // MB):
                    stream.write(chunk)
    return out.getvalue()


def with_lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """The archive with `member`'s uncompressed size declared as `declared` in both of its headers."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        struct.pack_into("<I", patched, archive.getinfo(member).header_offset + 22, declared)
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == member.encode():
            struct.pack_into("<I", patched, entry + 24, declared)
        entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(patched)


def encrypted_flag(data: bytes) -> bytes:
    """The archive with every member marked as encrypted (general purpose bit 0), as a password sets it."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            patched[member.header_offset + 6] |= 1
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        patched[entry + 8] |= 1
        entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(patched)


def damaged_deflate(data: bytes, member: str) -> bytes:
    """The archive with bytes in the middle of `member`'s deflate stream flipped."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 40):
        patched[k] ^= 0x55
    return bytes(patched)


def document_xml(body: bytes) -> Callable[[bytes], bytes]:
    """A change to word/document.xml: `body` in place of the text of its one paragraph."""
    return lambda xml: xml.replace(b"pupils are safe", body)


LAUGHS = (
    b'<!DOCTYPE w:document [<!ENTITY a "laugh"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
)


def with_doctype(doctype: bytes, entity: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        declaration, rest = xml.split(b"?>", 1)
        return declaration + b"?>" + doctype + rest.replace(b"pupils are safe", entity)

    return change


def pdf(*pages: bytes | tuple[bytes, str]) -> bytes:
    """A PDF with one page per content stream (a (stream, filter) pair for a compressed one), in Helvetica."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for page in pages:
        stream, compression = (page, b"") if isinstance(page, bytes) else (page[0], b" /Filter /" + page[1].encode())
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(stream), compression, stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_page(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"


GOOD_PDF = pdf(text_page("The trust said inspectors found \"pupils are safe\"."), text_page("Staff are kind."))


def workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def external_entity(folder: Path) -> Path:
    """A Word file whose text is an external entity naming a file beside it."""
    secret = folder / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    doctype = b'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "%s">]>' % secret.as_uri().encode()
    path = folder / "release.docx"
    path.write_bytes(rezipped({"word/document.xml": with_doctype(doctype, b"&secret;")}))
    return path


def fifo(folder: Path) -> Path:
    path = folder / "release.txt"
    os.mkfifo(path)
    return path


# --- what the report must show --------------------------------------------------------------------------------------


FOUND = ("verbatim", "minor_edit", "elided", "truncated", "context_omitted")


def quotation_found(text: str, verdict: str | None = "verbatim") -> Callable[[Report, str], None]:
    """The report has the quotation `text` with `verdict` (None: any verdict that finds it in the source), at
    offsets that give back its words."""

    def expect(report: Report, release_text: str) -> None:
        found = [q for q in report.quotes if q.text == text]
        assert found, [q.text for q in report.quotes]
        assert found[0].verdict in ((verdict,) if verdict else FOUND)
        assert release_text[found[0].start : found[0].end] == text

    return expect


def and_text(check: Callable[[Report, str], None], holds: Callable[[str], bool]) -> Callable[[Report, str], None]:
    def expect(report: Report, release_text: str) -> None:
        check(report, release_text)
        assert holds(release_text), release_text[:300]

    return expect


def text_holds(holds: Callable[[str], bool]) -> Callable[[Report, str], None]:
    """The release's text, as read, passes `holds` (whatever the report says of it)."""
    return and_text(lambda report, release_text: None, holds)


def all_claims_supported(report: Report, release_text: str) -> None:
    assert report.quotes == [] and report.claims
    assert {c.verdict for c in report.claims} == {"supported"}


# --- the cases ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One kind of bad input: the release file it writes, and the error it must give or the report it must get."""

    kind: str
    write: Callable[[Path], Path]
    error: str | None = None  # a fragment of the one-line error; None when a report is expected
    expect: Callable[[Report, str], None] | None = None
    limits: dict[str, object] = field(default_factory=dict)  # settings (and, for the CLI, models/) changed
    source: Callable[[Path], Path] | None = None  # the source, when it is not SOURCE

    def __post_init__(self) -> None:
        assert (self.error is None) != (self.expect is None), self.kind


def file(name: str, data: bytes | str | Callable[[], bytes]) -> Callable[[Path], Path]:
    """A writer of `data` (made only when the case runs, for the big ones) to `name`."""

    def write(folder: Path) -> Path:
        path = folder / name
        content = data() if callable(data) else data
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


def directory(folder: Path) -> Path:
    path = folder / "a folder"
    path.mkdir()
    return path


def the_sample_source(folder: Path) -> Path:
    return CASE / "source.txt"


SEEDED = random.Random(20211201)
BINARY = bytes(SEEDED.randrange(256) for _ in range(4000))
CASES = [
    Case("empty", file("release.txt", b""), error="is empty"),
    Case("whitespace only", file("release.txt", b"  \n\t \r\n  "), error="is empty"),
    Case("binary", file("release.txt", BINARY), error="looks like a binary file"),
    Case("NUL bytes", file("release.txt", RELEASE.replace(" ", "\x00", 3)), error="looks like a binary file"),
    Case(
        "a NUL after the first 8 KB", file("release.txt", RELEASE + "Staff are kind. " * 600 + "\x00 end.\n"),
        expect=and_text(quotation_found("pupils are safe"), lambda text: "\x00" not in text),
    ),
    Case(
        "invalid UTF-8", file("release.txt", "The trust said inspectors found “pupils are safe”.\n".encode() + b"\xff\xfe\xc3(\n"),
        expect=and_text(quotation_found("pupils are safe"), lambda text: "\ufffd" in text and "â€" not in text),
    ),
    Case("UTF-16 with BOM", file("release.txt", RELEASE.encode("utf-16")), expect=quotation_found("pupils are safe")),
    Case(
        "CRLF line ends", file("release.txt", ("Headline\r\n\r\n" + RELEASE).replace("\n", "\r\n")),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "lone CR line ends (old Mac)", file("release.txt", ("Headline\r\r" + RELEASE).replace("\n", "\r")),
        expect=and_text(quotation_found("pupils are safe"), lambda text: "\r" not in text),
    ),
    Case(
        "cp1252 smart quotes (a Word export)",
        file("release.txt", "The trust said inspectors found \u201cpupils are safe\u201d \u2013 caf\u00e9.\n".encode("cp1252")),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "latin-1 declared, cp1252 written", file("release.html", b'<html><head><meta charset="iso-8859-1"></head><body>'
        b"<p>The trust said inspectors found \x93pupils are safe\x94 today.</p></body></html>"),
        expect=quotation_found("pupils are safe"),
    ),
    Case("a .pdf that is text", file("release.pdf", RELEASE), expect=quotation_found("pupils are safe")),
    Case("a PDF", file("release.pdf", GOOD_PDF), expect=quotation_found("pupils are safe")),
    Case("truncated PDF", file("release.pdf", GOOD_PDF[: len(GOOD_PDF) // 2]), error="could not be read as a PDF"),
    Case("PDF of garbage", file("release.pdf", b"%PDF-1.7\n" + BINARY), error="could not be read as a PDF"),
    Case("PDF without its xref", file("release.pdf", GOOD_PDF.replace(b"startxref", b"startxxxx")), error="could not be read as a PDF"),
    Case("PDF without pages", file("release.pdf", pdf()), error="a PDF without pages"),
    Case(
        "PDF bomb (a stream inflating to 80 MB)",
        file("release.pdf", lambda: pdf((zlib.compress(text_page("x") + b" " * 80 * MB, 9), "FlateDecode"))),
        error="inflates past pypdf's size limit",
    ),
    Case(
        "PDF over the page limit", file("release.pdf", GOOD_PDF), limits={"max_pdf_pages": 1},
        error="has more than 1 page (limits.max_pdf_pages)",
    ),
    Case("a Word file", file("release.docx", GOOD_DOCX), expect=quotation_found("pupils are safe")),
    Case(
        "DOCX: invalid word/document.xml", file("release.docx", rezipped({"word/document.xml": lambda xml: xml[: len(xml) // 2]})),
        error="its XML is not well-formed",
    ),
    Case(
        "DOCX: empty word/document.xml", file("release.docx", rezipped({"word/document.xml": lambda xml: b""})),
        error="its XML is not well-formed (Document is empty",
    ),
    Case(
        "DOCX: word/document.xml of another kind", file("release.docx", rezipped({"word/document.xml": lambda xml: b"<x/>"})),
        error="word/document.xml has no document body",
    ),
    Case(
        "DOCX: a corrupt deflate stream", file("release.docx", damaged_deflate(GOOD_DOCX, "word/document.xml")),
        error="word/document.xml: does not inflate",
    ),
    Case(
        "DOCX: a single 11 MB text node",
        file("release.docx", lambda: rezipped({"word/document.xml": document_xml(b"x" * 11 * MB)})),
        error="a run of text over 10 MB, libxml2's limit (huge_tree off)",
    ),
    Case(
        "DOCX: entity expansion (a billion laughs)",
        file("release.docx", rezipped({"word/document.xml": with_doctype(LAUGHS, b"&f;")})),
        error="declares entities that expand past libxml2's amplification limit",
    ),
    Case(
        "DOCX: an entity of 10,000 words, not expanded",
        file("release.docx", rezipped({"word/document.xml": with_doctype(LAUGHS.split(b'<!ENTITY f')[0] + b"]>", b"&e;")})),
        expect=text_holds(lambda text: "laugh" not in text and "The trust said" in text),
    ),
    Case(
        "DOCX: an external entity", external_entity,
        expect=text_holds(lambda text: "SECRET" not in text and "The trust said" in text),
    ),
    Case(
        "DOCX: password-protected", file("release.docx", encrypted_flag(GOOD_DOCX)),
        error="is password-protected",
    ),
    Case(
        "DOCX: zip bomb, word/document.xml inflating to 250 MB",
        file("release.docx", lambda: zip_bomb({"word/document.xml": 250 * MB})),
        error="word/document.xml inflates past 100 MB (limits.max_member_bytes)",
    ),
    Case(
        "DOCX: zip bomb, three members of 90 MB",
        file("release.docx", lambda: zip_bomb({f"word/media/image{n}.png": 90 * MB for n in range(3)})),
        error=": inflates past 200 MB (limits.max_decompressed_bytes)",
    ),
    Case(
        "DOCX: a member whose headers understate it",
        file("release.docx", lambda: with_lying_sizes(
            rezipped(extra=(("word/media/image1.png", bytes(5 * MB)),)), "word/media/image1.png", 1000)),
        error="is damaged: word/media/image1.png: Bad CRC-32",
    ),
    Case(
        "DOCX: inflating past a lowered limit", file("release.docx", GOOD_DOCX), limits={"max_decompressed_bytes": 10_000},
        error="inflates past 10,000 bytes (limits.max_decompressed_bytes)",
    ),
    Case("an Excel workbook named .docx", file("release.docx", workbook()), error="is an Excel workbook"),
    Case("HTML that is really binary", file("release.html", b"<html>" + BINARY), error="looks like a binary file"),
    Case("a JPEG named .html", file("release.html", b"\xff\xd8\xff\xe0" + BINARY), error="is a JPEG image"),
    Case(
        "broken HTML", file("release.html", b'<html><body><p>The trust said inspectors found "pupils are safe".<div><<<>>></x></y></body'),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "HTML nested 20,000 deep", file("release.html", b"<html><body>" + b"<div>" * 20_000 + RELEASE.encode() + b"</div>" * 20_000),
        error="nests elements deeper than 256, libxml2's limit (huge_tree off)",
    ),
    Case(
        "HTML with an 11 MB text node", file("release.html", lambda: b"<html><body><p>" + b"a" * 11 * MB + b"</p></body></html>"),
        error="a run of text over 10 MB, libxml2's limit (huge_tree off)",
    ),
    Case(
        "Markdown with a 300 KB line of unclosed emphasis",
        file("release.md", RELEASE + "\n" + "_a *b [c ~~d `e " * 20_000 + "\n"),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "10,000 quote marks", file("release.txt", RELEASE + '"' * 10_000 + "\n"),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "unbalanced and nested quotes",
        file("release.txt", RELEASE + 'He said "never closed and \u201cmixed\u201d "nested \u2018inner\u2019 words" and \u201cdangling.\n'),
        expect=quotation_found("pupils are safe"),
    ),
    Case(
        "right-to-left text", file("release.txt", 'قال المفتشون "التلاميذ آمنون". ' + RELEASE),
        expect=and_text(quotation_found("pupils are safe"), lambda text: "التلاميذ آمنون" in text),
    ),
    Case(
        "emoji", file("release.txt", 'The trust 🎉 said inspectors found "pupils are safe 👍" 👨‍👩‍👧.\n'),
        expect=quotation_found("pupils are safe 👍", verdict=None),
    ),
    Case(
        "combining marks", file("release.txt", 'The trust said inspectors found "pupils are safe" in the cafe\u0301 Z\u0351\u0352a\u0300\u0301lgo\u0353.\n'),
        expect=and_text(quotation_found("pupils are safe"), lambda text: "cafe\u0301" in text),
    ),
    Case("a directory", directory, error="is a directory"),
    Case("a missing file", lambda folder: folder / "nowhere.txt", error="no such file"),
    Case("release equal to source", the_sample_source, source=the_sample_source, expect=all_claims_supported),
    Case(
        "over the read-time budget", file("release.txt", RELEASE), limits={"max_read_seconds": 1e-9},
        error="took longer than 1e-09 s (limits.max_read_seconds)",
    ),
    Case(
        "over the text length limit", file("release.txt", RELEASE), limits={"max_text_chars": 20},
        error="characters, over the limit of 20 (limits.max_text_chars)",
    ),
]
if hasattr(os, "mkfifo"):
    CASES.append(Case("a named pipe", fifo, error="is not a regular file"))


# --- running them ---------------------------------------------------------------------------------------------------


@pytest.fixture
def models_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, object]], None]:
    """models/ copied, with some limits changed, for the CLI to read (FACTCHECK_MODELS_DIR)."""

    def change(limits: dict[str, object]) -> None:
        if not limits:
            return
        target = tmp_path / "models"
        shutil.copytree(models_dir(), target)
        settings = target / "settings.toml"
        text = settings.read_text(encoding="utf-8")
        for key, value in limits.items():
            text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value!r}", text)
            assert count == 1, key
        settings.write_text(text, encoding="utf-8")
        monkeypatch.setenv(MODELS_DIR_ENV, str(target))

    return change


def one_line(message: str) -> None:
    assert message and "\n" not in message.strip() and "Traceback" not in message, message


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input_gives_one_line_or_a_report(case: Case, tmp_path: Path, models_with, fake_embedder) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    bad = case.write(folder)
    (folder / "good.txt").write_text(SOURCE, encoding="utf-8")
    source = case.source(folder) if case.source else folder / "good.txt"
    settings = with_overrides(load_settings(), limits=case.limits) if case.limits else load_settings()

    # the library
    if case.error is not None:
        with pytest.raises(FactcheckError) as raised:
            factcheck.check(bad, source, settings=settings, embedder=fake_embedder)
        assert case.error in str(raised.value)
        one_line(str(raised.value))
        with pytest.raises(FactcheckError, match=re.escape(case.error)):  # the same input as a source
            factcheck.check(folder / "good.txt", bad, settings=settings, embedder=fake_embedder)
    else:
        report = factcheck.check(bad, source, settings=settings, embedder=fake_embedder)
        assert case.expect is not None
        case.expect(report, factcheck.load(bad, settings).text)

    # the command line, with the same limits in its models/
    models_with(case.limits)
    result = CliRunner().invoke(
        app, ["check", str(bad), str(source), "-f", "json", "--no-config"], obj=Injected(embedder_factory=HashingEmbedder)
    )
    assert "Traceback" not in result.output
    if case.error is not None:
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        one_line(result.stderr)
        assert result.stderr.startswith("factcheck: error:") and case.error in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["summary"]["quotes"] == len(report.quotes)


def test_a_5_mb_line_is_read_as_one_paragraph(tmp_path: Path) -> None:
    """The readers take a 5 MB line in one pass; the whole check is run on a shorter one (below)."""
    line = ("pupils are safe and staff are kind " * 150_000)[: 5 * MB]
    path = tmp_path / "source.txt"
    path.write_text(line, encoding="utf-8")
    document = factcheck.load(path)
    assert document.text == line and len(document.paragraphs) == 1


@pytest.mark.parametrize("side", ["release", "source"])
def test_a_long_line_is_checked(tmp_path: Path, side: str) -> None:
    """200 KB: the stages after the readers are not yet linear in a line's length (measured on this machine: a 5 MB
    line took 12 s as the source and 24 s as the release), so the matrix does not run them on 5 MB."""
    line = ("pupils are safe and staff are kind " * 6_000)[:200_000]
    (tmp_path / "source.txt").write_text(line if side == "source" else SOURCE, encoding="utf-8")
    (tmp_path / "release.txt").write_text(RELEASE + (line if side == "release" else ""), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["check", str(tmp_path / "release.txt"), str(tmp_path / "source.txt"), "-f", "json", "--no-config"],
        obj=Injected(embedder_factory=HashingEmbedder),
    )
    assert result.exit_code == 0, result.output
    assert [(q["text"], q["verdict"]) for q in json.loads(result.stdout)["quotes"]] == [("pupils are safe", "verbatim")]


# --- hostile text: escaped or removed in every format, never active ------------------------------------------------

HOSTILE_QUOTE = "pupils are \x1b[31msafe\x1b[0m <script>alert(1)</script> | a | b |"
HOSTILE_RELEASE = (
    f'The trust said inspectors found "{HOSTILE_QUOTE}".\n\n'
    "The inspectors found that \x1b]8;;https://evil.example/\x1b\\staff are kind\x1b]8;;\x1b\\ and "
    "[attendance is too low](javascript:alert(2)) <a href=\"javascript:alert(3)\">here</a> \x07\x9b31m.\n"
)
HOSTILE_SOURCE = "Inspectors said pupils are safe <script>alert(1)</script> | a | b | and staff are kind.\n"


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("hostile")
    release = folder / "re\x1b[31mlease.txt"  # a file name a terminal would act on
    release.write_text(HOSTILE_RELEASE, encoding="utf-8")
    (folder / "source.txt").write_text(HOSTILE_SOURCE, encoding="utf-8")
    outputs = {}
    for fmt in ("json", "md", "html", "text"):
        result = CliRunner().invoke(
            app, ["check", str(release), str(folder / "source.txt"), "-f", fmt, "--no-config"],
            obj=Injected(embedder_factory=HashingEmbedder),
        )
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.stdout
    report = factcheck.check(release, folder / "source.txt", embedder=HashingEmbedder())
    outputs["library text"] = render(report, "text")
    return outputs


@pytest.mark.parametrize("fmt", ["json", "md", "html", "text", "library text"])
def test_terminal_escapes_never_reach_any_output(hostile_outputs: dict[str, str], fmt: str) -> None:
    out = hostile_outputs[fmt]
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out.replace("\r\n", "\n")), fmt
    assert "evil.example" not in out  # the OSC 8 hyperlink went with its escape sequence
    assert "lease.txt" in out and "\\x1b" in out  # the file name shown with its escape spelled out
    assert "safe" in out and "staff are kind" in out


def test_the_quotation_is_still_checked_without_its_escapes(hostile_outputs: dict[str, str]) -> None:
    report = json.loads(hostile_outputs["json"])
    [quote] = [q for q in report["quotes"] if "pupils are" in q["text"]]
    assert quote["verdict"] == "verbatim"
    assert quote["text"].split() == ["pupils", "are", "safe", "<script>alert(1)</script>", "|", "a", "|", "b", "|"]


def test_markup_from_the_input_is_escaped_in_html(hostile_outputs: dict[str, str]) -> None:
    out = hostile_outputs["html"]
    assert "<script>alert" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", out, re.IGNORECASE)
    assert "<a href=\"javascript" not in out


def test_markup_from_the_input_is_escaped_in_markdown(hostile_outputs: dict[str, str]) -> None:
    out = hostile_outputs["md"]
    assert "<script" not in out and "&lt;script&gt;" in out
    assert not re.search(r"(?<!\\)\]\(javascript:", out)  # no link: its brackets are escaped
    assert r"\| a \| b \|" in out
    for line in out.splitlines():
        if "a \\| b" in line:
            assert not re.search(r"(?<!\\)\| a (?<!\\)\|", line), line  # a pipe from the input never splits a table row
