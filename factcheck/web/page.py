"""The web page of `factcheck serve`: the form, what its fields ask to check, and the report page, which keeps
the texts it checked so they can be downloaded as a report or checked again.

The form has a release (pasted, or a chosen file, which wins) and up to MAX_SOURCES sources: every text pasted
into a source box and every chosen source file is one. On a server with a library the sources are optional: a
release sent without any is checked against the library reports it quotes, which its report names. Every text the page checks has its line ends as "\\n", as
a browser sends a form field back (with "\\r\\n", read as "\\n"), so the texts kept on the report page give the
same report when they are posted again to download it or to check again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from factcheck.config import Settings
from factcheck.errors import EmptyInputError
from factcheck.report import templates
from factcheck.web.fields import Field, named
from factcheck.web.submission import (
    MAX_SOURCES,
    NamedText,
    RequestError,
    Submission,
    check_source_count,
    file_input,
    human_size,
    text_input,
)

PASTED_RELEASE = "release (pasted text)"
BLANK = NamedText("", "")
NAME_LENGTH = 200  # characters of a name kept from a form field; a name is only ever shown
# format -> (content type, file name) of POST /download
DOWNLOADS = {
    "html": ("text/html; charset=utf-8", "factcheck-report.html"),
    "md": ("text/markdown; charset=utf-8", "factcheck-report.md"),
    "json": ("application/json", "factcheck-report.json"),
}


@dataclass(frozen=True)
class FormInputs:
    """The texts the form shows, each with the name the report gave it ("" for text not checked yet)."""

    release: NamedText = BLANK
    sources: tuple[NamedText, ...] = ()


def form_text(text: str) -> str:
    """Text as it comes back from a form field: line ends as "\\n"; NUL, which HTML cannot carry, as U+FFFD."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def _first(fields: Sequence[Field], name: str) -> str:
    found = named(fields, name)
    return found[0].text if found else ""


def kept_inputs(fields: Sequence[Field]) -> FormInputs:
    """The texts typed or kept in the form's boxes (not its files), to show on the form again. The n-th
    `source_name` names the n-th `source_text`; source boxes left blank are dropped."""
    release = NamedText(_first(fields, "release_name").strip()[:NAME_LENGTH], form_text(_first(fields, "release_text")))
    names = [field.text.strip()[:NAME_LENGTH] for field in named(fields, "source_name")]
    texts = [form_text(field.text) for field in named(fields, "source_text")]
    sources = [NamedText(names[i] if i < len(names) else "", text) for i, text in enumerate(texts) if text.strip()]
    return FormInputs(release, tuple(sources))


def form_submission(fields: Sequence[Field], settings: Settings, *, library: bool = False) -> Submission:
    """What the form asks to check; FactcheckError or RequestError for input the page cannot use. With
    `library` (the server has one) a form without sources is a submission without sources."""
    kept = kept_inputs(fields)
    release_files = [field for field in named(fields, "release_file") if field.chosen_file]
    if release_files:  # a chosen file wins over pasted text
        release = _upload("release", release_files[0], settings)
    elif not kept.release.text.strip():
        raise EmptyInputError("The release is empty: paste its text or choose a file.")
    else:
        release = text_input("pasted release", kept.release.name or PASTED_RELEASE, kept.release.text, settings)
    files = [field for field in named(fields, "source_file") if field.chosen_file]
    check_source_count(len(kept.sources) + len(files), library=library)
    several = len(kept.sources) + len(files) > 1
    sources = [
        text_input(
            f"pasted source {number}" if several else "pasted source",
            source.name or (f"source {number} (pasted text)" if several else "source (pasted text)"),
            source.text,
            settings,
        )
        for number, source in enumerate(kept.sources, 1)
    ]
    sources += [_upload("source", field, settings) for field in files]
    return Submission(release, tuple(sources))


def _upload(label: str, field: Field, settings: Settings) -> NamedText:
    read = file_input(label, field.filename or "", field.data, settings)
    return NamedText(read.name, form_text(read.text))


def download_format(fields: Sequence[Field]) -> str:
    chosen = _first(fields, "format").strip().lower()
    if chosen not in DOWNLOADS:
        given = f", not {chosen!r}" if chosen else ""
        raise RequestError(f"Choose the report's format to download: {', '.join(DOWNLOADS)}{given}.")
    return chosen


def render_form(settings: Settings, error: str = "", inputs: FormInputs = FormInputs(), *, library: bool = False) -> str:
    """The form, showing `inputs` (a blank source box after them) and `error`, both escaped; with `library`, it
    says the sources are optional and that the server's library is searched when none is given."""
    from factcheck.pipeline import __version__

    slots = list(inputs.sources)
    if len(slots) < MAX_SOURCES:
        slots.append(BLANK)
    return (
        templates()
        .get_template("form.html.j2")
        .render(
            version=__version__,
            error=error,
            release=inputs.release,
            slots=slots,
            kept=bool(inputs.release.text or inputs.sources),
            max_sources=MAX_SOURCES,
            limit=human_size(settings.limits.max_input_bytes),
            library=library,
        )
    )


def report_page(html: str, submission: Submission) -> str:
    """The HTML report with the page's actions at its top: check another release, check again with these texts,
    download the report; the texts are carried in hidden fields (escaped), to be posted back."""
    actions = templates().get_template("serve_actions.html.j2")
    style = actions.render(part="style", release=submission.release, sources=submission.sources, downloads=DOWNLOADS)
    bar = actions.render(part="bar", release=submission.release, sources=submission.sources, downloads=DOWNLOADS)
    return html.replace("</head>", style + "</head>", 1).replace("<body>\n", "<body>\n" + bar, 1)
