"""The results section of a study (v2 JSON shape) to outcome results (adverse events: :mod:`ingest.ctgov.events`).

Every value that cannot be imported (not numeric, no group, out of range for its kind)
is left out and named in the study's report; the rest of the table is kept. The report also
counts the registry numbers each such message leaves out (``StudyReport.values_skipped``), so
the numbers of a record's outcome values (value, spread, limits) and analyses (estimate, CI
bounds, dispersion, p-value) are each in the document or counted as skipped (so are those of
its adverse-event tables, in :mod:`ingest.ctgov.events`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from ingest.ctgov.arms import ArmSet
from ingest.ctgov.common import StudyReport, is_number, numbers_in, parse_count, parse_number, parse_p_value, token
from ingest.ctgov.events import DEATH_EVENT, adverse_events
from kb.models import ArmMeasurement, Comparison, EffectMeasure, OutcomeResult, OutcomeRole, Statistic
from kb.models.findings import CISides, Dispersion

__all__ = ["outcome_results", "adverse_events", "DEATH_EVENT"]

_ROLES = {
    "PRIMARY": OutcomeRole.primary,
    "SECONDARY": OutcomeRole.secondary,
    "OTHER_PRE_SPECIFIED": OutcomeRole.other_prespecified,
    "POST_HOC": OutcomeRole.post_hoc,
}
_STATISTICS = {
    "MEDIAN": Statistic.median,
    "MEAN": Statistic.mean,
    "LEAST_SQUARES_MEAN": Statistic.least_squares_mean,
    "GEOMETRIC_MEAN": Statistic.geometric_mean,
    "GEOMETRIC_LEAST_SQUARES_MEAN": Statistic.geometric_least_squares_mean,
    "COUNT_OF_PARTICIPANTS": Statistic.count,
    "COUNT_OF_UNITS": Statistic.count,
    "NUMBER": Statistic.number,
}


#: The fields of a measurement and of an analysis whose numbers the report accounts for.
MEASUREMENT_NUMBERS = ("value", "spread", "lowerLimit", "upperLimit")
ANALYSIS_NUMBERS = ("paramValue", "ciLowerLimit", "ciUpperLimit", "dispersionValue", "pValue")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dispersion(kind: str | None) -> tuple[Dispersion | None, float | None]:
    """The dispersion type of a registry spelling, and the CI level for confidence intervals."""
    if not kind:
        return None, None
    value = token(kind)
    ci = re.match(r"^(\d+(?:\.\d+)?)%_CONFIDENCE_INTERVAL$", value)
    if ci:
        return Dispersion.confidence_interval, float(ci.group(1)) / 100
    if value.startswith("STANDARD_DEVIATION"):
        return Dispersion.standard_deviation, None
    if value.startswith("STANDARD_ERROR"):
        return Dispersion.standard_error, None
    if value == "FULL_RANGE":
        return Dispersion.full_range, None
    if value == "INTER_QUARTILE_RANGE":
        return Dispersion.inter_quartile_range, None
    if value.startswith("GEOMETRIC_COEFFICIENT"):
        return Dispersion.geometric_coefficient_of_variation, None
    return None, None


def _effect_measure(label: str) -> EffectMeasure:
    """The effect measure of a registry parameter type; log-scale and unusual ones are 'other'.

    >>> _effect_measure("Hazard Ratio (HR)"), _effect_measure("Hazard Ratio, log")
    (<EffectMeasure.hazard_ratio: 'hazard_ratio'>, <EffectMeasure.other: 'other'>)
    >>> _effect_measure("LS Mean Difference")
    <EffectMeasure.mean_difference: 'mean_difference'>
    """
    text = label.casefold()
    if "log" in text:
        return EffectMeasure.other
    for needle, measure in (
        ("hazard ratio", EffectMeasure.hazard_ratio),
        ("cox proportional hazard", EffectMeasure.hazard_ratio),
        ("odds ratio", EffectMeasure.odds_ratio),
        ("risk ratio", EffectMeasure.risk_ratio),
        ("relative risk", EffectMeasure.risk_ratio),
        ("risk difference", EffectMeasure.risk_difference),
        ("median difference", EffectMeasure.median_difference),
        ("mean difference", EffectMeasure.mean_difference),
    ):
        if needle in text:
            return measure
    return EffectMeasure.other


def _denominators(denoms: list[dict[str, Any]] | None) -> dict[str, int]:
    """Participants analysed per group id (the first denominator, which counts participants)."""
    for denom in denoms or []:
        return {c.get("groupId"): n for c in denom.get("counts") or [] if (n := parse_count(c.get("value"))) is not None}
    return {}


def _measurement(
    where: str, measurement: dict[str, Any], arm: str, statistic: Statistic, unit: str | None,
    dispersion: Dispersion | None, ci_level: float | None, n: int | None, category: str | None, report: StudyReport,
) -> ArmMeasurement | None:
    raw = measurement.get("value")
    value = parse_number(raw)
    comment = measurement.get("comment") or ""
    fields: dict[str, Any] = {"arm": arm, "statistic": statistic, "unit": unit, "n": n, "category": category}
    if value is None:
        if statistic is Statistic.median and "not reached" in comment.casefold():
            fields["not_reached"] = True
        else:
            report.skip(f"{where}: value {raw!r} not numeric" + (f" ({_short(comment)})" if comment else ""),
                        numbers_in(measurement, MEASUREMENT_NUMBERS))
            return None
    else:
        fields["value"] = value
    if statistic is Statistic.number and unit and unit.casefold().startswith("percent") and value is not None and 0 <= value <= 100:
        fields["statistic"] = Statistic.percentage
    # The registry fields this measurement keeps, or whose leaving out is already reported.
    used = {"value"}
    if dispersion is not None:
        spread = parse_number(measurement.get("spread"))
        lower, upper = parse_number(measurement.get("lowerLimit")), parse_number(measurement.get("upperLimit"))
        limits = numbers_in(measurement, ("lowerLimit", "upperLimit"))
        if dispersion is Dispersion.confidence_interval:
            used |= {"lowerLimit", "upperLimit"}
            if lower is not None and upper is not None:
                fields.update(dispersion=dispersion, ci_lower=lower, ci_upper=upper, ci_level=ci_level)
            elif measurement.get("lowerLimit") is not None or measurement.get("upperLimit") is not None:
                report.skip(f"{where}: confidence interval {measurement.get('lowerLimit')!r} to {measurement.get('upperLimit')!r} not numeric", limits)
        elif dispersion in {Dispersion.full_range, Dispersion.inter_quartile_range}:
            used |= {"lowerLimit", "upperLimit"}
            if lower is not None and upper is not None:
                fields.update(dispersion=dispersion, dispersion_lower=lower, dispersion_upper=upper)
            elif measurement.get("lowerLimit") is not None or measurement.get("upperLimit") is not None:
                report.skip(f"{where}: {dispersion.value} {measurement.get('lowerLimit')!r} to {measurement.get('upperLimit')!r} not numeric", limits)
        else:
            used.add("spread")
            if spread is not None and spread >= 0:
                fields.update(dispersion=dispersion, dispersion_value=spread)
            elif measurement.get("spread") is not None:
                report.skip(f"{where}: {dispersion.value} {measurement.get('spread')!r} not numeric", numbers_in(measurement, ("spread",)))
    unused = [key for key in MEASUREMENT_NUMBERS if key not in used and is_number(measurement.get(key))]
    if unused:
        # e.g. a spread given for a measure without a dispersion type: there is no telling what it is.
        shown = ", ".join(f"{key} {measurement.get(key)!r}" for key in unused)
        report.skip(f"{where}: {shown} left out (the measure's dispersion type, {dispersion.value if dispersion else 'none'}, has no place for it)", len(unused))
    try:
        return ArmMeasurement(**fields)
    except ValidationError as error:
        # e.g. a value outside its own interval: keep the value, drop what contradicts it.
        spreads = ("ci_lower", "ci_upper", "ci_level", "dispersion", "dispersion_lower", "dispersion_upper", "dispersion_value")
        trimmed = {k: v for k, v in fields.items() if k not in spreads}
        dropped = sum(1 for k in ("ci_lower", "ci_upper", "dispersion_lower", "dispersion_upper", "dispersion_value") if fields.get(k) is not None)
        report.skip(f"{where}: spread left out ({error.errors()[0]['msg']})", dropped)
        try:
            return ArmMeasurement(**trimmed)
        except ValidationError as second:
            report.skip(f"{where}: value {raw!r} left out ({second.errors()[0]['msg']})", 1 if value is not None else 0)
            return None


def _comparison(where: str, analysis: dict[str, Any], table: str, arms: ArmSet, report: StudyReport) -> Comparison | None:
    """One statistical analysis as a two-arm comparison, or None; the report says what was left out and why."""
    pair = _compared_arms(where, analysis, table, arms, report)
    if pair is None:
        return None
    arm, reference = pair
    fields: dict[str, Any] = {"arm": arm, "reference_arm": reference, "test": analysis.get("statisticalMethod") or None,
                              "description": analysis.get("estimateComment") or None}
    _add_estimate(fields, where, analysis, report)
    _add_p_value(fields, where, analysis, report)
    if "estimate" not in fields and "p_value" not in fields:
        report.skip(f"{where}: neither an estimate nor a p-value")
        return None
    return _consistent_comparison(fields, where, report)


def _compared_arms(where: str, analysis: dict[str, Any], table: str, arms: ArmSet, report: StudyReport) -> tuple[str, str] | None:
    """The (arm, reference arm) keys of a two-group analysis; None for any other analysis."""
    group_ids = [g for g in analysis.get("groupIds") or [] if g]
    if len(group_ids) != 2:
        report.skip(f"{where}: compares {len(group_ids)} groups ({', '.join(group_ids) or 'none'}); only two-group comparisons are imported",
                    numbers_in(analysis, ANALYSIS_NUMBERS))
        return None
    keys = [arms.arm_of(table, g) for g in group_ids]
    first, second = keys
    if first is None or second is None:
        report.skip(f"{where}: group {group_ids[keys.index(None)]} is not a group of the outcome", numbers_in(analysis, ANALYSIS_NUMBERS))
        return None
    if first == second:
        report.skip(f"{where}: groups {group_ids[0]} and {group_ids[1]} are the same arm", numbers_in(analysis, ANALYSIS_NUMBERS))
        return None
    # The registry does not say which arm is the reference: a control arm is, else the second.
    if arms.is_comparator(first) and not arms.is_comparator(second):
        return second, first
    if not arms.is_comparator(second):
        report.note(f"{where}: neither group is a control arm; took {group_ids[1]} as the reference")
    return first, second


def _add_estimate(fields: dict[str, Any], where: str, analysis: dict[str, Any], report: StudyReport) -> None:
    """Add the effect estimate and, only alongside it, its confidence interval and dispersion."""
    label = (analysis.get("paramType") or "").strip()
    estimate_text = analysis.get("paramValue")
    estimate = parse_number(estimate_text)
    if label and estimate is not None:
        fields.update(measure=_effect_measure(label), measure_label=label, estimate=estimate)
    elif estimate is not None:
        # Without its parameter type an estimate could be a ratio or a difference: no telling.
        report.skip(f"{where}: estimate {estimate_text!r} has no parameter type", 1)
    elif estimate_text not in (None, ""):
        report.skip(f"{where}: estimate {estimate_text!r} not numeric", numbers_in(analysis, ("paramValue",)))
    lower_text, upper_text = analysis.get("ciLowerLimit"), analysis.get("ciUpperLimit")
    lower, upper = parse_number(lower_text), parse_number(upper_text)
    if lower is not None and upper is not None and "estimate" in fields:
        fields.update(ci_lower=lower, ci_upper=upper)
        level = parse_number(analysis.get("ciPctValue"))
        if level is not None and 0 < level < 100:
            fields["ci_level"] = level / 100
        sides = token(analysis.get("ciNumSides") or "")
        fields["ci_sides"] = {"TWO_SIDED": CISides.two_sided, "2_SIDED": CISides.two_sided,
                              "ONE_SIDED": CISides.one_sided, "1_SIDED": CISides.one_sided}.get(sides)
    elif lower_text not in (None, "") or upper_text not in (None, ""):
        report.skip(f"{where}: confidence interval {lower_text!r} to {upper_text!r} not numeric or incomplete",
                    numbers_in(analysis, ("ciLowerLimit", "ciUpperLimit")))
    dispersion, _ = _dispersion(analysis.get("dispersionType"))
    spread_text = analysis.get("dispersionValue")
    spread = parse_number(spread_text)
    if dispersion is not None and spread is not None and spread >= 0 and "estimate" in fields:
        fields.update(dispersion=dispersion, dispersion_value=spread)
    elif is_number(spread_text):
        why = ("no estimate beside it" if "estimate" not in fields else
               f"dispersion type {analysis.get('dispersionType')!r} unknown" if dispersion is None else "negative")
        report.skip(f"{where}: dispersion value {spread_text!r} left out ({why})", 1)


def _add_p_value(fields: dict[str, Any], where: str, analysis: dict[str, Any], report: StudyReport) -> None:
    """Add the p-value and its relation when the registry's text is a p-value."""
    p_text = analysis.get("pValue")
    if p_text not in (None, ""):
        parsed = parse_p_value(p_text)
        if parsed is None:
            report.skip(f"{where}: p-value {p_text!r} not a p-value", 1 if is_number(p_text) else 0)
        else:
            fields["p_value"], fields["p_relation"] = parsed


