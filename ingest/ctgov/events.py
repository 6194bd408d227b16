"""The adverse-events module of a study (v2 JSON shape) to adverse-event results, all-cause mortality included.

Every count that cannot be imported is left out and named in the study's report, which counts
the numbers each message leaves out (``StudyReport.values_skipped``); the numbers no finding has
a field for (events counted rather than participants, per-group totals) are counted in one
message per table.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ingest.ctgov.arms import ArmSet
from ingest.ctgov.common import StudyReport, is_number, numbers_in, parse_count, token
from kb.models import AdverseEventResult, ArmEventCount, Grade
from kb.models.findings import AssessmentType

__all__ = ["adverse_events", "DEATH_EVENT", "EVENT_NUMBERS", "GROUP_TOTALS"]

#: The event name of the all-cause mortality count (documented in docs/rdf-mapping.md).
DEATH_EVENT = "death"
#: The fields of an event's per-group counts whose numbers the report accounts for.
EVENT_NUMBERS = ("numAffected", "numAtRisk", "numEvents")
#: Per-group totals of the adverse-event tables (legacy XML's 'Total' rows become these).
GROUP_TOTALS = ("seriousNumAffected", "seriousNumAtRisk", "seriousNumEvents", "otherNumAffected", "otherNumAtRisk", "otherNumEvents")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _event_counts(where: str, stats: list[dict[str, Any]], arms: ArmSet, report: StudyReport, keys: tuple[str, str, str]) -> list[ArmEventCount]:
    group_key, affected_key, at_risk_key = keys
    counts: list[ArmEventCount] = []
    for item in stats:
        group_id = item.get(group_key) or ""
        arm = arms.arm_of("adverse-events", group_id)
        pair = numbers_in(item, (affected_key, at_risk_key))
        if arm is None:
            report.skip(f"{where} group {group_id}: group not listed for the adverse events", pair)
            continue
        affected, at_risk = parse_count(item.get(affected_key)), parse_count(item.get(at_risk_key))
        if affected is None:
            report.skip(f"{where} group {group_id}: affected {item.get(affected_key)!r} not a count", pair)
            continue
        if at_risk is None:
            report.skip(f"{where} group {group_id}: no denominator (at risk {item.get(at_risk_key)!r})", numbers_in(item, (at_risk_key,)))
        try:
            counts.append(ArmEventCount(arm=arm, n_affected=affected, n_at_risk=at_risk))
        except ValidationError as error:
            report.skip(f"{where} group {group_id}: {error.errors()[0]['msg']}", 1 + (at_risk is not None))
    return counts


def _skip_uncounted(module: dict[str, Any], groups: list[dict[str, Any]], report: StudyReport) -> None:
    """Report the adverse-event numbers no finding has a field for: events counted (not participants), group totals."""
    for table, what in (("seriousEvents", "serious"), ("otherEvents", "other")):
        events = sum(numbers_in(item, ("numEvents",)) for event in module.get(table) or [] for item in event.get("stats") or [])
        if events:
            report.skip(f"{what} adverse events: {events} counts of events (numEvents) left out: a finding counts participants affected and at risk", events)
    totals = sum(numbers_in(group, GROUP_TOTALS) for group in groups)
    if totals:
        report.skip(f"adverse events: {totals} per-group totals (participants with any serious or other event) left out: "
                    "each event's own counts are kept", totals)


def adverse_events(results: dict[str, Any], trial: str, arms: ArmSet, report: StudyReport) -> list[AdverseEventResult]:
    """Serious and other adverse events per group, and all-cause mortality as the event 'death'."""
    module = results.get("adverseEventsModule") or {}
    if not module:
        report.note("no adverse events module")
        return []
    groups = module.get("eventGroups") or []
    arms.register("adverse-events", groups, report, "adverse events")
    _skip_uncounted(module, groups, report)
    time_frame = module.get("timeFrame") or None
    found: list[AdverseEventResult] = []
    deaths = [g for g in groups if g.get("deathsNumAffected") is not None]
    for group in groups:
        if group.get("deathsNumAffected") is None and is_number(group.get("deathsNumAtRisk")):
            report.skip(f"all-cause mortality group {group.get('id')}: at risk {group.get('deathsNumAtRisk')!r} without deaths", 1)
    if deaths:
        stats = [{"groupId": g.get("id"), "affected": g.get("deathsNumAffected"), "atRisk": g.get("deathsNumAtRisk")} for g in deaths]
        counts = _event_counts("all-cause mortality", stats, arms, report, ("groupId", "affected", "atRisk"))
        if counts:
            found.append(AdverseEventResult(key="all-cause-mortality", trial=trial, event=DEATH_EVENT, grade=Grade.unspecified,
                                            all_cause_mortality=True, arms=tuple(counts), time_frame=time_frame))
    for table, serious, prefix in (("seriousEvents", True, "sae"), ("otherEvents", False, "oae")):
        for index, event in enumerate(module.get(table) or [], start=1):
            term = (event.get("term") or "").strip()
            where = f"{'serious' if serious else 'other'} adverse event {_short(term)!r}"
            if not term:
                report.skip(f"{'serious' if serious else 'other'} adverse event {index}: no term",
                            sum(numbers_in(item, ("numAffected", "numAtRisk")) for item in event.get("stats") or []))
                continue
            counts = _event_counts(where, event.get("stats") or [], arms, report, ("groupId", "numAffected", "numAtRisk"))
            if not counts:
                report.skip(f"{where}: no group counts")
                continue
            assessment = token(event.get("assessmentType") or "")
            found.append(
                AdverseEventResult(
                    key=f"{prefix}-{index:03d}",
                    trial=trial,
                    event=term,
                    grade=Grade.unspecified,
                    serious=serious,
                    arms=tuple(counts),
                    organ_system=event.get("organSystem") or None,
                    source_vocabulary=event.get("sourceVocabulary") or None,
                    assessment=(AssessmentType.non_systematic if assessment.startswith("NON") else AssessmentType.systematic) if assessment else None,
                    time_frame=time_frame,
                )
            )
    return found
