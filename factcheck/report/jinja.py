"""The Jinja environment of factcheck/report/templates, shared by the report page, the batch index and the
serve form. Autoescaping is on for every template and for strings, so text from the inputs is always escaped;
an undefined name in a template is an error, not an empty string."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def templates() -> Environment:
    """The one environment of the process, built on first use."""
    return Environment(
        loader=PackageLoader("factcheck.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