def _consistent_comparison(fields: dict[str, Any], where: str, report: StudyReport) -> Comparison | None:
    """The comparison as stated if it validates, else without its interval, else without its estimate."""
    # Keep what the registry states consistently: drop the interval, then the estimate, if they contradict.
    counted = ("ci_lower", "ci_upper", "estimate", "dispersion_value", "p_value")
    dropped: list[str] = []
    lost = 0
    problem = first = ""
    for drop, what in (((), ""), (("ci_lower", "ci_upper", "ci_level", "ci_sides"), "confidence interval"),
                       (("measure", "estimate", "dispersion", "dispersion_value"), "estimate")):
        had = any(fields.get(name) is not None for name in drop)
        lost += sum(1 for name in drop if name in counted and fields.get(name) is not None)
        for name in drop:
            fields.pop(name, None)
        if drop and not had:
            continue
        if what:
            dropped.append(what)
        try:
            made = Comparison(**fields)
        except ValidationError as error:
            problem = error.errors()[0]["msg"]
            first = first or problem
            continue
        if dropped:
            report.skip(f"{where}: {' and '.join(dropped)} left out ({problem})", lost)
        return made
    lost += sum(1 for name in counted if fields.get(name) is not None)
    # The first problem is why: what remained once it was dropped could not stand alone.
    report.skip(f"{where}: left out ({first})", lost)
    return None


