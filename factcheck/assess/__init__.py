"""The assess stage: a verdict for each quotation, the claims the release makes, and the source's findings it leaves out."""

from __future__ import annotations

from factcheck.assess.claims import ClaimChecker, Window, check_claims
from factcheck.assess.coverage import FindingMap, findings_status
from factcheck.assess.qualify import Cue, Qualifier, Topics
from factcheck.assess.verdicts import Assessor

__all__ = [
    "Assessor",
    "ClaimChecker",
    "Cue",
    "FindingMap",
    "Qualifier",
    "Topics",
    "Window",
    "check_claims",
    "findings_status",
]
