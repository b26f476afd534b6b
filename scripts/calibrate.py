"""Learn the assessment thresholds from the dev split of the real labelled pairs, and write models/calibration.toml.

    .venv/bin/python scripts/calibrate.py                 # search, print each step, write models/calibration.toml
    .venv/bin/python scripts/calibrate.py --dry-run       # search and print only

Only samples/real/dev is read: the held-out split is never looked at here. The search is coordinate descent over a
few thresholds, each over a short grid of plausible values, two passes. A setting is scored by F0.5 of the flags
(precision weighted twice as much as recall: a wrong flag costs a journalist more than a missed one), then by
verdict accuracy; ties keep the value already chosen, so a threshold moves only when the labels ask for it.
A value is taken only if the reference case keeps every verdict and the generated benchmark's tuning half keeps
flag precision and recall of at least 0.95 (the generated half is a coverage check of distortion kinds, never
the figure optimised).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck.config import load_settings, models_dir
from factcheck.evaluate import Totals, evaluate_case, find_cases

GRID: dict[tuple[str, str], list[float | int]] = {
    ("assess", "context_min_topic"): [0.02, 0.03, 0.04, 0.06, 0.08, 0.1],
    ("assess", "context_reported_coverage"): [0.4, 0.5, 0.6, 0.7, 0.8],
    ("assess", "context_min_words"): [3, 4, 5, 7],
    ("assess", "paraphrase_similarity"): [0.65, 0.72, 0.8, 0.85, 0.9],
    ("align", "reattribute_min_score"): [70, 80, 90],
}
PASSES = 2
REFERENCE = ROOT / "samples" / "birmingham-2021"
GENERATED_TUNE = ROOT / "samples" / "generated" / "tune"
MIN_GENERATED = 0.95


def score(settings, cases: list[Path]) -> tuple[float, float, Totals]:  # type: ignore[no-untyped-def]
    totals = Totals()
    for case in cases:
        totals.add(evaluate_case(case, settings))
    p, r = totals.precision, totals.recall
    f_half = 0.0 if p + r == 0 else 1.25 * p * r / (0.25 * p + r)
    return f_half, totals.accuracy, totals


def keeps_constraints(settings) -> bool:  # type: ignore[no-untyped-def]
    reference = score(settings, find_cases([REFERENCE]))[2]
    if reference.accuracy < 1.0:
        return False
    generated = score(settings, find_cases([GENERATED_TUNE]))[2]
    return generated.precision >= MIN_GENERATED and generated.recall >= MIN_GENERATED


def with_value(settings, section: str, key: str, value: float):  # type: ignore[no-untyped-def]
    part = getattr(settings, section).model_copy(update={key: value})
    return settings.model_copy(update={section: part})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT / "samples" / "real" / "dev")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if "heldout" in args.dev.parts:
        raise SystemExit("calibrate reads the dev split only")
    cases = find_cases([args.dev])
    settings = load_settings(ignore_calibration=True)
    best = score(settings, cases)
    print(f"start: F0.5 {best[0]:.3f} accuracy {best[1]:.3f} on {len(cases)} dev pairs")
    for _ in range(PASSES):
        for (section, key), values in GRID.items():
            current = getattr(getattr(settings, section), key)
            for value in values:
                if value == current:
                    continue
                trial = with_value(settings, section, key, value)
                result = score(trial, cases)
                if result[:2] > best[:2] and keeps_constraints(trial):
                    settings, best, current = trial, result, value
                    print(f"  {section}.{key} = {value}: F0.5 {result[0]:.3f} accuracy {result[1]:.3f}")
    totals = best[2]
    print(
        f"chosen: F0.5 {best[0]:.3f}  accuracy {totals.accuracy:.3f}  flag precision {totals.precision:.3f} "
        f"recall {totals.recall:.3f}  floor {totals.floor_accuracy:.3f}"
    )
    lines = [
        "# Learned by scripts/calibrate.py on samples/real/dev (never on heldout). Regenerate with:",
        "#   .venv/bin/python scripts/calibrate.py",
        (
            f"# dev pairs: {len(cases)}; F0.5 {best[0]:.3f}, accuracy {totals.accuracy:.3f}, flag precision "
            f"{totals.precision:.3f}, recall {totals.recall:.3f} (all-faithful floor {totals.floor_accuracy:.3f})."
        ),
        "# These values override models/settings.toml.",
    ]
    for section in sorted({s for s, _ in GRID}):
        lines.append(f"\n[{section}]")
        for (sec, key) in GRID:
            if sec == section:
                lines.append(f"{key} = {getattr(getattr(settings, section), key)!r}")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.dry_run:
        (models_dir() / "calibration.toml").write_text(text, encoding="utf-8")
        print(f"wrote {models_dir() / 'calibration.toml'}")


if __name__ == "__main__":
    main()
