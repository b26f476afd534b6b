"""Score the product on labelled cases (a folder with release.txt, source.txt and expected.json or truth.json).

Quotations are paired with the labels by their text (rapidfuzz ratio of at least 85 after normalising quote
marks, dashes, case and spacing), the same rule as the shared scorer, so the figures agree with it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from factcheck.config import Settings
from factcheck.embed import Embedder
from factcheck.errors import FactcheckError, InputError
from factcheck.types import FLAG_VERDICTS, QuoteFinding, Report

PAIR_RATIO = 85
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return re.sub(r"\s+", " ", text).strip().strip("'\"").strip().lower().rstrip(".,;:")


@dataclass
class Counts:
    """What is counted per case and in total."""

    labelled: int = 0
    found: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    extra: int = 0
    claims_labelled: int = 0
    claims_found: int = 0
    claims_correct: int = 0
    unreported_labelled: int = 0
    unreported_found: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Like `confusion`, but a verdict the label also accepts counts as the labelled one: per-verdict precision
    # and recall are read from this.
    resolved: Counter[tuple[str, str]] = field(default_factory=Counter)
    # The trivial floor: a checker that calls every quotation faithful. It is right on every label that accepts a
    # faithful verdict (verbatim, minor_edit or other_speaker), and flags nothing.
    floor_correct: int = 0
    # Claims: labelled verdict against the product's (or 'missing'), and the flags a gate acts on.
    claim_resolved: Counter[tuple[str, str]] = field(default_factory=Counter)
    claim_tp: int = 0
    claim_fp: int = 0
    claim_fn: int = 0
    claim_unlabelled_flags: int = 0


CLAIM_FLAGS = frozenset({"unsupported", "contradicted"})


@dataclass
class CaseScore(Counts):
    name: str = ""
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    error: str = ""


Labels = dict[str, Any]  # a case's expected.json or truth.json


def load_labels(case: Path) -> Labels:
    for name in ("truth.json", "expected.json"):
        path = case / name
        if path.exists():
            labels: Labels = json.loads(path.read_text(encoding="utf-8"))
            return labels
    raise InputError(f"{case}: no expected.json or truth.json")


def report_release_text(quote: QuoteFinding) -> list[str]:
    """The text of each part of an interrupted quotation: `text` joins them with single spaces, in order."""
    texts, rest = [], quote.text
    for part in quote.parts:
        length = part.end - part.start
        texts.append(rest[:length])
        rest = rest[length + 1 :]
    return texts


def score_report(name: str, labels: Labels, report: Report) -> CaseScore:
    score = CaseScore(name=name)
    # An interrupted quotation (‘…,’ she said. ‘…’) is one quotation of several parts; a label may name it
    # whole or one part at a time, so each part is a candidate too, and a quotation counts as used once any
    # label takes it.
    candidates = [(i, q.text) for i, q in enumerate(report.quotes)]
    for i, q in enumerate(report.quotes):
        if len(q.parts) > 1:
            release = report_release_text(q)
            candidates.extend((i, part) for part in release)
    used: set[int] = set()
    taken: set[tuple[int, str]] = set()
    for label in labels.get("quotes", []):
        score.labelled += 1
        target = _norm(label["text"])
        best, best_pick = 0.0, None
        for i, text in candidates:
            whole = text == report.quotes[i].text
            if (whole and i in used) or (i, text) in taken:
                continue
            ratio = fuzz.ratio(target, _norm(text))
            if ratio > best:
                best, best_pick = ratio, (i, text)
        got = None
        if best_pick is not None and best >= PAIR_RATIO:
            used.add(best_pick[0])
            taken.add(best_pick)
            got = report.quotes[best_pick[0]].verdict
            score.found += 1
        accepted = [label["verdict"], *label.get("also_ok", [])]
        if got in accepted:
            score.correct += 1
        else:
            score.misses.append((label["verdict"], got or "missing", label["text"][:70]))
        score.confusion[(label["verdict"], got or "missing")] += 1
        score.resolved[(label["verdict"], label["verdict"] if got in accepted else got or "missing")] += 1
        if any(v not in FLAG_VERDICTS for v in accepted):
            score.floor_correct += 1
        want = label["verdict"] in FLAG_VERDICTS
        either = want or any(v in FLAG_VERDICTS for v in label.get("also_ok", []))
        flagged = got in FLAG_VERDICTS
        if want and flagged:
            score.tp += 1
        elif want:
            score.fn += 1
        elif flagged and not either:
            score.fp += 1
    score.extra = len(report.quotes) - len(used)
    labelled_claims: set[int] = set()
    for label in labels.get("claims", []):
        score.claims_labelled += 1
        target = _norm(label["text"])
        scored = [(fuzz.partial_ratio(target, _norm(c.text)), i) for i, c in enumerate(report.claims)]
        ratio, index = max(scored, key=lambda pair: pair[0], default=(0.0, -1))
        claim = report.claims[index] if index >= 0 and ratio >= PAIR_RATIO else None
        if claim is not None:
            labelled_claims.add(index)
        claim_got: str = claim.verdict if claim is not None else "missing"
        score.claim_resolved[(label["verdict"], claim_got)] += 1
        want_flag, got_flag = label["verdict"] in CLAIM_FLAGS, claim_got in CLAIM_FLAGS
        score.claim_tp += want_flag and got_flag
        score.claim_fn += want_flag and not got_flag
        score.claim_fp += got_flag and not want_flag
        if claim_got != "missing":
            score.claims_found += 1
        if claim_got == label["verdict"]:
            score.claims_correct += 1
        else:
            score.misses.append((f"claim {label['verdict']}", claim_got, label["text"][:70]))
    if "claims" in labels:
        # a flag on a sentence the labels do not list as a claim is a false alarm a reader would meet
        score.claim_unlabelled_flags = sum(
            1 for i, c in enumerate(report.claims) if c.verdict in CLAIM_FLAGS and i not in labelled_claims
        )
    unreported = [_norm(f.text) for f in report.unreported]
    for text in labels.get("unreported_source_findings", []):
        score.unreported_labelled += 1
        if any(fuzz.ratio(_norm(text), u) >= PAIR_RATIO for u in unreported):
            score.unreported_found += 1
        else:
            score.misses.append(("unreported", "not listed", text[:70]))
    return score


def evaluate_case(case: Path, settings: Settings, embedder: Embedder | None = None) -> CaseScore:
    from factcheck.pipeline import check

    labels = load_labels(case)
    release = case / labels.get("release", "release.txt")
    source = case / labels.get("source", "source.txt")
    try:
        report = check(release, source, settings=settings, embedder=embedder)
    except FactcheckError as e:
        failed = CaseScore(name=case.name, labelled=len(labels.get("quotes", [])), error=str(e))
        failed.fn = sum(1 for q in labels.get("quotes", []) if q["verdict"] in FLAG_VERDICTS)
        return failed
    return score_report(case.name, labels, report)


@dataclass
class Totals(Counts):
    cases: int = 0

    def add(self, s: CaseScore) -> None:
        self.cases += 1
        counters = ("confusion", "resolved", "claim_resolved")
        for key in (f.name for f in fields(Counts) if f.name not in counters):
            setattr(self, key, getattr(self, key) + getattr(s, key))
        for key in counters:
            getattr(self, key).update(getattr(s, key))

    @property
    def accuracy(self) -> float:
        return self.correct / max(1, self.labelled)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def floor_accuracy(self) -> float:
        return self.floor_correct / max(1, self.labelled)

    def per_verdict(self) -> list[VerdictScore]:
        """Precision and recall of each quotation verdict, a verdict the label also accepts counting as right."""
        return verdict_scores(self.resolved)

    def per_claim_verdict(self) -> list[VerdictScore]:
        """Precision and recall of each claim verdict."""
        return verdict_scores(self.claim_resolved)

    @property
    def claim_precision(self) -> float:
        return self.claim_tp / max(1, self.claim_tp + self.claim_fp)

    @property
    def claim_precision_with_unlabelled(self) -> float:
        """Claim flag precision counting a flag on a sentence no label lists as a claim as a false alarm."""
        return self.claim_tp / max(1, self.claim_tp + self.claim_fp + self.claim_unlabelled_flags)

    @property
    def claim_recall(self) -> float:
        return self.claim_tp / max(1, self.claim_tp + self.claim_fn)


def verdict_scores(resolved: Counter[tuple[str, str]]) -> list[VerdictScore]:
    verdicts = sorted({v for pair in resolved for v in pair if v != "missing"})
    rows = []
    for verdict in verdicts:
        labelled = sum(n for (want, _), n in resolved.items() if want == verdict)
        predicted = sum(n for (_, got), n in resolved.items() if got == verdict)
        rows.append(VerdictScore(verdict, labelled, predicted, resolved.get((verdict, verdict), 0)))
    return rows


@dataclass(frozen=True)
class VerdictScore:
    verdict: str
    labelled: int
    predicted: int
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.right / self.labelled if self.labelled else None


def per_verdict_table(rows: list[VerdictScore]) -> str:
    def fmt(value: float | None) -> str:
        return "   n/a" if value is None else f"{value:6.3f}"

    lines = ["verdict           labelled  predicted  precision  recall"]
    for row in rows:
        lines.append(
            f"{row.verdict:18s}{row.labelled:8d}{row.predicted:11d}     {fmt(row.precision)}  {fmt(row.recall)}"
        )
    return "\n".join(lines)


def confusion_table(confusion: Counter[tuple[str, str]]) -> str:
    rows = sorted({r for r, _ in confusion})
    cols = sorted({c for _, c in confusion})
    width = max([len(c) for c in cols] + [7])
    head = "labelled \\ got".ljust(18) + " ".join(c[:width].rjust(width) for c in cols)
    lines = [head]
    for r in rows:
        lines.append(r.ljust(18) + " ".join(str(confusion.get((r, c), 0) or ".").rjust(width) for c in cols))
    return "\n".join(lines)


def find_cases(paths: list[Path]) -> list[Path]:
    """Case folders under the given paths (a case folder itself, or any folder holding case folders)."""
    cases: list[Path] = []
    for path in paths:
        if (path / "expected.json").exists() or (path / "truth.json").exists():
            cases.append(path)
        elif path.is_dir():
            cases.extend(sorted(p.parent for p in path.rglob("expected.json")))
            cases.extend(sorted(p.parent for p in path.rglob("truth.json")))
        else:
            raise InputError(f"{path}: not a case folder")
    return list(dict.fromkeys(cases))
