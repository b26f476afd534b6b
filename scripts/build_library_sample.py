"""Build the real document library of samples/library/ from fetched snapshots of public GitHub repositories.

Each set is read straight out of a bare snapshot (git objects, no work tree) under the mirror folder, turned into
plain text, and written as one gzipped JSON-lines file per set: one document a line, with id, title, kind, set,
text, source (repository, path, commit, address) and licence. Every document's text starts with its title line.

Documents that are the source of one of the labelled pairs in samples/real are left out (and listed in
samples/library/manifest.json), so a query built from a real release has exactly one right answer: the real
pair's own source.txt, which the library test adds itself (scripts/library_docs.py --real writes them too).

    python scripts/build_library_sample.py                 # every set whose snapshot is present
    python scripts/build_library_sample.py --mirror DIR    # snapshots elsewhere than /work/.mirror
    python scripts/build_library_sample.py --only ons-bulletins --only uk-judgments

Output is deterministic: same snapshots, same bytes (sorted input, gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "samples" / "library"
REAL = ROOT / "samples" / "real"
DEFAULT_MIRROR = Path(os.environ.get("FACTCHECK_MIRROR", "/work/.mirror"))
MIN_CHARS = 300  # below this a page is a stub (a title and a link to a PDF), not a document

OGL = "Open Government Licence v3.0 (Crown copyright)"
US_GOV = "Public domain (work of the U.S. federal government, 17 U.S.C. 105)"


@dataclass(frozen=True)
class Snapshot:
    """A fetched repository: its bare git directory and the commit read."""

    repo: str
    git_dir: Path
    commit: str

    def files(self, prefix: str) -> list[str]:
        out = _git(self.git_dir, "ls-tree", "-r", "-z", "--name-only", self.commit, "--", prefix)
        return sorted(p for p in out.decode("utf-8").split("\0") if p)

    def read(self, path: str) -> bytes:
        return _git(self.git_dir, "cat-file", "blob", f"{self.commit}:{path}")


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True
    ).stdout


def open_snapshot(mirror: Path, repo: str) -> Snapshot | None:
    base = mirror / repo.replace("/", "+") / "repo"
    git_dir = base / ".git" if (base / ".git").is_dir() else base
    if not (git_dir / "HEAD").is_file():
        return None
    commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
    return Snapshot(repo, git_dir, commit)


# --- text helpers -----------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def tidy(text: str) -> str:
    """NFC, no control characters, single spaces inside lines, paragraphs separated by one blank line."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]", "", text)
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        line = re.sub(r"\s+", " ", block).strip()
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def with_title(title: str, body: str) -> str:
    body = tidy(body)
    first = body.split("\n", 1)[0]
    if _norm(first) == _norm(title):
        return body
    return f"{title}\n\n{body}"


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def slug(text: str, limit: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, one paragraph per block element; scripts, styles and navigation skipped."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "table", "ul", "ol", "hr",
              "blockquote", "dd", "dt", "section", "article", "center", "form"})
    # not head: the SSI pages open it in one include and close it in another, which the parser never sees
    SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "noscript", "title", "iframe", "select", "button"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(page: str) -> str:
    parser = _HTMLText()
    parser.feed(re.sub(r"<!--.*?-->", " ", page, flags=re.DOTALL))
    parser.close()
    return "".join(parser.parts)


def html_title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL | re.IGNORECASE)
    return re.sub(r"\s+", " ", html.unescape(match.group(1))).strip() if match else ""


# --- the sets ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocSet:
    name: str
    repo: str
    kind: str
    licence: str
    description: str
    build: Callable[[Snapshot], Iterator[dict[str, object]]]


def doc(snap: Snapshot, set_name: str, kind: str, licence: str, *, id: str, title: str, text: str, path: str,
        url: str, date: str = "") -> dict[str, object]:
    return {
        "id": id,
        "title": title,
        "kind": kind,
        "set": set_name,
        "date": date,
        "text": text,
        "source": {"repository": snap.repo, "path": path, "commit": snap.commit, "url": url},
        "licence": licence,
    }