def _measure_numbers(measure: dict[str, Any], with_analyses: bool = False) -> int:
    """How many numbers an outcome measure's values (and, if asked, its analyses) hold."""
    total = sum(
        numbers_in(item, MEASUREMENT_NUMBERS)
        for klass in measure.get("classes") or [] for category in klass.get("categories") or []
        for item in category.get("measurements") or []
    )
    if with_analyses:
        total += sum(numbers_in(analysis, ANALYSIS_NUMBERS) for analysis in measure.get("analyses") or [])
    return total


def outcome_results(results: dict[str, Any], trial: str, arms: ArmSet, report: StudyReport) -> list[OutcomeResult]:
    """The study's outcome measures, with per-group values and statistical analyses."""
    found: list[OutcomeResult] = []
    measures = (results.get("outcomeMeasuresModule") or {}).get("outcomeMeasures") or []
    for index, measure in enumerate(measures, start=1):
        title = (measure.get("title") or "").strip()
        where = f"outcome {_short(title)!r}"
        if not title:
            report.skip(f"outcome {index}: no title", _measure_numbers(measure, with_analyses=True))
            continue
        table = f"outcome-{index}"
        arms.register(table, measure.get("groups") or [], report, where)
        param = token(measure.get("paramType") or "")
        statistic = _STATISTICS.get(param)
        if statistic is None and measure.get("paramType"):
            report.skip(f"{where}: parameter type {measure.get('paramType')!r} unknown; values left out", _measure_numbers(measure))
        elif statistic is None and _measure_numbers(measure):
            report.skip(f"{where}: no parameter type; values left out", _measure_numbers(measure))
        unit = (measure.get("unitOfMeasure") or "").strip() or None
        dispersion, ci_level = _dispersion(measure.get("dispersionType"))
        measure_denoms = _denominators(measure.get("denoms"))
        measurements: list[ArmMeasurement] = []
        if statistic is not None:  # without a known statistic the values mean nothing
            for klass in measure.get("classes") or []:
                denoms = _denominators(klass.get("denoms")) or measure_denoms
                for category in klass.get("categories") or []:
                    label = " / ".join(t for t in ((klass.get("title") or "").strip(), (category.get("title") or "").strip()) if t) or None
                    for item in category.get("measurements") or []:
                        group_id = item.get("groupId") or ""
                        cell = f"{where}{f' [{_short(label, 40)}]' if label else ''} group {group_id}"
                        arm = arms.arm_of(table, group_id)
                        if arm is None:
                            report.skip(f"{cell}: group not listed for the outcome", numbers_in(item, MEASUREMENT_NUMBERS))
                            continue
                        n = denoms.get(group_id)
                        if n is None:
                            report.skip(f"{cell}: no denominator (participants analysed)")
                        made = _measurement(cell, item, arm, statistic, unit, dispersion, ci_level, n, label, report)
                        if made is not None:
                            measurements.append(made)
        comparisons: list[Comparison] = []
        for position, analysis in enumerate(measure.get("analyses") or [], start=1):
            compared = _comparison(f"{where} analysis {position}", analysis, table, arms, report)
            if compared is not None:
                comparisons.append(compared)
        if not measurements and not comparisons:
            status = measure.get("reportingStatus")
            report.skip(f"{where}: no values" + (f" (reporting status {status})" if status and status != "POSTED" else ""))
            continue
        found.append(
            OutcomeResult(
                key=f"outcome-{index:03d}",
                trial=trial,
                outcome=title,
                role=_ROLES.get(token(measure.get("type") or "")),
                description=measure.get("description") or None,
                time_frame=measure.get("timeFrame") or None,
                measurements=tuple(measurements),
                comparisons=tuple(comparisons),
            )
        )
    return found
