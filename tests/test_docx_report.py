"""The Word output: the release itself, with a review comment on each flagged quotation and claim."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

import factcheck
from factcheck.errors import InputError
from factcheck.inputs import extract_text, load
from factcheck.report import render_docx
from factcheck.report.wording import headline, verdict_label
from factcheck.text import LoadedDocument, find_paragraphs
from factcheck.types import Report
from tests.fakes import HashingEmbedder

CASE = Path(__file__).resolve().parent.parent / "samples" / "birmingham-2021"
RELEASE = (CASE / "release.txt").read_text(encoding="utf-8")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ORIGINAL_TIME = dt.datetime(2021, 12, 1, 9, 30, tzinfo=dt.UTC)

# Formatting laid across quotation edges in the Word release: (paragraph that starts so, words, format).
BOLD_OVER_START = ("Inspectors commented", "front-line staff that ‘social workers", "bold")
ITALIC_OVER_END = ("Inspectors commented", "plans for their future’ as well", "italic")
LINK_OVER_START = ("With regards to placements", "inspectors said that ‘most children", "link")
FORMATS = [BOLD_OVER_START, ITALIC_OVER_END, LINK_OVER_START]
IN_A_TABLE = "On rights and participation:"


@pytest.fixture(scope="module")
def source() -> LoadedDocument:
    return load(CASE / "source.txt")


def blocks(text: str) -> list[str]:
    return [" ".join(b.split()) for b in re.split(r"\n[ \t]*\n", text) if b.strip()]


def add_link(paragraph: object, text: str) -> None:
    """A hyperlink run, as Word writes one (python-docx has no call for it)."""
    part = paragraph.part  # type: ignore[attr-defined]
    rid = part.relate_to("https://www.ofsted.gov.uk/", docx.opc.constants.RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", attrs={qn("r:id"): rid})
    run = OxmlElement("w:r")
    t = OxmlElement("w:t", attrs={"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)  # type: ignore[attr-defined]


def make_release_docx(path: Path) -> None:
    """The reference release in Word: its title a heading, the bullets as List Bullet paragraphs but one in a
    table, and a bold run, an italic run and a hyperlink each crossing the edge of a quotation."""
    document = docx.Document()
    document.core_properties.modified = ORIGINAL_TIME
    for i, block in enumerate(blocks(RELEASE)):
        if i == 0:
            document.add_heading(block, level=1)
            continue
        if block.startswith("• " + IN_A_TABLE):
            document.add_table(rows=1, cols=1).cell(0, 0).text = block[2:]
            continue
        if block.startswith("•"):
            document.add_paragraph(block[2:], style="List Bullet")
            continue
        paragraph = document.add_paragraph()
        marks = sorted((block.index(words), words, kind) for start, words, kind in FORMATS if block.startswith(start))
        at = 0
        for where, words, kind in marks:
            paragraph.add_run(block[at:where])
            if kind == "link":
                add_link(paragraph, words)
            else:
                run = paragraph.add_run(words)
                setattr(run, kind, True)
            at = where + len(words)
        paragraph.add_run(block[at:])
    document.save(str(path))


@pytest.fixture(scope="module")
def word_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "release.docx"
    make_release_docx(path)
    return path


@pytest.fixture(scope="module")
def word_report(word_release: Path, source: LoadedDocument) -> Report:
    return factcheck.check(word_release, source, embedder=HashingEmbedder())


@pytest.fixture(scope="module")
def word_output(word_report: Report, word_release: Path) -> bytes:
    return render_docx(word_report, word_release.read_bytes())


# --- reading the result back ------------------------------------------------------------------------------------


def anchored(data: bytes) -> dict[int, str]:
    """The text between each comment's range start and end (a tab or line break as the loader reads it)."""
    body = docx.Document(io.BytesIO(data)).element.body
    open_ranges: dict[int, list[str]] = {}
    done: dict[int, str] = {}
    for element in body.iter(W + "commentRangeStart", W + "commentRangeEnd", W + "t", W + "tab", W + "br"):
        if element.tag == W + "commentRangeStart":
            open_ranges[int(element.get(W + "id"))] = []
        elif element.tag == W + "commentRangeEnd":
            number = int(element.get(W + "id"))
            done[number] = "".join(open_ranges.pop(number))
        else:
            char = {W + "tab": "\t", W + "br": "\n"}.get(element.tag)
            for words in open_ranges.values():
                words.append(element.text or "" if char is None else char)
    assert not open_ranges, "every comment range is closed"
    return done


