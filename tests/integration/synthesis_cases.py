"""Synthetic findings files for the synthesis tests: made-up trials (DEMO-A ... DEMO-F), no such reports exist.

Beside the bundled examples they make a case for every rule of :mod:`kb.synthesis.selection`:

- DEMO-A: two reports, interim (cut-off 2019-06, HR 0.60, 0.40-0.90) and final (cut-off 2021-03,
  HR 0.55, 0.43-0.70); no registry id, so the two are one trial by acronym. Latest: the final.
- DEMO-B: reported the other way round, placebo plus dexamethasone against lenalidomide plus
  dexamethasone, HR 1.25 (1.00-1.5625): inverted to 0.80 (0.64-1.00).
- DEMO-C: HR 1.20 (0.90-1.60) against placebo, and a second comparison, lenalidomide 25 mg against
  lenalidomide 10 mg (both arms receive lenalidomide): left out.
- DEMO-D: HR 0.50 with no CI: listed, not pooled.
- DEMO-A + DEMO-C, a pooled population, HR 0.78 (0.66-0.92): both its trials have their own
  estimates, so it is left out.
- DEMO-E + DEMO-F, a pooled population, HR 0.85 (0.65-1.11); DEMO-E alone HR 0.80 (0.55-1.16),
  DEMO-F has no estimate: the pooled population is pooled and DEMO-E left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LEN_DEX = {
    "key": "len-dex", "label": "Lenalidomide plus dexamethasone", "role": "experimental",
    "interventions": [{"drug": "lenalidomide"}, {"drug": "dexamethasone"}],
}
PLACEBO_DEX = {
    "key": "placebo-dex", "label": "Placebo plus dexamethasone", "role": "placebo_comparator",
    "interventions": [{"placebo": True, "label": "placebo"}, {"drug": "dexamethasone"}],
}
LEN_LOW_DEX = {
    "key": "len-low-dex", "label": "Lenalidomide 10 mg plus dexamethasone", "role": "active_comparator",
    "interventions": [{"drug": "lenalidomide", "dose": "10 mg"}, {"drug": "dexamethasone"}],
}


def _trial(key: str, acronym: str, *arms: dict[str, Any], pooled_from: list[str] | None = None) -> dict[str, Any]:
    trial: dict[str, Any] = {"key": key, "acronym": acronym, "arms": list(arms or (LEN_DEX, PLACEBO_DEX))}
    if pooled_from:
        trial["pooled_from"] = pooled_from
    return trial


def _hr(arm: str, reference: str, estimate: float, lower: float | None = None, upper: float | None = None, p: float | None = None) -> dict[str, Any]:
    comparison: dict[str, Any] = {"arm": arm, "reference_arm": reference, "measure": "hazard_ratio", "estimate": estimate}
    if lower is not None:
        comparison.update(ci_lower=lower, ci_upper=upper, ci_level=0.95)
    if p is not None:
        comparison.update(p_value=p, p_relation="=")
    return comparison


def _report(source: str, date: str, trials: list[dict[str, Any]], trial: str, comparisons: list[dict[str, Any]],
            analysis: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"key": "os", "trial": trial, "outcome": "overall survival", "comparisons": comparisons}
    document: dict[str, Any] = {
        "schema_version": 1,
        "source": {
            "id": source, "status": "verified", "method": "manual_curation",
            "publication": {"title": f"[Synthetic report {source}, made up for tests]", "date": date, "journal": {"title": "Synthetic Journal"}},
        },
        "trials": trials,
        "outcome_results": [result],
    }
    if analysis is not None:
        document["analyses"] = [analysis]
        result["analysis"] = analysis["key"]
    return document


REPORTS: dict[str, dict[str, Any]] = {
    "synthetic-demo-a-interim": _report(
        "synthetic-demo-a-interim", "2019-11", [_trial("a", "DEMO-A")], "a", [_hr("len-dex", "placebo-dex", 0.60, 0.40, 0.90)],
        {"key": "interim", "kind": "interim", "label": "interim analysis", "cutoff_date": "2019-06"}),
    "synthetic-demo-a-final": _report(
        "synthetic-demo-a-final", "2021-09", [_trial("a", "DEMO-A")], "a", [_hr("len-dex", "placebo-dex", 0.55, 0.43, 0.70)],
        {"key": "final", "kind": "final", "label": "final analysis", "cutoff_date": "2021-03"}),
    "synthetic-demo-b": _report(
        "synthetic-demo-b", "2020", [_trial("b", "DEMO-B")], "b", [_hr("placebo-dex", "len-dex", 1.25, 1.00, 1.5625)]),
    "synthetic-demo-c": _report(
        "synthetic-demo-c", "2020", [_trial("c", "DEMO-C", LEN_DEX, PLACEBO_DEX, LEN_LOW_DEX)], "c",
        [_hr("len-dex", "placebo-dex", 1.20, 0.90, 1.60), _hr("len-dex", "len-low-dex", 0.95, 0.80, 1.13)]),
    "synthetic-demo-d": _report(
        "synthetic-demo-d", "2020", [_trial("d", "DEMO-D")], "d", [_hr("len-dex", "placebo-dex", 0.50, p=0.01)]),
    "synthetic-pooled-ac": _report(
        "synthetic-pooled-ac", "2022", [_trial("a", "DEMO-A"), _trial("c", "DEMO-C"), _trial("ac", "DEMO-A + DEMO-C", pooled_from=["a", "c"])],
        "ac", [_hr("len-dex", "placebo-dex", 0.78, 0.66, 0.92)]),
    "synthetic-pooled-ef": _report(
        "synthetic-pooled-ef", "2022", [_trial("e", "DEMO-E"), _trial("f", "DEMO-F"), _trial("ef", "DEMO-E + DEMO-F", pooled_from=["e", "f"])],
        "ef", [_hr("len-dex", "placebo-dex", 0.85, 0.65, 1.11)]),
    "synthetic-demo-e": _report(
        "synthetic-demo-e", "2020", [_trial("e", "DEMO-E")], "e", [_hr("len-dex", "placebo-dex", 0.80, 0.55, 1.16)]),
}


def write_reports(folder: Path) -> list[Path]:
    """Write every synthetic report into ``folder``; their paths."""
    paths = []
    for source, document in REPORTS.items():
        path = folder / f"{source}.yaml"
        path.write_text("# Synthetic: made up for the synthesis tests; no such report exists.\n" + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths
