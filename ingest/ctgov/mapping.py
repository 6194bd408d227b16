"""One ClinicalTrials.gov study in the API v2 JSON shape to a findings document.

The document's source is the registry record itself (``ctgov-NCT...``); its one trial is
keyed and identified by the NCT number, so a publication's findings file that names the
same NCT describes the same trial node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from ingest.ctgov.arms import ArmSet
from ingest.ctgov.common import StudyReport, parse_count, registry_url, source_id, token
from ingest.ctgov.results import adverse_events, outcome_results
from ingest.ctgov.shape import shape_problems
from kb.errors import IdentifierError, cap
from kb.identifiers import normalize_nct
from kb.models import (
    AdverseEventResult,
    Blinding,
    ExtractionMethod,
    FindingsDocument,
    OutcomeResult,
    Phase,
    RegistryRecord,
    SourceInfo,
    SourceKind,
    Trial,
)
from kb.models.base import normalize_partial_date
from kb.models.provenance import Agent
from kb.models.trial import ConditionTerm, InterventionModel, ReferenceType, TrialReference, TrialStatus

__all__ = ["study_from_v2", "ELIGIBILITY_CHARS", "DrugChooser"]

#: How much of the eligibility criteria text a trial keeps (the registry's text can be pages long).
ELIGIBILITY_CHARS = 1000

#: Chooses a drug's name among its registry names (name, then other names), e.g. the first the vocabulary knows.
DrugChooser = Callable[[list[str]], str]

_AGENT = Agent(name="trial-evidence-kb ClinicalTrials.gov importer", software=True)
_BLINDING = {
    "NONE": Blinding.open_label,
    "SINGLE": Blinding.single_blind,
    "DOUBLE": Blinding.double_blind,
    "TRIPLE": Blinding.triple_blind,
    "QUADRUPLE": Blinding.quadruple_blind,
}
_PHASES = {
    frozenset({"EARLY_PHASE1"}): Phase.early_phase_1,
    frozenset({"PHASE1"}): Phase.phase_1,
    frozenset({"PHASE1", "PHASE2"}): Phase.phase_1_2,
    frozenset({"PHASE2"}): Phase.phase_2,
    frozenset({"PHASE2", "PHASE3"}): Phase.phase_2_3,
    frozenset({"PHASE3"}): Phase.phase_3,
    frozenset({"PHASE4"}): Phase.phase_4,
    frozenset({"NA"}): Phase.not_applicable,
}
_MODELS = {
    "SINGLE_GROUP": InterventionModel.single_group,
    "PARALLEL": InterventionModel.parallel,
    "CROSSOVER": InterventionModel.crossover,
    "FACTORIAL": InterventionModel.factorial,
    "SEQUENTIAL": InterventionModel.sequential,
}
_REFERENCES = {"RESULT": ReferenceType.result, "BACKGROUND": ReferenceType.background, "DERIVED": ReferenceType.derived}


def _date(value: Any, what: str, report: StudyReport) -> str | None:
    if not value:
        return None
    try:
        return normalize_partial_date(value)
    except ValueError:
        report.skip(f"{what}: date {value!r} not a date")
        return None


def _strings(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v).strip() for v in values or [] if v and str(v).strip()))


def _design(design: dict[str, Any], report: StudyReport) -> dict[str, Any]:
    info = design.get("designInfo") or {}
    fields: dict[str, Any] = {}
    phases = frozenset(token(p) for p in design.get("phases") or [])
    if phases:
        fields["phase"] = _PHASES.get(phases)
        if fields["phase"] is None:
            report.skip(f"design: phases {sorted(phases)} not a known phase")
    allocation = token(info.get("allocation") or "")
    fields["randomized"] = {"RANDOMIZED": True, "NON_RANDOMIZED": False}.get(allocation)
    masking = token((info.get("maskingInfo") or {}).get("masking") or "")
    if masking:
        fields["blinding"] = _BLINDING.get(masking)
    model = token(info.get("interventionModel") or "")
    if model:
        fields["intervention_model"] = _MODELS.get(model)
        if fields["intervention_model"] is None:
            report.skip(f"design: intervention model {info.get('interventionModel')!r} unknown")
    purpose = token(info.get("primaryPurpose") or "")
    fields["primary_purpose"] = purpose.lower() or None
    enrollment = (design.get("enrollmentInfo") or {}).get("count")
    if enrollment is not None:
        fields["enrollment"] = parse_count(enrollment)
        if fields["enrollment"] is None:
            report.skip(f"design: enrollment {enrollment!r} not a count")
    return fields


def _references(module: dict[str, Any], report: StudyReport) -> tuple[TrialReference, ...]:
    found = []
    for index, item in enumerate(module.get("references") or [], start=1):
        kind = _REFERENCES.get(token(item.get("type") or ""))
        try:
            found.append(TrialReference(pmid=item.get("pmid") or None, citation=item.get("citation") or None, type=kind))
        except (ValidationError, IdentifierError) as error:
            report.skip(f"reference {index}: {error}")
    return tuple(found)


def _trial(protocol: dict[str, Any], derived: dict[str, Any], nct: str, arms: ArmSet, report: StudyReport) -> dict[str, Any]:
    ident = protocol.get("identificationModule") or {}
    status = protocol.get("statusModule") or {}
    fields: dict[str, Any] = {
        "key": nct,
        "registry_ids": (nct,),
        "acronym": ident.get("acronym") or None,
        "title": ident.get("officialTitle") or ident.get("briefTitle") or None,
        "brief_title": ident.get("briefTitle") or None,
        "org_study_id": (ident.get("orgStudyIdInfo") or {}).get("id") or None,
        "secondary_ids": _strings(s.get("id") for s in ident.get("secondaryIdInfos") or []),
        "start_date": _date((status.get("startDateStruct") or {}).get("date"), "start date", report),
        "primary_completion_date": _date((status.get("primaryCompletionDateStruct") or {}).get("date"), "primary completion date", report),
        "completion_date": _date((status.get("completionDateStruct") or {}).get("date"), "completion date", report),
        "conditions": _strings((protocol.get("conditionsModule") or {}).get("conditions")),
        "sponsor": ((protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name") or None,
        "locations": _strings(loc.get("country") for loc in (protocol.get("contactsLocationsModule") or {}).get("locations") or []),
        "references": _references(protocol.get("referencesModule") or {}, report),
    }
    overall = token(status.get("overallStatus") or "")
    if overall:
        fields["status"] = TrialStatus.__members__.get(overall.lower())
        if fields["status"] is None:
            report.skip(f"status: {status.get('overallStatus')!r} not a trial status")
    fields.update(_design(protocol.get("designModule") or {}, report))
    criteria = ((protocol.get("eligibilityModule") or {}).get("eligibilityCriteria") or "").strip()
    if criteria:
        fields["eligibility"] = criteria if len(criteria) <= ELIGIBILITY_CHARS else criteria[: ELIGIBILITY_CHARS - 1].rstrip() + "…"
    terms = []
    for mesh in (derived.get("conditionBrowseModule") or {}).get("meshes") or []:
        try:
            terms.append(ConditionTerm(name=mesh.get("term") or "", mesh_id=mesh.get("id") or None))
        except ValidationError as error:
            report.skip(f"condition MeSH term {mesh!r}: {error.errors()[0]['msg']}")
    fields["condition_terms"] = tuple(terms)
    return fields


def _nct_of(protocol: dict[str, Any], report: StudyReport) -> str | None:
    """The study's NCT number, normalised; None (and the report's error set) when it is not one."""
    raw_nct = (protocol.get("identificationModule") or {}).get("nctId")
    try:
        return normalize_nct(raw_nct)
    except (IdentifierError, ValueError) as error:
        report.error = f"protocolSection.identificationModule.nctId: {error}"
        return None


def _results_of(results: dict[str, Any] | None, nct: str, arms: ArmSet, report: StudyReport) -> tuple[list[OutcomeResult], list[AdverseEventResult]]:
    """Outcome and adverse-event results; none (and a note) for a study without a results section."""
    if not results:
        report.note("no results section: design only")
        return [], []
    return outcome_results(results, nct, arms, report), adverse_events(results, nct, arms, report)


def _source_info(nct: str, ident: dict[str, Any], last_updated: str | None, version: Any) -> SourceInfo:
    """The document's source: the registry record itself, imported by this importer."""
    return SourceInfo(
        id=source_id(nct),
        kind=SourceKind.ctgov,
        registry_record=RegistryRecord(
            registry_id=nct,
            url=registry_url(nct),
            title=ident.get("briefTitle") or ident.get("officialTitle") or None,
            last_updated=last_updated,
            version=str(version) if version else None,
        ),
        method=ExtractionMethod.registry_import,
        agent=_AGENT,
    )