def comments(data: bytes) -> list[tuple[str, str]]:
    """(anchored words, comment text) of every comment, in the order they were added."""
    document = docx.Document(io.BytesIO(data))
    words = anchored(data)
    return [(words[c.comment_id], c.text) for c in document.comments]


def expected_comments(report: Report, text: str) -> list[tuple[str, str]]:
    """(words, first line) of the comments a report asks for: the headline on the first paragraph, then each
    flagged quotation and contradicted or unsupported claim, in release order."""
    flagged: list[tuple[int, int, str, str]] = [
        (q.start, 0, q.text, f"{verdict_label(q)} ({q.severity} severity)")
        for q in report.quotes
        if q.speaker == "source" and q.severity != "none"
    ]
    flagged += [(c.start, 1, c.text, c.verdict) for c in report.claims if c.verdict in ("contradicted", "unsupported")]
    first = text[: text.index("\n")] if "\n" in text else text
    return [(first, headline(report)), *((words, line) for _, _, words, line in sorted(flagged))]


def formatting(data: bytes) -> list[list[tuple[str, bool, bool, bool]]]:
    """Each paragraph's characters with bold, italic and whether they are in a hyperlink (comment reference
    runs left out)."""
    document = docx.Document(io.BytesIO(data))
    out = []
    for p in document.element.body.iter(W + "p"):
        chars = []
        for run in p.iter(W + "r"):
            if run.find(W + "commentReference") is not None:
                continue
            props = run.find(W + "rPr")
            bold = props is not None and props.find(W + "b") is not None
            italic = props is not None and props.find(W + "i") is not None
            linked = run.getparent().tag == W + "hyperlink"
            chars += [(c, bold, italic, linked) for t in run.iter(W + "t") for c in t.text or ""]
        out.append(chars)
    return out


def check_comments(data: bytes, report: Report, text: str) -> list[tuple[str, str]]:
    got = comments(data)
    want = expected_comments(report, text)
    assert [words for words, _ in got] == [words for words, _ in want]
    for (_, note), (_, first_line) in zip(got, want):
        if first_line.startswith(("contradicted", "unsupported")):
            assert note.startswith("Claim ") and {"contradicted": "contradicted", "unsupported": "not found"}[first_line] in note.split("\n")[0]
        else:
            assert note.split("\n")[0] == first_line
    return got


# --- the Word release ---------------------------------------------------------------------------------------------


def test_a_comment_on_each_flagged_quotation_and_claim_covers_exactly_its_words(
    word_output: bytes, word_report: Report, word_release: Path
) -> None:
    text = extract_text(word_release.read_bytes(), "release.docx")
    got = check_comments(word_output, word_report, text)
    flagged_quotes = [q for q in word_report.quotes if q.severity != "none"]
    assert len(flagged_quotes) == 5  # the reference case: two elided, three with context omitted
    assert len(got) == 1 + len(flagged_quotes) + sum(c.verdict in ("contradicted", "unsupported") for c in word_report.claims)
    assert all(q.speaker == "source" for q in flagged_quotes)
    for document_comment in docx.Document(io.BytesIO(word_output)).comments:
        assert (document_comment.author, document_comment.initials) == ("factcheck", "FC")


