"""The HTML report: the omitted words shown in place, every input escaped, nothing fetched, the same bytes twice."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck import check, load
from factcheck.cli import app
from factcheck.report import FORMATS, render, render_html
from factcheck.report.html import source_paragraph
from factcheck.types import ClaimFinding, ContextNote, EditOp, QuoteFinding, Report, Span, Summary
from tests.conftest import SAMPLES

CASE = SAMPLES / "birmingham-2021"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


class Page(HTMLParser):
    """Every element of a page with its attributes, and the text inside each marked-up passage."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, str]] = []
        self.omitted_del: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "img", "input", "link", "hr"):
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        in_del = any(t == "del" for t, _ in self.stack)
        in_omitted = any("omitted" in c.split() for _, c in self.stack)
        if in_del and in_omitted:
            self.omitted_del.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def reference(fake_embedder) -> tuple[Report, str]:
    source = load(CASE / "source.txt")
    return check(CASE / "release.txt", source, embedder=fake_embedder), source.text


@pytest.fixture(scope="module")
def reference_html(reference) -> str:
    report, source_text = reference
    return render_html(report, source_text)


def test_reference_case_shows_the_dropped_sentence_in_place_inside_a_del(reference_html):
    page = parse(reference_html)
    omitted = " ".join(" ".join(page.omitted_del).split())
    assert "Take-up, however, remains too low" in omitted
    # and the visible marker, so the change is not told by colour alone
    assert re.search(
        r'class="mark omitted"><span class="tag">\[omitted: </span><del>Take-up, however, remains too low',
        reference_html,
    )


def test_reference_case_summary_lists_headline_problems_worst_first(reference):
    report, source_text = reference
    html = render_html(report, source_text)
    problems = html.split('<ol class="problems">', 1)[1].split("</ol>", 1)[0]
    severities = re.findall(r'<span class="severity sev-(\w+)">', problems)
    order = {"high": 0, "medium": 1, "low": 2}
    assert severities and severities == sorted(severities, key=order.__getitem__)
    assert len(severities) == sum(1 for q in report.quotes if q.severity != "none")
    assert f'<span class="n">{report.summary.quotes}</span> quotations' in html


def test_page_is_a_proper_document(reference_html):
    page = parse(reference_html)
    tags = [t for t, _ in page.tags]
    assert reference_html.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "en"}) in page.tags
    assert any(t == "meta" and a.get("name") == "viewport" for t, a in page.tags)
    assert tags.count("title") == 1 and tags.count("h1") == 1
    assert "h2" in tags and "h3" in tags
    assert "Show the source paragraph" in reference_html and "details" in tags
    assert "@media print" in reference_html and "@media (min-width" in reference_html


def test_other_speakers_are_listed_compactly_not_as_cards(reference):
    report, source_text = reference
    html = render_html(report, source_text)
    others = [q for q in report.quotes if q.verdict == "other_speaker"]
    assert others
    assert html.count('<article class="card') == len(report.quotes) - len(others)
    assert "Other speakers (not checked)" in html


def test_page_requests_nothing_from_outside(reference_html):
    page = parse(reference_html)
    for tag, attrs in page.tags:
        assert tag not in ("script", "img", "link", "iframe", "object", "embed"), tag
        for name in ("src", "href", "action", "srcset"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, name, value)
    assert not re.search(r"https?://", reference_html)
    style = reference_html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in style and "@import" not in style


def test_rendering_twice_gives_identical_bytes(reference, fake_embedder):
    report, source_text = reference
    first = render_html(report, source_text).encode("utf-8")
    again = check(CASE / "release.txt", CASE / "source.txt", embedder=fake_embedder)
    assert render_html(report, source_text).encode("utf-8") == first
    assert render_html(again, source_text).encode("utf-8") == first


def test_render_dispatches_html(reference):
    report, source_text = reference
    assert "html" in FORMATS
    assert render(report, "html", source_text=source_text) == render_html(report, source_text)
    assert render(report, "html", source_text=source_text).startswith("<!DOCTYPE html>")


def test_cli_writes_the_html_report(tmp_path: Path):
    target = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["check", str(CASE / "release.txt"), str(CASE / "source.txt"), "--format", "html", "-o", str(target)],
    )
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Take-up, however, remains too low" in html