# Ofsted inspections of local authority children's services (ILACS and the single inspection framework before it)

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def _pdf_pages(data: bytes) -> list[str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def _pdf_paragraphs(pages: list[str]) -> str:
    """Join a PDF's hard-wrapped lines into paragraphs, dropping running headers, footers and page numbers."""
    lines_per_page = [[re.sub(r"\s+", " ", ln).strip() for ln in page.splitlines()] for page in pages]
    seen: dict[str, int] = {}
    for lines in lines_per_page:
        for ln in set(lines):
            key = re.sub(r"\d+", "#", ln)
            seen[key] = seen.get(key, 0) + 1
    repeated = {k for k, n in seen.items() if n >= 3 and len(k) < 120}
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for lines in lines_per_page:
        for ln in lines:
            if not ln:
                flush()
                continue
            if re.sub(r"\d+", "#", ln) in repeated or re.fullmatch(r"(page )?\d+( of \d+)?", ln, re.IGNORECASE):
                continue
            starts_item = bool(re.match(r"(\d+\.|[•▪●◼-]|\(?[a-z]\))\s", ln))
            if starts_item:
                flush()
            if current and current[-1].endswith("-") and not current[-1].endswith(" -"):
                current[-1] = current[-1] + ln  # a word split by a hyphen at a line end keeps its hyphen
            else:
                current.append(ln)
            if re.search(r"[.:;?!]['’”)]?$", ln) and len(ln) < 70:
                flush()
        flush()
    return "\n\n".join(paragraphs)


def _ofsted_one(args: tuple[str, bytes]) -> tuple[str, str]:
    path, data = args
    try:
        return path, _pdf_paragraphs(_pdf_pages(data))
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds; a damaged PDF is reported and skipped
        print(f"  skipped {path}: {error}", file=sys.stderr)
        return path, ""


def build_ofsted(snap: Snapshot) -> Iterator[dict[str, object]]:
    paths = [p for p in snap.files("export_data/inspection_reports/") if p.lower().endswith(".pdf")]
    jobs = [(p, snap.read(p)) for p in paths]
    with ProcessPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        results = list(pool.map(_ofsted_one, jobs, chunksize=8))
    for path, body in results:
        if len(body) < MIN_CHARS:
            continue
        folder, name = path.split("/")[-2:]
        urn, _, authority = folder.partition("_")
        match = re.search(r"(\d{1,2}) ([a-z]+) (\d{4})", name.lower())
        date = ""
        if match and match.group(2) in _MONTHS:
            date = f"{match.group(3)}-{_MONTHS[match.group(2)]:02d}-{int(match.group(1)):02d}"
        first = body.split("\n\n", 1)[0].split(" Inspection dates", 1)[0].strip()
        if not (first.lower().startswith(("inspection of", "joint", "review of", "ofsted")) and len(first) < 160):
            first = f"Ofsted: {authority.title()} children's services inspection"
        title = f"{first} (report of {date or name})"
        yield doc(snap, "ofsted-ilacs", "inspection", OGL, id=f"ofsted-{slug(authority, 40)}-{urn}-{date or slug(name)}",
                  title=title, text=with_title(title, body), path=path, date=date,
                  url=f"https://reports.ofsted.gov.uk/ (URN {urn}, {authority} children's services inspection, PDF)")


# HHS Office of Inspector General: audit summaries (OAS) and evaluation reports (OEI) from the old oig.hhs.gov site

_OIG_NOISE = re.compile(
    r"^(skip to content|tweet|related content|complete report|download the( complete report)?|"
    r"spotlight on:.*|adobe pdf logo|back to top|top|print|email|share|home|reports & publications|"
    r"office of evaluation and inspections|report|pdf|.*is available in pdf format.*|"
    r"complete text of report.*|.*copies can also be obtained.*|complete|contacting the office of public affairs.*)$",
    re.IGNORECASE,
)


def _oig_body(page: str) -> str:
    text = html_text(page)
    paragraphs = [p for p in (re.sub(r"\s+", " ", b).strip() for b in re.split(r"\n\s*\n", text)) if p]
    kept = [p for p in paragraphs if not _OIG_NOISE.match(p) and not p.startswith("<!--")]
    return "\n\n".join(kept)


def _oig_title(page: str) -> str:
    title = html_title(page).replace('"', "").replace("“", "").replace("”", "")
    title = re.sub(r"^[\s,]*(HHS/OIG)?[\s,-]*(Audit|Evaluation)?[\s,-]*", "", title, flags=re.IGNORECASE)
    title = re.sub(r",?\s*\(", " (", title)  # 'Review of X," (A-01-02-00003)' -> 'Review of X (A-01-02-00003)'
    title = re.sub(r"\s+Report(?= \(OEI)", "", title)
    title = re.sub(r"\s+\d{2}-\d{2}-\d{4}$", "", title)  # the OEI pages end their title with the date
    return title.strip(" ,.-")


def build_oig_oas(snap: Snapshot) -> Iterator[dict[str, object]]:
    for path in snap.files("oas/reports/"):
        if not path.lower().endswith((".htm", ".html", ".asp")):
            continue
        page = decode(snap.read(path))
        title = _oig_title(page)
        body = _oig_body(page)
        if len(body) < MIN_CHARS or not title:
            continue
        number = re.search(r"\(([A-Z]-\d{2}-\d{2}-\d{5})\)", title)
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        key = number.group(1) if number else f"{path.split('/')[2]}-{stem}"
        yield doc(snap, "hhs-oig-audits", "audit_regulator", US_GOV, id=f"oig-oas-{slug(key)}", title=title,
                  text=with_title(title, body), path=path, url=f"https://oig.hhs.gov/{path}")


def build_oig_oei(snap: Snapshot) -> Iterator[dict[str, object]]:
    for path in snap.files("oei/reports/"):
        if not path.lower().endswith(".asp"):
            continue
        page = decode(snap.read(path))
        title = _oig_title(page)
        body = _oig_body(page)
        if len(body) < MIN_CHARS or not title:
            continue
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        yield doc(snap, "hhs-oig-evaluations", "audit_regulator", US_GOV, id=f"oig-{slug(stem)}", title=title,
                  text=with_title(title, body), path=path, url=f"https://oig.hhs.gov/{path.lower()}")


# PubMedQA's 1,000 expert-labelled PubMed abstracts (question-form titles, structured abstract, conclusion)


def build_pubmedqa(snap: Snapshot) -> Iterator[dict[str, object]]:
    path = "data/ori_pqal.json"
    records = json.loads(snap.read(path))
    for pmid in sorted(records, key=int):
        record = records[pmid]
        sections = []
        for label, context in zip(record.get("LABELS") or [], record["CONTEXTS"], strict=False):
            sections.append(f"{label.title()}: {context}")
        if len(sections) < len(record["CONTEXTS"]):
            sections.extend(record["CONTEXTS"][len(sections):])
        sections.append(f"Conclusions: {record['LONG_ANSWER']}")
        title = record["QUESTION"]
        yield doc(snap, "pubmedqa-abstracts", "research", "MIT (PubMedQA dataset); abstracts from PubMed",
                  id=f"pubmed-{pmid}", title=title, text=with_title(title, "\n\n".join(sections)), path=path,
                  date=str(record.get("YEAR") or ""), url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")


# SciTLDR: abstracts of computer-science papers submitted to OpenReview (ICLR)


def build_scitldr(snap: Snapshot) -> Iterator[dict[str, object]]:
    for split in ("train", "dev", "test"):
        path = f"SciTLDR-Data/SciTLDR-A/{split}.jsonl"
        for line in snap.read(path).decode("utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            sentences = [s.strip() for s in record["source"] if s.strip()]
            if not sentences:
                continue
            paper = record["paper_id"]
            title = f"OpenReview paper {paper}: abstract"
            yield doc(snap, "scitldr-abstracts", "research", "Apache-2.0 (SciTLDR dataset); abstracts from OpenReview",
                      id=f"openreview-{slug(paper)}", title=title, text=with_title(title, " ".join(sentences)),
                      path=path, url=f"https://openreview.net/forum?id={paper}")


# Office for National Statistics bulletins, as held by the 2014 alpha of the ONS website


def build_ons(snap: Snapshot) -> Iterator[dict[str, object]]:
    for path in snap.files("src/main/resources/bulletins/"):
        if not path.endswith(".md"):
            continue
        raw = snap.read(path).decode("utf-8", errors="replace").lstrip("\ufeff")
        header: dict[str, str] = {}
        body_lines = []
        in_header = True
        for line in raw.splitlines():
            field = re.match(r"\s*([A-Z][A-Za-z0-9 ]{1,30}):\s*(.*)$", line) if in_header else None
            if field and not line.lstrip().startswith("#"):
                header[field.group(1).strip().lower()] = field.group(2).strip()
                continue
            if line.strip():
                in_header = False
            body_lines.append(line)
        name = path.rsplit("/", 1)[-1][:-3]
        title = header.get("name") or name
        if header.get("release") and header["release"] not in title:
            title = f"{title}, {header['release']}"
        if " " not in name and "name" not in header:
            title = name  # an unnamed machine-slug copy; kept only if no titled copy says the same
        body = "\n".join(body_lines)
        body = re.sub(r"^\s*#+\s*", "", body, flags=re.MULTILINE)  # Markdown headings become plain paragraphs
        body = re.sub(r"^\s*[-*]\s+", "", body, flags=re.MULTILINE)
        body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)
        body = re.sub(r"\n(?!\n)", "\n\n", body)
        summary = header.get("summary", "")
        text = with_title(title, (summary + "\n\n" if summary else "") + body)
        if len(text) < MIN_CHARS:
            continue
        yield doc(snap, "ons-bulletins", "statistics", OGL, id=f"ons-{slug(title)}", title=title, text=text,
                  path=path, date=header.get("release date", ""),
                  url="https://www.ons.gov.uk/ (statistical bulletin: " + title + ")")


# The National Archives' parser test documents: court judgments, Supreme Court press summaries, and
# documents laid with legislation (explanatory memoranda and notes, impact assessments, transposition notes)

AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"
_AKN_BLOCKS = {"p", "heading", "subheading", "tr", "blockList", "item", "docTitle", "title", "num", "li"}


def _akn_text(root: ET.Element) -> str:
    parts: list[str] = []

    def walk(element: ET.Element) -> None:
        tag = element.tag.split("}")[-1]
        if tag in ("meta", "style", "authorialNote", "img"):
            if element.tail:
                parts.append(element.tail)
            return
        block = tag in _AKN_BLOCKS
        if block:
            parts.append("\n\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n\n")
        elif tag in ("td", "th", "cell"):
            parts.append(" ")
        if element.tail:
            parts.append(element.tail)

    for child in root:
        walk(child)
    return "".join(parts)


def _akn_meta(root: ET.Element) -> tuple[str, str, str]:
    """(title, address, date) from the FRBR identification block."""
    work = root.find(f".//{AKN}FRBRWork")
    expression = root.find(f".//{AKN}FRBRExpression")
    name = work.find(f"{AKN}FRBRname") if work is not None else None
    title = name.get("value", "") if name is not None else ""
    if not title:
        dc_title = root.find(".//{http://purl.org/dc/elements/1.1/}title")
        title = (dc_title.text or "").strip() if dc_title is not None else ""
    this = expression.find(f"{AKN}FRBRthis") if expression is not None else None
    url = this.get("value", "") if this is not None else ""
    dc_date = root.find(".//{http://purl.org/dc/elements/1.1/}date")
    date_el = work.find(f"{AKN}FRBRdate") if work is not None else None
    if dc_date is not None and dc_date.text:
        date = dc_date.text.strip()  # legislation.gov.uk's FRBRWork date is when the file was generated
    else:
        date = date_el.get("date", "") if date_el is not None else ""
    return title.strip(), url, date


def build_tna(snap: Snapshot, folders: tuple[str, ...], set_name: str, prefix: str,
              suffixes: tuple[str, ...]) -> Iterator[dict[str, object]]:
    for folder in folders:
        for path in snap.files(folder):
            if not path.endswith(suffixes):
                continue
            try:
                root = ET.fromstring(snap.read(path))
            except ET.ParseError:
                continue
            body_root = next((el for el in root if el.tag.startswith(AKN)), root)
            title, url, date = _akn_meta(root)
            body = _akn_text(body_root)
            if not title:
                title = tidy(body).split("\n", 1)[0][:200]
            if len(tidy(body)) < MIN_CHARS:
                continue
            key = re.sub(r"^https?://[^/]+/(id/)?", "", url) or path
            yield doc(snap, set_name, "court_parliament", OGL, id=f"{prefix}-{slug(key, 100)}", title=title,
                      text=with_title(title, body), path=path, date=date[:10], url=url)


SETS = [
    DocSet("ofsted-ilacs", "JT-39/ofsted-ilacs-scrape-tool", "inspection", OGL,
           "Ofsted inspection reports on English local authority children's services (PDF, text by pypdf)",
           build_ofsted),
    DocSet("hhs-oig-audits", "empowerai/hhs-oig-web-asp", "audit_regulator", US_GOV,
           "HHS-OIG Office of Audit Services report summaries (oas/reports/**.htm)", build_oig_oas),
    DocSet("hhs-oig-evaluations", "empowerai/hhs-oig-web-asp", "audit_regulator", US_GOV,
           "HHS-OIG Office of Evaluation and Inspections report pages (oei/reports/*.asp)", build_oig_oei),
    DocSet("pubmedqa-abstracts", "pubmedqa/pubmedqa", "research", "MIT (dataset); abstracts from PubMed",
           "PubMedQA's 1,000 expert-labelled PubMed abstracts (data/ori_pqal.json)", build_pubmedqa),
    DocSet("scitldr-abstracts", "allenai/scitldr", "research", "Apache-2.0 (dataset); abstracts from OpenReview",
           "SciTLDR-A abstracts of ICLR submissions (SciTLDR-Data/SciTLDR-A/*.jsonl)", build_scitldr),
    DocSet("ons-bulletins", "ONSdigital/tredegar", "statistics", OGL,
           "ONS statistical bulletins held by the 2014 alpha website (src/main/resources/bulletins/*.md)", build_ons),
    DocSet("uk-judgments", "nationalarchives/tna-judgments-parser", "court_parliament", OGL,
           "Judgments of the courts of England and Wales and the UK Supreme Court, with Supreme Court press "
           "summaries (test/judgments/*.xml, test/ps/*.xml, Akoma Ntoso)",
           lambda s: build_tna(s, ("test/judgments/", "test/ps/", "test/backlog/expected-output/"),
                               "uk-judgments", "judgment", (".xml",))),
    DocSet("uk-legislation-docs", "nationalarchives/tna-judgments-parser", "court_parliament", OGL,
           "Explanatory memoranda and notes, impact assessments, transposition notes, codes of practice and other "
           "documents published with UK legislation (test/leg/**.akn)",
           lambda s: build_tna(s, ("test/leg/",), "uk-legislation-docs", "legislation", (".akn",))),
]


# --- duplicates and the real pairs' sources ---------------------------------------------------------------

SHINGLE = 8


def shingles(text: str) -> set[int]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {hash(" ".join(words[i:i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1))}


def real_sources() -> dict[str, str]:
    return {f"{p.parent.name}/{p.name}": (p / "source.txt").read_text(encoding="utf-8")
            for p in sorted(REAL.glob("*/*")) if (p / "source.txt").is_file()}


class RealSourceMatcher:
    """Which real pair's source a library document is a copy of (most of the pair's 8-word runs inside it)."""

    def __init__(self, sources: dict[str, str], threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.size: dict[str, int] = {}
        self.index: dict[int, list[str]] = {}
        for pair, text in sources.items():
            grams = shingles(text)
            self.size[pair] = len(grams)
            for g in grams:
                self.index.setdefault(g, []).append(pair)

    def copies(self, text: str) -> list[str]:
        hits: dict[str, int] = {}
        for g in shingles(text):
            for pair in self.index.get(g, ()):
                hits[pair] = hits.get(pair, 0) + 1
        return sorted(p for p, n in hits.items() if self.size[p] and n / self.size[p] >= self.threshold)


def drop_duplicates(docs: Iterable[dict[str, object]]) -> tuple[list[dict[str, object]], list[str]]:
    """Keep the first of documents with the same text, or whose text is nine tenths inside a longer one."""
    by_length = sorted(docs, key=lambda d: (-len(str(d["text"])), str(d["id"])))
    kept: list[dict[str, object]] = []
    kept_grams: list[set[int]] = []
    seen_exact: set[str] = set()
    dropped: list[str] = []
    near_check = len(by_length) <= 600  # pairwise containment only where a set is small enough for it
    for d in by_length:
        text = str(d["text"])
        exact = hashlib.sha256(_norm(text.split("\n\n", 1)[-1]).encode()).hexdigest()
        if exact in seen_exact:
            dropped.append(str(d["id"]))
            continue
        grams = shingles(text) if near_check else set()
        if near_check and grams and any(len(grams & other) / len(grams) >= 0.9 for other in kept_grams):
            dropped.append(str(d["id"]))
            continue
        seen_exact.add(exact)
        kept.append(d)
        if near_check:
            kept_grams.append(grams)
    return sorted(kept, key=lambda d: str(d["id"])), sorted(dropped)


def unique_ids(docs: list[dict[str, object]]) -> None:
    counts: dict[str, int] = {}
    for d in docs:
        base = str(d["id"])
        counts[base] = counts.get(base, 0) + 1
        if counts[base] > 1:
            d["id"] = f"{base}-{counts[base]}"


def write_jsonl_gz(path: Path, docs: list[dict[str, object]]) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        for d in docs:
            gz.write((json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def _replace_block(text: str, marker: str, table: str) -> str:
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    return head + start + "\n" + table + end + rest.split(end, 1)[1]


def sets_table(manifest: dict[str, dict[str, dict[str, object]]]) -> str:
    rows = ["| set (file) | kind | documents | MB gzipped | MB text | repository @ commit | licence |",
            "|---|---|---|---|---|---|---|"]
    by_kind: dict[str, int] = {}
    for name, info in sorted(manifest["sets"].items()):
        n = int(str(info["documents"]))
        by_kind[str(info["kind"])] = by_kind.get(str(info["kind"]), 0) + n
        rows.append(f"| {name} (`{info['file']}`) | {info['kind']} | {n:,} | {int(str(info['bytes'])) / 1e6:.2f} | "
                    f"{int(str(info['characters'])) / 1e6:.1f} | {info['repository']} @ `{str(info['commit'])[:12]}` | "
                    f"{info['licence']} |")
    total = sum(by_kind.values())
    size = sum(int(str(i["bytes"])) for i in manifest["sets"].values()) / 1e6
    rows.append(f"| **total** | | **{total:,}** | **{size:.2f}** | | | |")
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(by_kind.items()))
    return "\n".join(rows) + f"\n\nPer kind: {kinds}.\n"


def answers_table() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from library_docs import real_answers

    rows = ["| pair | kind | file written by `library_docs.py --real` | source | address |", "|---|---|---|---|---|"]
    answers = real_answers()
    texts_per_address: dict[str, int] = {}
    pair_count = 0
    for answer in answers:
        source, pairs = answer["source"], answer["pairs"]
        assert isinstance(source, dict) and isinstance(pairs, list)
        url = str(source.get("url", ""))
        texts_per_address[url] = texts_per_address.get(url, 0) + 1
        title = str(answer["title"]).replace("|", "/")
        for pair in pairs:
            pair_count += 1
            rows.append(f"| {pair} | {answer['kind']} | `{answer['id']}.txt` | {title} | {url.replace('|', '/')} |")
    shared = sum(1 for n in texts_per_address.values() if n > 1)
    return (
        "\n".join(rows) + f"\n\n{pair_count} pairs, {len(answers)} distinct source texts (pairs quoting the very same "
        f"text share a file); {shared} addresses have more than one distinct text (different excerpts of one "
        "document): a query's right answer is any file with its pair's address.\n"
    )


def update_readme(manifest: dict[str, dict[str, dict[str, object]]], out: Path) -> None:
    readme = out / "README.md"
    if not readme.is_file():
        return
    text = readme.read_text(encoding="utf-8")
    text = _replace_block(text, "sets", sets_table(manifest))
    text = _replace_block(text, "answers", answers_table())
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help="folder of fetched snapshots")
    parser.add_argument("--out", type=Path, default=OUT, help="where the .jsonl.gz files and manifest go")
    parser.add_argument("--only", action="append", default=[], help="build only this set (repeatable)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {"sets": {}}
    matcher = RealSourceMatcher(real_sources())
    for docset in SETS:
        if args.only and docset.name not in args.only:
            continue
        snap = open_snapshot(args.mirror, docset.repo)
        if snap is None:
            print(f"{docset.name}: no snapshot of {docset.repo} under {args.mirror}; skipped", file=sys.stderr)
            continue
        print(f"{docset.name}: reading {docset.repo} at {snap.commit[:12]}", file=sys.stderr)
        docs = list(docset.build(snap))
        unique_ids(docs)
        real_copies: dict[str, list[str]] = {}
        library = []
        for d in docs:
            pairs = matcher.copies(str(d["text"]))
            if pairs:
                real_copies[str(d["id"])] = pairs
            else:
                library.append(d)
        library, duplicates = drop_duplicates(library)
        target = args.out / f"{docset.name}.jsonl.gz"
        write_jsonl_gz(target, library)
        data = target.read_bytes()
        manifest["sets"][docset.name] = {
            "file": target.name,
            "repository": docset.repo,
            "commit": snap.commit,
            "kind": docset.kind,
            "licence": docset.licence,
            "description": docset.description,
            "documents": len(library),
            "characters": sum(len(str(d["text"])) for d in library),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "left_out_as_real_sources": real_copies,
            "left_out_as_duplicates": duplicates,
        }
        print(f"  {len(library)} documents, {len(data):,} bytes; {len(real_copies)} real sources and "
              f"{len(duplicates)} duplicates left out", file=sys.stderr)
    manifest["built"] = "by scripts/build_library_sample.py; no timestamp, so a rebuild is byte-identical"
    manifest["total_documents"] = sum(s["documents"] for s in manifest["sets"].values())
    manifest["total_bytes"] = sum(s["bytes"] for s in manifest["sets"].values())
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    update_readme(manifest, args.out)
    return 0


if __name__ == "__main__":
    started = datetime.now()
    code = main()
    print(f"done in {(datetime.now() - started).seconds} s", file=sys.stderr)
    sys.exit(code)