def study_from_v2(data: dict[str, Any], origin: str, *, choose_drug: DrugChooser | None = None) -> tuple[FindingsDocument | None, StudyReport]:
    """Map one study (an API v2 ``/studies/{nct}`` response) to a findings document and its report.

    ``origin`` names where the study came from (file and position, or URL) in messages.
    ``choose_drug`` picks a drug's name among the registry's names for it (by default the
    first, the intervention name). The document is None when the study has no valid NCT
    number or does not validate; the report says why.
    """
    report = StudyReport(origin=origin)
    if not isinstance(data, dict):
        report.error = f"a study must be a JSON object, got {type(data).__name__}"
        return None, report
    problems = shape_problems(data)
    if problems:
        report.nct = _nct_hint(data)  # so the failure names the study when it can
        report.error = "; ".join(problems)
        return None, report
    try:
        return _map_study(data, report, choose_drug)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
        # A shape the checks above do not foresee: this study fails alone, with what went wrong.
        report.error = f"{report.nct or 'study'}: could not be mapped: {type(error).__name__}: {cap(str(error))}"
        return None, report


def _nct_hint(data: dict[str, Any]) -> str | None:
    """The study's NCT number when it can be read at all, for messages about a study of the wrong shape."""
    protocol = data.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    raw = ident.get("nctId") if isinstance(ident, dict) else None
    try:
        return normalize_nct(raw) if isinstance(raw, str) else None
    except (IdentifierError, ValueError):
        return None