# Hostile input ------------------------------------------------------------------------------------------------

HOSTILE_SOURCE = (
    f"Northfield Academy inspection {SCRIPT}\n\n"
    f"Leaders have made rapid progress {SCRIPT} across the school. Most pupils achieve well {IMG} in English. "
    "However, too few disadvantaged pupils attend regularly.\n"
)
HOSTILE_RELEASE = (
    f"Northfield Academy {SCRIPT} welcomes its report {IMG}.\n\n"
    f"Ofsted said “leaders have made rapid progress {SCRIPT} across the school” and that "
    f"“most pupils achieve well {IMG} in English”. {SCRIPT} {IMG}\n\n"
    f"The head, Ms {IMG} Smith, said: “We are {SCRIPT} delighted.”\n"
)


def assert_inert(html: str) -> None:
    """No script or image element, no event handler attribute, no raw tag: only their escaped text."""
    page = parse(html)
    for tag, attrs in page.tags:
        assert tag not in ("script", "img"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    # onerror= only ever appears inside escaped text, never as an attribute
    for match in re.finditer(r"onerror=", html):
        before = html[: match.start()]
        assert before.rfind("&lt;img") > before.rfind(">"), html[match.start() - 80 : match.end()]
    for _, attrs in page.tags:
        for name in ("src", "href"):
            assert (
                not (attrs.get(name) or "").lower().startswith(("http://", "https://", "//", "javascript:"))
            )


def test_hostile_text_in_release_and_source_is_escaped(fake_embedder):
    source = load(HOSTILE_SOURCE)
    report = check(HOSTILE_RELEASE, source, embedder=fake_embedder)
    assert any(SCRIPT in q.text for q in report.quotes)
    html = render_html(report, source.text)
    assert SCRIPT_ESCAPED in html
    assert IMG_ESCAPED in html
    assert_inert(html)
    assert render_html(report, source.text) == html


def _hostile_report() -> tuple[Report, str]:
    """A report whose every text field carries markup, including the sections the pipeline does not fill yet."""
    source = f"Intro {SCRIPT}.\n\nStaff are kind {IMG}. However, {SCRIPT} records are poor.\n\nEnd."
    start = source.index("Staff")
    end = source.index(". However")
    dropped = source.index("kind")
    finding = QuoteFinding(
        text=f"Staff are {SCRIPT}",
        start=0,
        end=10,
        parts=[Span(start=0, end=10)],
        kind="quote",
        speaker="source",
        speaker_name=f"Ofsted {IMG}",
        frame=f"Ofsted {SCRIPT} said",
        verdict="elided",
        severity="high",
        score=80.0,
        source_start=start,
        source_end=end,
        source_text=source[start:end],
        omitted=[source[dropped:end]],
        explanation=f"The release drops {IMG} and adds {SCRIPT}.",
        edits=[
            EditOp(
                kind="equal",
                quote_start=0,
                quote_end=9,
                source_start=start,
                source_end=dropped - 1,
                quote_text="Staff are",
                source_text="Staff are",
            ),
            EditOp(
                kind="replace",
                quote_start=10,
                quote_end=20,
                source_start=dropped,
                source_end=end,
                quote_text=SCRIPT,
                source_text=source[dropped:end],
            ),
            EditOp(
                kind="insert", quote_start=20, quote_end=25, source_start=end, source_end=end, quote_text=IMG
            ),
        ],
        context=[
            ContextNote(
                source_start=end + 2,
                source_end=len(source) - 6,
                text=f"However, {SCRIPT} records",
                cues=["contrast:however"],
                topic=0.5,
            )
        ],
    )
    other = finding.model_copy(
        update={
            "verdict": "other_speaker",
            "severity": "none",
            "speaker": "other",
            "source_start": -1,
            "source_end": -1,
            "edits": [],
            "context": [],
        }
    )
    claim = ClaimFinding(
        text=f"Pupils {SCRIPT} thrive",
        start=0,
        end=5,
        verdict="contradicted",
        evidence=[Span(start=0, end=5)],
        evidence_text=[f"Evidence {IMG}"],
        reason=f"Because {IMG}",
    )
    return Report(
        factcheck_version="0.1.0",
        release=f"release {SCRIPT}.txt",
        source=f"source {IMG}.txt",
        summary=Summary(
            quotes=2,
            checked=1,
            verdicts={"elided": 1, "other_speaker": 1},
            severities={"none": 1, "low": 0, "medium": 0, "high": 1},
            flagged=1,
            claims=1,
            unclosed_quotes=0,
            worst_severity="high",
        ),
        quotes=[finding, other],
        claims=[claim],
        warnings=[f"warning {SCRIPT}"],
    ), source


def test_every_field_of_a_hostile_report_is_escaped():
    report, source = _hostile_report()
    html = render_html(report, source)
    assert html.count(SCRIPT_ESCAPED) >= 8
    assert html.count(IMG_ESCAPED) >= 6
    assert "Claims made without quotation marks" in html
    assert "[changed: " in html and "[added: " in html and "[left out, next to it: " in html
    assert_inert(html)


def test_unreported_findings_and_balance_appear_only_when_the_report_has_them():
    """Works whether or not the Report model has these fields yet: the page reads them with getattr."""
    report, source = _hostile_report()
    html = render_html(report, source)
    assert "Unreported findings" not in html and "critical findings of the source" not in html
    empty = report.model_copy(update={"unreported": [], "balance": None})
    assert render_html(empty, source) == html
    finding = {
        "text": f"Records are poor {SCRIPT}",
        "start": 0,
        "end": 5,
        "tone": "critical",
        "section": f"What needs to improve {IMG}",
        "status": "omitted",
    }
    balance = {
        "critical": 3,
        "critical_mentioned": 1,
        "positive": 4,
        "positive_mentioned": 4,
        "critical_share": 0.33,
        "positive_share": 1.0,
    }
    full = report.model_copy(update={"unreported": [finding], "balance": balance})
    html = render_html(full, source)
    assert "Unreported findings" in html and "Records are poor " + SCRIPT_ESCAPED in html
    assert IMG_ESCAPED in html.split('id="unreported-title"', 1)[1]
    assert ">Critical</span>" in html
    assert "1 of 3</span> critical findings of the source mentioned" in html
    assert_inert(html)


def test_without_source_text_the_page_shows_the_reported_passages_unmarked(reference):
    report, _ = reference
    html = render_html(report)
    assert "These words were not found" not in html
    assert "the source text was not given" in html
    assert "Take-up, however, remains too low" in html  # in the explanation, not marked in place
    assert render(report, "html") == html


def test_source_paragraph_reaches_the_blank_lines_on_each_side():
    text = "Title\n\nFirst one. Quoted words here. Last one.\n\nNext paragraph."
    start = text.index("Quoted")
    para = source_paragraph(text, start, start + len("Quoted words here"))
    assert para is not None
    assert (para.before, para.passage, para.after) == ("First one. ", "Quoted words here", ". Last one.")


def test_source_paragraph_without_blank_lines_is_a_window():
    text = " ".join(f"word{i}" for i in range(3000))
    start = text.index("word1500 ")
    para = source_paragraph(text, start, start + len("word1500"))
    assert para is not None and para.passage == "word1500"
    assert len(para.before) <= 700 and len(para.after) <= 700
    assert source_paragraph(text, -1, -1) is None


def test_the_release_pane_marks_the_cut_changed_and_added_words_where_they_are(reference, fake_embedder):
    report, source_text = reference
    html = render_html(report, source_text)
    releases = re.findall(r'<section class="col release".*?</section>', html, re.DOTALL)
    # the reference case's elisions are marked inside the release's own words, where the source's words were cut
    assert any("[cut here: </span><del>for most children" in r for r in releases)
    assert any("Take-up, however, remains too low" in r and "mark cut" in r for r in releases)
    source = "Inspectors found that most pupils behave well. Pupils make good progress in reading for most pupils.\n"
    release = "Inspectors found that \u2018all pupils behave well\u2019 and that pupils \u2018make good progress in reading\u2019."
    page = render_html(check(release, source, embedder=fake_embedder), source)
    assert '<ins>all</ins><span class="tag"> [the source: </span><del>most</del>' in page  # a stronger word, in the release
    assert '[cut here: </span><del>for most pupils.</del>' in page  # the truncation, at the end of the release's words
