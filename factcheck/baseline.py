"""Baselines: the flagged findings a team has reviewed and accepted, so that a later check does not count them.

`factcheck baseline write` records every flagged quotation and claim of a check (`baseline_of`); `factcheck check
--baseline FILE` marks the findings that match an entry as accepted (`apply_baseline`, a pure function over the
Report that check() returned). An accepted finding keeps its verdict and severity and is still shown, marked
"Accepted"; it is left out of the summary's flagged counts, its severities and its worst_severity, and so out of
the --fail-on gate (see types.Summary).

A finding is matched by a fingerprint of what it is, not of where it is: its kind, its verdict, the words of the
quotation (or claim) and the words of the source passage it was matched to (a claim's evidence), each
lower-cased with punctuation and spacing ignored. An edit elsewhere in the release leaves the fingerprint as it
was; a change to the quoted words, to the passage, or to the verdict makes a new finding that is not accepted.
An entry that matches nothing any more is stale (`stale_entries`), and the report warns of it.

The file is JSON, written the same way every time: entries sorted, each with the quotation's text and verdict
for the people who read it in a diff, and a version number.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factcheck.errors import BaselineError
from factcheck.pipeline import summarise
from factcheck.types import ClaimFinding, ClaimVerdict, QuoteFinding, Report, Verdict

BASELINE_VERSION = 1
DEFAULT_BASELINE = "factcheck-baseline.json"
_WORD = re.compile(r"[^\W_]+")
QUOTE_PREVIEW = 60  # characters of an entry's text quoted in a stale-entry warning


class BaselineEntry(BaseModel):
    """One accepted finding: `fingerprint` matches it; the rest is for the people reading the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["quote", "claim"]
    verdict: Verdict | ClaimVerdict
    text: str
    fingerprint: str = Field(pattern=r"^[0-9a-f]{16}$")


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1  # BASELINE_VERSION: a later format gets a new number
    entries: list[BaselineEntry] = []


def normalised_words(text: str) -> str:
    """The words of `text`, lower-cased, one space between them: what a fingerprint sees."""
    return " ".join(_WORD.findall(text.casefold()))


def _fingerprint(kind: str, verdict: str, text: str, passage: str) -> str:
    payload = json.dumps([kind, verdict, normalised_words(text), normalised_words(passage)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def quote_fingerprint(finding: QuoteFinding) -> str:
    return _fingerprint("quote", finding.verdict, finding.text, finding.source_text)


def claim_fingerprint(claim: ClaimFinding) -> str:
    return _fingerprint("claim", claim.verdict, claim.text, " ".join(claim.evidence_text))


def baseline_of(report: Report) -> Baseline:
    """Every flagged finding of `report` (a quotation or claim with a severity) as an accepted entry."""
    entries = {
        BaselineEntry(kind="quote", verdict=q.verdict, text=q.text, fingerprint=quote_fingerprint(q))
        for q in report.quotes
        if q.severity != "none"
    } | {
        BaselineEntry(kind="claim", verdict=c.verdict, text=c.text, fingerprint=claim_fingerprint(c))
        for c in report.claims
        if c.severity != "none"
    }
    return Baseline(entries=sorted(entries, key=lambda e: (e.kind != "quote", e.text.casefold(), e.verdict, e.fingerprint)))


def dump_baseline(baseline: Baseline) -> str:
    """The baseline as the file holds it: indented JSON, the same bytes for the same baseline."""
    return json.dumps(baseline.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: Path) -> Baseline:
    """The baseline in `path`; an unreadable or malformed file is a BaselineError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline {path}: no such file (write one with `factcheck baseline write`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"baseline {path}: cannot read it ({getattr(e, 'strerror', None) or e})") from None
    try:
        return Baseline.model_validate_json(text)
    except ValidationError as e:
        error = e.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        what = "not JSON" if error["type"] == "json_invalid" else f"{where + ': ' if where else ''}{error['msg']}"
        raise BaselineError(f"baseline {path}: {what}") from None


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    """A copy of `report` whose findings that match an entry of `baseline` are accepted (and only those), its
    summary counted again, and a warning for each entry that matches nothing. `report` is not changed."""
    accepted = {entry.fingerprint for entry in baseline.entries}
    quotes = [q.model_copy(update={"accepted": quote_fingerprint(q) in accepted}) for q in report.quotes]
    claims = [c.model_copy(update={"accepted": claim_fingerprint(c) in accepted}) for c in report.claims]
    warnings = list(report.warnings)
    for entry in stale_entries(report, baseline):
        warning = stale_warning(entry)
        if warning not in warnings:
            warnings.append(warning)
    return report.model_copy(
        update={
            "quotes": quotes,
            "claims": claims,
            "summary": summarise(quotes, claims, report.findings),
            "warnings": warnings,
        }
    )


def stale_entries(report: Report, baseline: Baseline) -> list[BaselineEntry]:
    """The entries of `baseline` that match no finding of `report`."""
    present = {quote_fingerprint(q) for q in report.quotes} | {claim_fingerprint(c) for c in report.claims}
    return [entry for entry in baseline.entries if entry.fingerprint not in present]


def stale_warning(entry: BaselineEntry) -> str:
    words = " ".join(entry.text.split())
    shown = words if len(words) <= QUOTE_PREVIEW else words[: QUOTE_PREVIEW - 1].rstrip() + "\u2026"
    return (
        f"baseline entry {entry.fingerprint} ({entry.kind}, {entry.verdict}: \u2018{shown}\u2019) matches no finding "
        "any more; write the baseline again to drop it"
    )