def _map_study(data: dict[str, Any], report: StudyReport, choose_drug: DrugChooser | None) -> tuple[FindingsDocument | None, StudyReport]:
    """:func:`study_from_v2` once the study's shape is checked."""
    protocol = data.get("protocolSection") or {}
    derived = data.get("derivedSection") or {}
    nct = _nct_of(protocol, report)
    if nct is None:
        return None, report
    report.nct = nct
    arms = ArmSet(protocol.get("armsInterventionsModule") or {}, (lambda names: choose_drug(names)) if choose_drug else None)
    trial_fields = _trial(protocol, derived, nct, arms, report)
    if trial_fields.get("status") is TrialStatus.withdrawn:
        report.note("withdrawn study (no participants enrolled)")
    outcomes, events = _results_of(data.get("resultsSection"), nct, arms, report)

    status_module = protocol.get("statusModule") or {}
    last_updated = _date((status_module.get("lastUpdatePostDateStruct") or {}).get("date"), "last update", report)
    version = (derived.get("miscInfoModule") or {}).get("versionHolder")
    ident = protocol.get("identificationModule") or {}
    try:
        trial = Trial(**trial_fields, arms=tuple(arm.to_arm() for arm in arms.arms))
        document = FindingsDocument(
            source=_source_info(nct, ident, last_updated, version),
            trials=(trial,),
            outcome_results=tuple(outcomes),
            adverse_events=tuple(events),
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors())
        report.error = f"{nct}: {problems}"
        return None, report
    return document, report