def test_the_elided_quotation_names_its_verdict_the_left_out_words_and_the_source(word_output: bytes) -> None:
    [(words, note)] = [(w, n) for w, n in comments(word_output) if w.startswith("social workers know children well")]
    assert words == "social workers know children well and ensure that their views help inform plans for their future"
    lines = note.split("\n")
    assert lines[0] == "Silently elided (high severity)"
    assert "Left out: for most children" in lines
    [said] = [line for line in lines if line.startswith("The source says: ")]
    assert "for most children" in said and len(said) < 700


def test_quotations_across_a_table_cell_and_a_list_item_are_anchored(word_output: bytes) -> None:
    words = [w for w, _ in comments(word_output)]
    assert any(w.startswith("Children in care can participate") for w in words)  # the table cell
    assert any(w.startswith("When children go missing") for w in words)  # a List Bullet paragraph


def test_the_release_keeps_its_formatting_heading_and_links(word_output: bytes, word_release: Path) -> None:
    before, after = formatting(word_release.read_bytes()), formatting(word_output)
    assert after == before
    document = docx.Document(io.BytesIO(word_output))
    assert document.paragraphs[0].style is not None and document.paragraphs[0].style.name == "Heading 1"
    bold = [c for p in after for c, b, _, _ in p if b]
    assert "".join(bold) == "front-line staff that ‘social workers"
    # the bold run was split at the quotation's edge, and both halves are bold
    runs = [r for p in document.paragraphs for r in p.runs if r.bold]
    assert [r.text for r in runs] == ["front-line staff that ‘", "social workers"]
    assert [r.text for r in (r for p in document.paragraphs for r in p.runs) if r.italic] == ["plans for their future", "’ as well"]
    links = document.element.body.findall(f".//{W}hyperlink")
    assert len(links) == 1 and "".join(t.text for t in links[0].iter(W + "t")) == "inspectors said that ‘most children"


def test_the_result_loads_back_with_the_same_text(word_output: bytes, word_release: Path) -> None:
    assert extract_text(word_output, "out.docx") == extract_text(word_release.read_bytes(), "release.docx")


def test_the_same_report_and_release_give_the_same_bytes_and_keep_the_modified_time(
    word_output: bytes, word_report: Report, word_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a day later: python-docx dates each zip entry with the time of saving, and each comment."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 86_400)
    assert render_docx(word_report, word_release.read_bytes()) == word_output
    document = docx.Document(io.BytesIO(word_output))
    assert document.core_properties.modified == ORIGINAL_TIME
    assert all(c.timestamp is None for c in document.comments)


def test_a_report_of_another_version_of_the_release_still_finds_the_words(
    word_release: Path, source: LoadedDocument
) -> None:
    """The report is of the text release, the document has other offsets: the quotations are found by their
    words, never a crash."""
    report = factcheck.check(RELEASE, source, embedder=HashingEmbedder())
    out = render_docx(report, word_release.read_bytes())
    words = [w for w, _ in comments(out)[1:]]
    assert words == [(f.text) for f in sorted([*(q for q in report.quotes if q.severity != "none"),
                                               *(c for c in report.claims if c.verdict in ("contradicted", "unsupported"))],
                                              key=lambda f: f.start)]


# --- a text release ---------------------------------------------------------------------------------------------


def test_a_text_release_becomes_a_document_with_the_same_comments(source: LoadedDocument) -> None:
    report = factcheck.check(RELEASE, source, embedder=HashingEmbedder())
    out = render_docx(report, RELEASE)
    check_comments(out, report, RELEASE)
    assert out == render_docx(report, RELEASE)
    back = extract_text(out, "out.docx")
    assert back.split("\n\n") == [" ".join(RELEASE[RELEASE.rfind("\n", 0, p.start) + 1 : p.end].split())
                                  for p in find_paragraphs(RELEASE)]
    assert back.split() == RELEASE.split()  # every word, the bullets too, in order
    assert docx.Document(io.BytesIO(out)).core_properties.modified == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def test_a_release_with_nothing_flagged_gets_only_the_headline(source: LoadedDocument) -> None:
    release = (
        "Trust welcomes Ofsted letter\n\n"
        "The letter said “Every effort is made to support children to be cared for within their extended family.”"
    )
    report = factcheck.check(release, source, embedder=HashingEmbedder())
    assert [q.verdict for q in report.quotes] == ["verbatim"] and report.summary.claims_flagged == 0
    assert all(c.verdict == "supported" for c in report.claims)
    got = comments(render_docx(report, release))
    assert got == [("Trust welcomes Ofsted letter", headline(report))]


def test_hostile_release_text_does_not_break_the_document(source: LoadedDocument) -> None:
    release = (
        "<script>alert('x')</script> & ]]> \x00\x01\x0b\x1f\ufffe\n\n"
        "Inspectors said that ‘most children <b>benefit</b> from stable & well-matched placements\x07 which meet "
        "their needs.’ <![CDATA[ x ]]> &amp; \ud800"
    )
    report = factcheck.check(release, source, embedder=HashingEmbedder())
    out = render_docx(report, release)
    back = docx.Document(io.BytesIO(out))
    text = extract_text(out, "out.docx")
    assert "<script>alert('x')</script> & ]]>" in text and "<b>benefit</b>" in text and "&amp;" in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\ud800]", text)
    assert len(back.comments) == 1 + sum(q.severity != "none" for q in report.quotes) + sum(
        c.verdict in ("contradicted", "unsupported") for c in report.claims
    )
    [(words, note)] = [(w, n) for w, n in comments(out) if "benefit" in w]
    assert words == "most children <b>benefit</b> from stable & well-matched placements which meet their needs."
    assert note.startswith("Altered (medium severity)")


