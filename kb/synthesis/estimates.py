"""Collecting a drug's estimates of one outcome from the KB, oriented as the drug's arm against its comparator.

The rows come from the ``synthesis_estimates`` template (one per between-arm comparison, read in
its own source graph). Each is oriented with the evidence export's rule
(:func:`kb.export.tables.orient`, ``docs/meta-analysis.md``): kept when the drug is in ``arm``
only, turned (a ratio inverted, its bounds swapped) when it is in ``reference_arm`` only, and left
out when it is in both arms or neither. The standard error comes from the CI as the export computes
it (:func:`kb.export.tables.standard_error`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from kb.export.tables import orient, standard_error
from kb.models import EffectMeasure
from kb.query.rows import QueryTarget
from kb.synthesis.model import Estimate, Excluded

__all__ = ["collect", "TEMPLATE"]

#: The query template the estimates are read with.
TEMPLATE = "synthesis_estimates"


def collect(target: QueryTarget, drug_iri: str, drug_label: str, outcome_iri: str) -> Iterator[Estimate | Excluded]:
    """Every comparison of ``outcome_iri`` in the trials of ``drug_iri``: an :class:`Estimate`
    oriented as the drug's arm against its comparator, or an :class:`Excluded` when it cannot be
    (the drug in both arms or neither; a measure with no known direction that would need turning)."""
    from kb.query import run_template

    seen: set[str] = set()
    for row in run_template(target, TEMPLATE, {"drug": drug_iri, "outcome": outcome_iri}):
        record = row._asdict()
        if record["comparison"] in seen:  # a second title or author of the same record: one row is enough
            continue
        seen.add(record["comparison"])
        yield _oriented(record, drug_label)


def _oriented(record: dict[str, Any], drug: str) -> Estimate | Excluded:
    measure = record["measure"]
    is_ratio = measure is not None and measure in EffectMeasure.__members__ and EffectMeasure(measure).is_ratio
    estimate = record["estimate"]
    record["log_estimate"] = math.log(estimate) if is_ratio and estimate is not None and estimate > 0 else None
    try:
        record["se"] = standard_error(measure, record["ci_lower"], record["ci_upper"], record["ci_level"])
    except ValueError:  # a measure the model does not know (a store written by another tool)
        record["se"] = None
    reported = {k: record[k] for k in ("arm", "reference_arm", "estimate", "ci_lower", "ci_upper")}
    in_arm, in_reference = bool(record["arm_receives"]), bool(record["reference_receives"])
    inverted, why = False, None
    if in_arm == in_reference:
        code = "both_arms" if in_arm else "neither_arm"
        reason = f"{drug} in both arms ({record['arm']} against {record['reference_arm']}): not an estimate of {drug}'s effect" if in_arm \
            else f"{drug} in neither arm ({record['arm']} against {record['reference_arm']})"
        return Excluded(_estimate(record, reported, False, None), code, reason)
    if in_reference:
        turned = orient(record)
        if turned is None:
            return Excluded(_estimate(record, reported, False, None), "no_direction",
                            f"reported as {record['arm']} against {record['reference_arm']}, and a {measure or 'measure not stated'} cannot be turned round")
        record, inverted = turned, True
        if estimate is not None:
            why = (f"reported as {reported['arm']} against {reported['reference_arm']} ({_figure(reported)}); "
                   f"inverted to {drug}'s arm against its comparator ({_figure(record)})")
        else:
            why = f"reported as {reported['arm']} against {reported['reference_arm']}; arms swapped"
    return _estimate(record, reported, inverted, why)


def _figure(values: dict[str, Any]) -> str:
    """``1.295 (1.04-1.614)``, or the estimate alone; figures as reported, turned ones to 4 digits.

    >>> _figure({"estimate": 1.25, "ci_lower": 1.0, "ci_upper": 1.5625})
    '1.25 (1-1.5625)'
    >>> _figure({"estimate": 1 / 1.295, "ci_lower": None})
    '0.7722'
    """
    def number(value: float) -> str:
        short = f"{value:g}"
        return short if len(short) <= 6 else f"{value:.4g}"

    text = number(values["estimate"])
    if values.get("ci_lower") is not None and values.get("ci_upper") is not None:
        text += f" ({number(values['ci_lower'])}-{number(values['ci_upper'])})"
    return text


def _split(text: str | None, separator: str) -> tuple[str, ...]:
    return tuple(sorted({part.strip() for part in (text or "").split(separator) if part.strip()}))


def _estimate(record: dict[str, Any], reported: dict[str, Any], inverted: bool, why: str | None) -> Estimate:
    return Estimate(
        comparison=record["comparison"], finding=record["finding"], source=record["source"], status=record["status"],
        trial=record["trial"] or record["trial_node"], trial_iri=record["trial_node"],
        pools=_split(record["pools"], " "), pooled_trials=_split(record["pooled_trials"], ","),
        outcome=record["outcome"], analysis=record["analysis"], analysis_label=record["analysis_label"], cutoff=record["cutoff"],
        arm=record["arm"], reference_arm=record["reference_arm"], measure=record["measure"],
        estimate=record["estimate"], ci_lower=record["ci_lower"], ci_upper=record["ci_upper"], ci_level=record["ci_level"],
        p_relation=record["p_relation"], p_value=record["p_value"], log_estimate=record["log_estimate"], se=record["se"],
        inverted=inverted, inverted_reason=why,
        reported_arm=reported["arm"], reported_reference_arm=reported["reference_arm"], reported_estimate=reported["estimate"],
        reported_ci_lower=reported["ci_lower"], reported_ci_upper=reported["ci_upper"],
        doi=record["doi"], pmid=record["pmid"], title=record["title"], journal=record["journal"], date=record["date"],
        quote=record["quote"], location=record["location"],
        arm_receives=bool(record["arm_receives"]), reference_receives=bool(record["reference_receives"]),
    )
