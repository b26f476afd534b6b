"""Words the reports share: verdict labels and the one-line headline."""

from __future__ import annotations

from factcheck.types import FLAG_VERDICTS, ClaimFinding, LibraryReport, QuoteFinding, Report

ACCEPTED = "Accepted"  # a finding the baseline accepts: still shown, with its verdict, but not counted
CLAIM_LABELS = {
    "supported": "Supported",
    "partly": "Partly supported",
    "unsupported": "Unsupported",
    "contradicted": "Contradicted",
}

VERDICT_LABELS = {
    "verbatim": "Verbatim",
    "minor_edit": "Minor edit",
    "altered": "Altered",
    "elided": "Silently elided",
    "truncated": "Truncated",
    "context_omitted": "Context omitted",
    "not_in_source": "Not in source",
    "other_speaker": "Other speaker (not checked)",
}


# A claim the source does not carry is a lead to check, not an error found: most real ones are the release's
# own reporting from beyond the passage given (samples/real: the judge's 'unsupported' is rarely a distortion).
CLAIM_LABELS = {
    "supported": "Supported",
    "partly": "Partly supported",
    "unsupported": "Not found in the source",
    "contradicted": "Contradicted",
}


def verdict_label(finding: QuoteFinding) -> str:
    """The verdict in plain words: an elision the release marked with an ellipsis is not called silent."""
    if finding.verdict == "elided" and not any(op.kind == "delete" and not op.marked for op in finding.edits):
        return "Qualifier cut at an ellipsis"
    return VERDICT_LABELS.get(finding.verdict, finding.verdict)


def claim_label(claim: ClaimFinding) -> str:
    return CLAIM_LABELS.get(claim.verdict, claim.verdict)


def headline(report: Report) -> str:
    """How many quotations, how many faithful and how many flagged; those a baseline accepted are counted
    apart, not as flagged."""
    s = report.summary
    flagged = sum(1 for q in report.quotes if q.verdict in FLAG_VERDICTS and not q.accepted)
    accepted = sum(1 for q in report.quotes if q.accepted)
    faithful = s.verdicts.get("verbatim", 0) + s.verdicts.get("minor_edit", 0)
    return (
        f"{s.quotes} quotations, {s.checked} attributed to the source: {faithful} faithful, {flagged} flagged "
        f"(high {s.severities.get('high', 0)}, medium {s.severities.get('medium', 0)}, low {s.severities.get('low', 0)})"
        + (f", {accepted} accepted in the baseline." if accepted else ".")
    )


LIBRARY_TITLE = "Found in the library"  # before the library reports a release was checked against


def library_evidence(found: LibraryReport) -> str:
    """Why a library report was checked against, in words: what of the release it holds, and its key."""
    if found.evidence == "quotations":
        held = f"holds {_count(found.quotations, 'quotation')} of the release"
    else:
        held = f"shares {_count(found.sentences, 'sentence')} with the release"
    return f"{held}; digest {found.digest[:12]}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