def test_a_file_that_is_not_a_word_document_is_a_clear_error(word_report: Report) -> None:
    with pytest.raises(InputError, match="could not be read as a Word document"):
        render_docx(word_report, b"PK\x03\x04 not really a zip")


def test_an_interrupted_quotation_is_anchored_from_its_first_word_to_its_last(source: LoadedDocument) -> None:
    release = (
        "Trust news\n\n“Social workers know children well,” inspectors said, “and ensure that their views help "
        "inform plans for their future.”"
    )
    report = factcheck.check(release, source, embedder=HashingEmbedder())
    [quote] = report.quotes
    assert quote.verdict == "elided" and len(quote.parts) == 2
    [(words, note)] = comments(render_docx(report, release))[1:]
    assert words == release[quote.parts[0].start : quote.parts[1].end]
    assert words.startswith("Social workers") and words.endswith("for their future.")
    assert "Left out: for most children" in note.split("\n")


# --- odd documents ----------------------------------------------------------------------------------------------

ODD_BODY = f"""
<w:body {nsdecls("w")}>
  <w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Trust   news</w:t></w:r></w:p>
  <w:p/>
  <w:p><w:r><w:t xml:space="preserve">  </w:t></w:r></w:p>
  <w:p>
    <w:r><w:t xml:space="preserve">Inspectors said ‘social workers know </w:t></w:r>
    <w:del w:id="1" w:author="Editor"><w:r><w:delText>all </w:delText></w:r></w:del>
    <w:ins w:id="2" w:author="Editor"><w:r><w:t xml:space="preserve">children well and</w:t></w:r></w:ins>
    <w:r><w:t xml:space="preserve"> ensure that their views </w:t><w:tab/><w:t>help inform plans</w:t>
      <w:br/><w:t xml:space="preserve">for their future’ </w:t><w:t>as well.</w:t></w:r>
    <w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>
      <w:p><w:r><w:t>Text in a box is not read.</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>
  </w:p>
  <w:sdt><w:sdtContent>
    <w:p><w:fldSimple w:instr="AUTHOR"><w:r><w:t xml:space="preserve">They found ‘most children benefit </w:t></w:r></w:fldSimple>
      <w:smartTag w:element="x"><w:r><w:t>from stable and well-matched placements which meet their needs.’</w:t></w:r></w:smartTag></w:p>
  </w:sdtContent></w:sdt>
  <w:tbl>
    <w:tr><w:tc><w:p><w:r><w:t>Health</w:t></w:r></w:p></w:tc>
      <w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t xml:space="preserve">‘Physical health is addressed in detail through children’s plans. Children’s mental health and emotional needs improve through accessing in-house therapeutic emotional support service (TESS) which social workers can access for children in care.’</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
      <w:p/></w:tc></w:tr>
  </w:tbl>
  <w:p><w:r><w:t>The end</w:t></w:r><w:r><w:noBreakHyphen/><w:t>of the letter.</w:t></w:r></w:p>
  <w:sectPr/>
</w:body>"""


