"""Inputs by content: PDF, HTML, DOCX, Markdown and cp1252 text, each made here from the reference case and
checked to give the same verdicts as the plain-text files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import factcheck
from factcheck.config import Settings, load_settings
from tests.fakes import HashingEmbedder
from factcheck.errors import BinaryInputError, EmptyInputError, InputTooLargeError, NoTextLayerError
from factcheck.inputs import detect, extract_text, load, looks_like_markdown, markdown_text, read_input

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "samples" / "birmingham-2021"
RELEASE = (CASE / "release.txt").read_text(encoding="utf-8")
SOURCE = (CASE / "source.txt").read_text(encoding="utf-8")

# Words the PDF breaks at a line end with a hyphen: the first two are hyphenation (the whole word appears
# elsewhere in the letter), the third is a real hyphen that must survive.
HYPHEN_SPLITS = {"exploitation": ("exploi-", "tation"), "apprenticeships,": ("apprentice-", "ships,"),
                 "well-matched": ("well-", "matched")}
HEADER = "Ofsted focused visit: Birmingham Children's Trust"
FOOTER = "Ofsted, Piccadilly Gate, Manchester M1 2WD"


def blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n[ \t]*\n", text) if b.strip()]


# --- making the files ---------------------------------------------------------------------------------------


def make_pdf(text: str, path: Path) -> dict[str, object]:
    """A letter set in A4 pages with a running header (and page number) and footer ("Page N of M"), words
    hyphenated at line ends, and a page break forced wherever the text file shows one (a paragraph that goes
    on in lower case). Returns what was done, so the test can check the file really has it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    width, height = A4
    left, right, top, bottom = 72.0, width - 72.0, height - 90.0, 90.0
    font, size, leading, para_gap = "Helvetica", 10.5, 13.5, 9.0
    pages: list[list[tuple[float, float, str]]] = [[]]
    y = top
    pending = dict(HYPHEN_SPLITS)
    done: dict[str, object] = {"splits": [], "forced_breaks": 0}

    def fits(s: str, indent: float) -> bool:
        return left + indent + stringWidth(s, font, size) <= right

    def emit(s: str, x: float) -> None:
        nonlocal y
        if y < bottom:
            pages.append([])
            y = top
        pages[-1].append((x, y, s))
        y -= leading

    previous = ""
    for block in blocks(text):
        if block.lstrip()[:1].islower() and not re.search(r"[.!?:]\s*$", previous):
            pages.append([])  # the page break that split this paragraph in the original
            y = top
            done["forced_breaks"] = int(done["forced_breaks"]) + 1  # type: ignore[call-overload]
        elif pages[-1]:
            y -= para_gap
        for raw in block.split("\n"):
            line = raw.strip()
            bullet = line.startswith("- ")
            indent = 14.0 if bullet else 0.0
            line = line[2:] if bullet else line
            current = ""
            first = True

            def put(s: str) -> None:
                emit(("\u2022 " + s) if bullet and first else s, left if first else left + indent)

            for word in line.split():
                split = pending.get(word)
                if split and current and fits(f"{current} {split[0]}", indent):
                    del pending[word]  # break this word at the line end
                    done["splits"].append(split)  # type: ignore[union-attr]
                    put(f"{current} {split[0]}")
                    first = False
                    current = split[1]
                    continue
                candidate = f"{current} {word}".strip()
                if fits(candidate, indent):
                    current = candidate
                    continue
                put(current)
                first = False
                current = word
            if current:
                put(current)
        previous = block

    pdf = canvas.Canvas(str(path), pagesize=A4)
    total = len(pages)
    for number, page in enumerate(pages, 1):
        pdf.setFont(font, 8.5)
        pdf.drawString(left, height - 50, HEADER)
        pdf.drawRightString(right, height - 50, str(number))
        pdf.setFont(font, size)
        for x, line_y, s in page:
            pdf.drawString(x, line_y, s)
        pdf.setFont(font, 8.5)
        pdf.drawString(left, 50, FOOTER)
        pdf.drawRightString(right, 50, f"Page {number} of {total}")
        pdf.showPage()
    pdf.save()
    done["pages"] = total
    done["page_ends"] = [page[-1][2] for page in pages if page]
    return done


def make_html(text: str, path: Path) -> None:
    """The release as a news page: navigation, site header, cookie banner and footer around an <article>,
    the bullets as a <ul>, one quotation in <q>, one paragraph in a <blockquote>."""
    from html import escape

    parts: list[str] = []
    for i, block in enumerate(blocks(text)):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if i == 0:
            parts.append(f"<h1>{escape(lines[0])}</h1>")
        elif all(ln.startswith("\u2022") for ln in lines):
            items = "".join("<li>" + escape(ln.lstrip("\u2022 ")) + "</li>" for ln in lines)
            parts.append(f"<ul>{items}</ul>")
        elif block.startswith("\u201cAfter many years"):
            parts.append(f"<blockquote><p>{escape(block)}</p></blockquote>")
        else:
            para = escape(" ".join(lines))
            para = para.replace("\u2018focused visit\u2019", "<q>focused visit</q>")
            parts.append(f"<p>{para}</p>")
    menu = ("Home", "About us", "News", "Contact us")
    nav = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in menu)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>News | Birmingham Children's Trust</title>
<style>body {{ font-family: sans-serif }}</style><script>window.dataLayer = [];</script></head>
<body>
<div class="cookie-banner" id="cookies"><p>We use cookies to make this website work and to see how you use it.
We’d like to set “analytics” cookies too.</p>
<button>Accept all cookies</button> <button>Reject</button></div>
<header class="site-header"><a class="logo" href="/">Birmingham Children’s Trust</a>
<p class="strap">“Making a positive difference every day”</p></header>
<nav aria-label="Main"><ul>{nav}</ul></nav>
<main><article class="news">
{chr(10).join(parts)}
</article>
<aside><h2>Related news</h2><ul><li><a href="/n1">Trust welcomes new foster carers</a></li></ul></aside>
</main>
<footer><ul><li><a href="/privacy">Privacy</a></li><li><a href="/a11y">Accessibility</a></li></ul>
<p>© 2021 Birmingham Children’s Trust. Registered company 10860715.</p></footer>
</body></html>"""
    path.write_text(page, encoding="utf-8")


def make_docx(text: str, path: Path) -> None:
    """The release as a Word document: a title, body paragraphs, the bullets as List Bullet paragraphs."""
    import docx

    document = docx.Document()
    for i, block in enumerate(blocks(text)):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if i == 0:
            document.add_heading(lines[0], level=1)
        elif all(ln.startswith("\u2022") for ln in lines):
            for ln in lines:
                document.add_paragraph(ln.lstrip("\u2022 "), style="List Bullet")
        else:
            document.add_paragraph(" ".join(lines))
    document.save(str(path))


# --- helpers -----------------------------------------------------------------------------------------------


def small_limit_settings() -> Settings:
    """The settings with a 1,000-byte input limit."""
    settings = load_settings()
    limits = settings.limits.model_copy(update={"max_input_bytes": 1000})
    return settings.model_copy(update={"limits": limits})


def outcome(release: object, source: object) -> list[tuple[str, str]]:
    report = factcheck.check(release, source, embedder=HashingEmbedder())
    return [(" ".join(q.text.split()), q.verdict) for q in report.quotes]


@pytest.fixture(scope="module")
def baseline() -> list[tuple[str, str]]:
    result = outcome(CASE / "release.txt", CASE / "source.txt")
    assert len(result) == 19
    return result


# --- the same verdicts from every format --------------------------------------------------------------------


def test_pdf_source_gives_the_same_verdicts(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    import pypdf

    path = tmp_path / "letter.pdf"
    made = make_pdf(SOURCE, path)
    # the file really has what the test is about
    assert int(made["pages"]) >= 3  # type: ignore[call-overload]
    assert int(made["forced_breaks"]) == 2  # type: ignore[call-overload]
    assert len(made["splits"]) == len(HYPHEN_SPLITS)  # type: ignore[arg-type]
    raw = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    assert "exploi-\ntation" in raw and "well-\nmatched" in raw and raw.count(HEADER) == made["pages"]
    assert any(not re.search(r"[.!?:]$", end) for end in made["page_ends"])  # type: ignore[union-attr]

    text = extract_text(path.read_bytes(), str(path), None)  # no hint: detected by content
    assert HEADER not in text and FOOTER not in text and "Page 1 of" not in text
    assert not re.search(r"^\d+$", text, re.MULTILINE)
    assert "grooming and exploitation risks" in text and "whether these be apprenticeships, college" in text
    assert text.count("stable and well-matched placements") == 2
    assert "This means the child's plan is not reviewed when there has been a substantive change" in text
    assert "CAMHS are involved, there is insufficient clarity" in text
    for para in blocks(SOURCE):  # each source paragraph is one paragraph of the extracted text
        if len(para) > 200 and para[:1].isupper() and para.rstrip().endswith("."):
            assert para.strip() in blocks(text), para[:60]

    doc = load(path)
    assert doc.name == str(path) and doc.text == text
    assert outcome(CASE / "release.txt", path) == baseline


def test_html_release_gives_the_same_verdicts(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    path = tmp_path / "release.page"  # an extension that says nothing: detected by content
    make_html(RELEASE, path)
    text = extract_text(path.read_bytes(), str(path), None)
    assert "cookies" not in text and "Contact us" not in text and "Privacy" not in text
    assert "Related news" not in text and "Registered company" not in text
    assert "\u201cfocused visit\u201d" in text  # <q> keeps its marks
    assert "\n- On extended families: \u2018Every effort" in text
    # the <blockquote>, its own paragraph
    assert "\n\n\u201cAfter many years of critical Ofsted reports" in text
    assert outcome(path, CASE / "source.txt") == baseline


def test_docx_release_gives_the_same_verdicts(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    path = tmp_path / "release.docx"
    make_docx(RELEASE, path)
    text = extract_text(path.read_bytes(), str(path), None)
    items = [ln for ln in text.split("\n") if ln.startswith("- On ")]
    assert len(items) == 7
    assert "\n\nWhat Ofsted said about the Trust:\n\n- On services" in text
    assert outcome(path, CASE / "source.txt") == baseline


def test_cp1252_release_gives_the_same_verdicts(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    path = tmp_path / "release.txt"
    path.write_bytes(RELEASE.encode("cp1252"))
    assert read_input(path, load_settings())[1] == RELEASE
    assert outcome(path, CASE / "source.txt") == baseline


def test_markdown_release_gives_the_same_verdicts(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    md = []
    for i, block in enumerate(blocks(RELEASE)):
        if i == 0:
            md.append("# " + block.strip())
        elif block.startswith("Published"):
            md.append("*" + block.strip() + "*")
        elif block.lstrip().startswith("\u2022"):
            md.append("\n".join("* " + ln.strip().lstrip("\u2022 ") for ln in block.split("\n")))
        elif block.startswith("View the Ofsted letter"):
            md.append("[View the Ofsted letter](https://www.gov.uk/ofsted \"the letter\")")
        elif block.startswith("What Ofsted said"):
            md.append("## " + block.strip())
        else:
            trust = "Birmingham Children’s Trust"
            md.append(block.replace(f"{trust} Chief Executive", f"**{trust}** Chief Executive"))
    md.insert(2, "![The Trust's office](office.jpg)")
    path = tmp_path / "release.md"
    path.write_text("\n\n".join(md) + "\n", encoding="utf-8")
    text = extract_text(path.read_bytes(), str(path), None)
    assert "**" not in text and "#" not in text and "](" not in text and "office.jpg" not in text
    assert "\n- On extended families:" in text and "Published: 1st Dec 2021" in text
    assert outcome(path, CASE / "source.txt") == baseline
    # the same file without its extension is still read as Markdown (headings, links and emphasis)
    assert extract_text(path.read_bytes(), "release", None) == text


# --- detection and errors -----------------------------------------------------------------------------------


def test_scanned_pdf_without_text_layer_gives_a_clear_error(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):  # what a scanner makes: shapes (standing in for the page image), no text
        pdf.setFillGray(0.2)
        for row in range(40):
            pdf.rect(72, 760 - row * 16, 300 + (row * 37) % 150, 8, fill=1, stroke=0)
        pdf.showPage()
    pdf.save()
    message = r"scan\.pdf has no text layer \(a scanned PDF\?\); OCR it first"
    with pytest.raises(NoTextLayerError, match=message):
        load(path)


def test_zip_that_is_not_docx_is_binary(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes/readme.txt", "not a Word document")
    path = tmp_path / "release.docx"  # the extension lies; the content decides
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BinaryInputError, match="zip archive"):
        load(path)
    assert detect(b"%PDF-1.7\n...", "x") == "pdf"
    with pytest.raises(BinaryInputError, match="PNG image"):
        detect(b"\x89PNG\r\n\x1a\n\x00\x00", "x.png")
    with pytest.raises(BinaryInputError):
        extract_text(b"\x00\x01\x02\x03binary\x00\x00", "x.bin", None)
    with pytest.raises(EmptyInputError):
        extract_text(b"  \n ", "x.txt", None)


def test_plain_text_is_unchanged_and_markdown_needs_strong_signals() -> None:
    plain = "A report.\n\n- one point\n- another * point\n\nShe said: \u201cit is *fine*\u201d.\n"
    assert not looks_like_markdown(plain)
    assert extract_text(plain.encode(), "x", None) == plain
    assert extract_text(RELEASE.encode(), "release.txt", ".txt") == RELEASE
    assert extract_text(SOURCE.encode(), "source", None) == SOURCE
    # an .md hint is enough
    assert extract_text(b"It was **good**.\n", "x.md", ".md") == "It was good.\n"


def test_markdown_markup_is_stripped() -> None:
    md = (
        "Title\n=====\n\nSee [the letter](https://example.org/a_(b)) and ![logo](l.png) now.\n"
        "Some _emphasis_ and snake_case_word and `code` and ~~gone~~.\n\n"
        "> The inspectors said: \u201cmost children benefit\u201d.\n\n"
        "```python\nx = 'kept'  # as text\n```\n\n1. first\n2. second\n\n---\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
        "\n[ref]: https://example.org\n"
    )
    text = markdown_text(md)
    assert text.startswith("Title\n\nSee the letter and  now.\n")
    assert "Some emphasis and snake_case_word and code and gone." in text
    assert "The inspectors said: \u201cmost children benefit\u201d." in text
    assert "x = 'kept'  # as text" in text and "```" not in text
    assert "1. first\n2. second" in text and "---" not in text and "a | b\n1 | 2" in text
    assert "example.org" not in text


def test_html_fallback_and_charset(tmp_path: Path) -> None:
    # too little for trafilatura's article: the fallback keeps every visible block
    html = ("<html><head><meta charset='iso-8859-1'></head><body><nav>Menu</nav>"
            "<p>Caf\xe9 <q>good</q></p><ul><li>one</li><li>two</li></ul></body></html>").encode("latin-1")
    text = extract_text(html, "page", None)
    assert "Caf\u00e9 \u201cgood\u201d" in text and "- one\n- two" in text and "Menu" not in text
    assert extract_text(html, "page", "text/html; charset=iso-8859-1") == text


def test_size_cap_applies_to_every_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2000)
    small = small_limit_settings()
    with pytest.raises(InputTooLargeError):
        read_input(path, small)


def test_stdin_is_read_with_the_same_detection(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    path = tmp_path / "release.docx"
    make_docx(RELEASE, path)

    class FakeStdin:
        buffer = io.BytesIO(path.read_bytes())

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    name, text = read_input("-", load_settings())
    assert name == "<stdin>" and "\n- On extended families:" in text
    FakeStdin.buffer = io.BytesIO(path.read_bytes())
    assert read_input(Path("-"), load_settings()) == (name, text)  # as a CLI with Path arguments passes it

    FakeStdin.buffer = io.BytesIO(b"y" * 2000)
    small = small_limit_settings()
    with pytest.raises(InputTooLargeError):
        read_input("-", small)


def test_pdf_line_end_hyphens() -> None:
    from factcheck.inputs.pdf import join_line, vocabulary_of

    vocab = vocabulary_of(["an improvement plan and well-matched homes", "the well of the COVID rules", "text"])
    assert join_line("the improve-", " ", "ment was", vocab) == "the improvement was"  # the word is elsewhere
    assert join_line("stable and well-", " ", "matched places", vocab) == "stable and well-matched places"
    assert join_line("after COVID-", " ", "19 rules", vocab) == "after COVID-19 rules"  # not a lower-case run on
    assert join_line("the manip-", " ", "ulation of", vocab) == "the manipulation of"  # "manip" is no word
    assert join_line("the OP-", " ", "TIONAL part", vocabulary_of(["OPTIONAL"])) == "the OPTIONAL part"
    assert join_line("Anglo-", " ", "Saxon", vocab) == "Anglo-Saxon"
    assert join_line("an address", "\n", "line two", vocab) == "an address\nline two"


def test_pdf_from_a_layout_engine(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    """The letter set by reportlab's layout engine: justified paragraphs, headings in another size, bullets
    drawn apart from their text (as list layouts do), page numbers as "- N -"."""
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    body.alignment = TA_JUSTIFY
    story: list[object] = []
    for block in blocks(SOURCE):
        lines = block.split("\n")
        if all(line.startswith("- ") for line in lines):
            items = [ListItem(Paragraph(escape(line[2:]), body)) for line in lines]
            story.append(ListFlowable(items, bulletType="bullet"))
        elif len(lines) > 1:
            story.append(Paragraph("<br/>".join(escape(line) for line in lines), body))
        elif len(block) < 60 and not block.endswith("."):
            story.append(Paragraph(escape(block), styles["Heading3"]))
        else:
            story.append(Paragraph(escape(block), body))

    def decorate(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont("Times-Roman", 9)
        canvas.drawString(72, A4[1] - 40, "OFFICIAL - Focused visit")
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    path = tmp_path / "letter.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=decorate, onLaterPages=decorate)
    text = extract_text(path.read_bytes(), str(path), None)
    assert "OFFICIAL" not in text and not re.search(r"^- \d+ -$", text, re.MULTILINE)
    assert "\n- Take-up of return home interviews" in text and "\n- Clarity within children's plans" in text
    assert outcome(CASE / "release.txt", path) == baseline


def test_docx_tables_and_lists(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Findings:")
    document.add_paragraph("first point", style="List Number")
    document.add_paragraph("second point", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Area"
    table.cell(0, 1).text = "Inspectors said \u2018most children benefit\u2019."
    table.cell(1, 0).merge(table.cell(1, 1)).text = "A merged cell, read once."
    document.add_paragraph("After the table.")
    path = tmp_path / "t.docx"
    document.save(str(path))
    text = extract_text(path.read_bytes(), "t.docx", None)
    assert text == (
        "Findings:\n\n- first point\n- second point\n\nArea\n\nInspectors said \u2018most children benefit\u2019."
        "\n\nA merged cell, read once.\n\nAfter the table."
    )


def test_html_blockquote_and_q_become_quotations():
    from factcheck.config import load_settings
    from factcheck.inputs import extract_text
    from factcheck.quotes.extract import extract
    from factcheck.text import build_document

    page = (
        b"<html><body><nav>Home | News</nav><article><h1>Council welcomes report</h1>"
        b"<p>The council welcomed the inspection report today.</p><p>The report concluded:</p>"
        b"<blockquote><p>Most children are safe and well cared for.</p><p>Some wait too long for help.</p></blockquote>"
        b"<p>The leader said <q>we are pleased</q> with the result.</p></article><footer>Contact</footer></body></html>"
    )
    doc = build_document("page.html", extract_text(page, "page.html", None))
    quotes = extract(doc, load_settings(), [])
    assert [(q.text, q.speaker) for q in quotes] == [
        ("Most children are safe and well cared for.", "source"),
        ("Some wait too long for help.", "source"),
        ("we are pleased", "other"),
    ]


def test_the_inputs_package_exports_a_sorted_all_naming_every_public_name() -> None:
    from factcheck import inputs

    assert inputs.__all__ == sorted(inputs.__all__)
    assert all(hasattr(inputs, name) for name in inputs.__all__)
    public = {n for n in dir(inputs) if not n.startswith("_") and not isinstance(getattr(inputs, n), type(inputs))}
    assert public <= set(inputs.__all__) | {"annotations"}
