"""Synthetic findings documents for benchmarks: realistic shape, made-up identifiers.

DOIs use the Crossref test prefix 10.5555 and trial ids are NCT9xxxxxxx, so nothing here can be
mistaken for a real record.
"""

from __future__ import annotations

import random

from kb.models import FindingsDocument

__all__ = ["synthetic_document", "synthetic_documents"]

_DRUGS = ["lenalidomide", "bortezomib", "thalidomide", "dexamethasone"]
_OUTCOMES = ["time to progression", "overall survival", "overall response rate", "complete response rate"]
_EVENTS = ["neutropenia", "thrombocytopenia", "anemia", "thromboembolism", "fatigue", "constipation"]
_TARGETS = ["interleukin-6", "NF-kB", "caspase 8", "cereblon", "proteasome"]


def synthetic_document(index: int, rng: random.Random) -> FindingsDocument:
    """One report: a two-arm trial with outcome results, adverse events and a mechanism claim."""
    drug = rng.choice(_DRUGS[:3])
    n1, n2 = rng.randint(80, 400), rng.randint(80, 400)
    arms = [
        {"key": "exp", "label": f"{drug} plus dexamethasone", "role": "experimental", "n_randomized": n1,
         "interventions": [{"drug": drug}, {"drug": "dexamethasone"}]},
        {"key": "ctl", "label": "placebo plus dexamethasone", "role": "placebo_comparator", "n_randomized": n2,
         "interventions": [{"placebo": True}, {"drug": "dexamethasone"}]},
    ]
    outcomes = []
    for k, outcome in enumerate(rng.sample(_OUTCOMES, 3)):
        hr = round(rng.uniform(0.3, 1.2), 2)
        outcomes.append({
            "key": f"o{k}", "trial": "t", "analysis": "a", "outcome": outcome,
            "measurements": [
                {"arm": "exp", "statistic": "median", "value": round(rng.uniform(5, 40), 1), "unit": "month", "n": n1},
                {"arm": "ctl", "statistic": "median", "value": round(rng.uniform(3, 30), 1), "unit": "month", "n": n2},
            ],
            "comparisons": [{"arm": "exp", "reference_arm": "ctl", "measure": "hazard_ratio", "estimate": hr,
                             "ci_lower": round(hr * 0.8, 3), "ci_upper": round(hr * 1.25, 3), "ci_level": 0.95,
                             "p_value": round(rng.uniform(0.0001, 0.2), 4)}],
        })
    events = []
    for k, event in enumerate(rng.sample(_EVENTS, 4)):
        a1, a2 = rng.randint(0, n1 // 2), rng.randint(0, n2 // 3)
        events.append({"key": f"e{k}", "trial": "t", "analysis": "a", "event": event, "grade": rng.choice(["3-4", "any"]),
                       "arms": [{"arm": "exp", "n_affected": a1, "n_at_risk": n1}, {"arm": "ctl", "n_affected": a2, "n_at_risk": n2}]})
    data = {
        "source": {
            "id": f"bench-{index}",
            "publication": {
                "doi": f"10.5555/bench.{index}", "title": f"Synthetic trial report {index}",
                "authors": [{"family": f"Author{index % 997}x{j}", "given": "A B", "initials": "AB"} for j in range(6)],
                "journal": {"title": "Journal of Synthetic Trials", "issn_print": "0028-4793"},
                "volume": str(index % 50), "issue": str(index % 12 + 1), "first_page": "1", "last_page": "9", "date": "2007-11",
            },
        },
        "trials": [{"key": "t", "registry_ids": [f"NCT9{index:07d}"], "phase": "3", "randomized": True,
                    "conditions": ["multiple myeloma"], "enrollment": n1 + n2, "arms": arms}],
        "analyses": [{"key": "a", "kind": "final", "cutoff_date": "2008-07"}],
        "outcome_results": outcomes,
        "adverse_events": events,
        "mechanisms": [{"key": "m", "drug": drug, "target": rng.choice(_TARGETS), "direction": "decreased",
                        "aspect": "activity", "system": "in_vitro", "provenance": {"quote": f"Synthetic statement {index}."}}],
    }
    return FindingsDocument.model_validate(data)


def synthetic_documents(count: int, seed: int = 7) -> list[FindingsDocument]:
    """``count`` reproducible documents."""
    rng = random.Random(seed)
    return [synthetic_document(index, rng) for index in range(count)]