@pytest.fixture(scope="module")
def odd_release() -> bytes:
    """A Word release with what real ones hold: tracked changes, a tab and a line break inside a quotation, a
    text box, a field, a smart tag, a content control, a nested table, empty paragraphs."""
    document = docx.Document()
    body = document.element.body
    body.getparent().replace(body, parse_xml(ODD_BODY))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_odd_document_is_walked_as_the_loader_walks_it(odd_release: bytes) -> None:
    from factcheck.report.docx import _docx_layout

    text = extract_text(odd_release, "odd.docx")
    assert "Text in a box" not in text and "all children" not in text and "Physical health" in text
    assert "".join(_docx_layout(docx.Document(io.BytesIO(odd_release))).text) == text


def test_an_odd_document_gets_exact_comments_and_loads_back_the_same(
    odd_release: bytes, source: LoadedDocument, tmp_path: Path
) -> None:
    (tmp_path / "odd.docx").write_bytes(odd_release)
    text = extract_text(odd_release, "odd.docx")
    report = factcheck.check(tmp_path / "odd.docx", source, embedder=HashingEmbedder())
    flagged = [q for q in report.quotes if q.severity != "none"]
    assert {q.verdict for q in flagged} == {"elided", "context_omitted"} and len(flagged) == 3
    out = render_docx(report, odd_release)
    got = comments(out)
    assert [" ".join(w.split()) for w, _ in got[1:]] == [" ".join(q.text.split()) for q in flagged]
    assert "views \thelp inform plans\nfor their future" in got[1][0]
    assert got[0] == ("Trust   news", headline(report))
    assert extract_text(out, "out.docx") == text
    tracked = docx.Document(io.BytesIO(out)).element.body
    assert [d.text for d in tracked.iter(W + "delText")] == ["all "]
    assert len(list(tracked.iter(W + "ins"))) == 1


def test_a_document_without_the_quoted_words_gets_paragraph_comments(word_report: Report) -> None:
    """A report laid on a document it was not made from: each comment falls back to a whole paragraph."""
    document = docx.Document()
    document.add_paragraph("An unrelated first paragraph.")
    document.add_paragraph("And a second one.")
    data = io.BytesIO()
    document.save(data)
    got = comments(render_docx(word_report, data.getvalue()))
    assert len(got) == len(expected_comments(word_report, "x"))
    assert {w for w, _ in got} <= {"An unrelated first paragraph.", "And a second one."}


def test_a_document_without_text_gets_the_comments_on_a_paragraph_of_its_own(word_report: Report) -> None:
    document = docx.Document()
    document.add_paragraph("", style="Heading 1")
    data = io.BytesIO()
    document.save(data)
    out = render_docx(word_report, data.getvalue())
    got = comments(out)
    assert len(got) == len(expected_comments(word_report, "x")) and {w for w, _ in got} == {""}
    assert got[0][1] == headline(word_report)
    body = docx.Document(io.BytesIO(out)).element.body
    assert len(body.findall(W + "p")) == 2  # the comments' paragraph is added after the empty heading
