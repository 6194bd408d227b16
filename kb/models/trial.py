"""Trials, their arms and interventions, and the analyses (data cut-offs) reported on them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from kb.identifiers import NCT, PMID
from kb.models.base import ConceptName, Count, Key, PartialDate, Record

__all__ = [
    "Phase",
    "Blinding",
    "ArmRole",
    "TrialStatus",
    "InterventionModel",
    "ReferenceType",
    "ConditionTerm",
    "TrialReference",
    "AnalysisKind",
    "Intervention",
    "Arm",
    "Trial",
    "Analysis",
]


class Phase(StrEnum):
    """Clinical trial phase."""

    early_phase_1 = "early_1"  # ClinicalTrials.gov 'Early Phase 1' (formerly 'Phase 0')
    phase_1 = "1"
    phase_1_2 = "1/2"
    phase_2 = "2"
    phase_2_3 = "2/3"
    phase_3 = "3"
    phase_4 = "4"
    not_applicable = "NA"


class Blinding(StrEnum):
    """Masking of the trial."""

    open_label = "open_label"
    single_blind = "single_blind"
    double_blind = "double_blind"
    triple_blind = "triple_blind"
    quadruple_blind = "quadruple_blind"  # participant, care provider, investigator and outcomes assessor


class ArmRole(StrEnum):
    """The role of an arm in the trial's comparison."""

    experimental = "experimental"
    placebo_comparator = "placebo_comparator"
    active_comparator = "active_comparator"
    no_intervention = "no_intervention"
    other = "other"


class TrialStatus(StrEnum):
    """Recruitment status of a trial, as a registry states it (ClinicalTrials.gov overall status)."""

    not_yet_recruiting = "not_yet_recruiting"
    recruiting = "recruiting"
    enrolling_by_invitation = "enrolling_by_invitation"
    active_not_recruiting = "active_not_recruiting"
    suspended = "suspended"
    terminated = "terminated"
    completed = "completed"
    withdrawn = "withdrawn"
    unknown = "unknown"


class InterventionModel(StrEnum):
    """How participants are assigned to interventions."""

    single_group = "single_group"
    parallel = "parallel"
    crossover = "crossover"
    factorial = "factorial"
    sequential = "sequential"


class ReferenceType(StrEnum):
    """What a registry says a publication it lists is to the trial."""

    result = "result"  # reports the trial's results
    background = "background"  # cited as background
    derived = "derived"  # linked by the registry (e.g. PubMed lists the NCT number); usually a results report


class ConditionTerm(Record):
    """A condition as the registry indexes it, e.g. a MeSH descriptor ClinicalTrials.gov derived from the conditions."""

    name: str = Field(min_length=1, description="The term as the registry names it, e.g. 'Dermatitis, Atopic'.")
    mesh_id: str | None = Field(default=None, pattern=r"^D\d+$", description="MeSH descriptor id as the registry gives it, e.g. 'D000003876'.")


class TrialReference(Record):
    """A publication a registry record lists, with its relation to the trial."""

    pmid: PMID | None = Field(default=None, description="PubMed id of the publication.")
    citation: str | None = Field(default=None, description="The citation as the registry prints it.")
    type: ReferenceType | None = Field(default=None, description="Results report, background or derived (registry-linked).")

    @model_validator(mode="after")
    def _identified(self) -> "TrialReference":
        if not (self.pmid or self.citation):
            raise ValueError("a reference needs a 'pmid' or a 'citation'")
        return self


class Intervention(Record):
    """One component of an arm's treatment: a drug (or placebo) with dose and schedule."""

    drug: ConceptName | None = Field(default=None, description="The drug, by CURIE or name; omit for placebo.")
    placebo: bool = Field(default=False, description="True for a placebo component (e.g. 'placebo matching lenalidomide').")
    label: str | None = Field(default=None, description="The intervention as printed, e.g. 'lenalidomide 25 mg'.")
    dose: str | None = Field(default=None, description="Dose as printed, e.g. '25 mg'.")
    schedule: str | None = Field(default=None, description="Schedule as printed, e.g. 'days 1-21 of each 28-day cycle'.")
    route: str | None = Field(default=None, description="Route, e.g. 'oral'.")
    type: str | None = Field(default=None, description="Intervention type as the registry gives it, lower case: 'drug', 'biological', 'procedure', 'device', 'other' ...")
    description: str | None = Field(default=None, description="Free-text description, e.g. the registry's intervention description.")
    other_names: tuple[str, ...] = Field(default=(), description="Other names the source gives the intervention (the registry's otherNames), e.g. brand names and code numbers.")

    @model_validator(mode="after")
    def _drug_or_placebo(self) -> "Intervention":
        if not self.drug and not self.placebo and not (self.label and self.type):
            raise ValueError("an intervention needs 'drug', 'placebo: true', or a 'label' with its 'type' (non-drug interventions)")
        return self


class Arm(Record):
    """An arm (group) of a trial, or a pooled arm of a pooled analysis."""

    key: Key
    label: str = Field(min_length=1, description="Arm label as printed, e.g. 'Lenalidomide plus dexamethasone'.")
    role: ArmRole | None = Field(default=None, description="Experimental, placebo comparator, ...")
    n_randomized: Count | None = Field(default=None, description="Patients randomized to the arm.")
    interventions: tuple[Intervention, ...] = Field(default=(), description="What the arm received.")
    description: str | None = Field(default=None, description="Free-text description of the arm, e.g. the registry's.")
    registry_group: str | None = Field(
        default=None,
        description="The registry arm group this arm is, by its registry label (e.g. the ClinicalTrials.gov arm group "
        "'Arm #1 - Lenalidomide plus placebo'). Arms of one trial with the same registry_group are the same arm in "
        "every source, so registry and published figures line up.",
    )
    registry_group_ids: tuple[str, ...] = Field(
        default=(),
        description="Registry results-group ids that denote this arm in the registry record's tables (ClinicalTrials.gov "
        "OG000, EG000, ... or O1, E1 in legacy XML). Ids are per table: OG000 of two outcome measures may be different arms.",
    )


class Trial(Record):
    """A clinical trial, or a pooled analysis population built from several trials."""

    key: Key
    registry_ids: tuple[NCT, ...] = Field(default=(), description="Registry ids (NCT...). The first decides the trial's IRI, so the same trial from several files is one node.")
    acronym: str | None = Field(default=None, description="Short name, e.g. 'MM-009'.")
    title: str | None = Field(default=None, description="Official or brief title.")
    brief_title: str | None = Field(default=None, description="Brief (lay) title, when the registry gives one beside the official title.")
    org_study_id: str | None = Field(default=None, description="The sponsor's own study id, e.g. 'CC-5013-MDS-005'.")
    secondary_ids: tuple[str, ...] = Field(default=(), description="Other ids of the study (EudraCT numbers, grant numbers ...), as printed.")
    status: TrialStatus | None = Field(default=None, description="Recruitment status, e.g. 'completed', 'withdrawn'.")
    start_date: PartialDate | None = Field(default=None, description="Study start; may be partial (e.g. 2010-01).")
    primary_completion_date: PartialDate | None = Field(default=None, description="Primary completion date; may be partial.")
    completion_date: PartialDate | None = Field(default=None, description="Study completion date; may be partial.")
    intervention_model: InterventionModel | None = Field(default=None, description="Parallel, crossover, single group ...")
    primary_purpose: str | None = Field(default=None, description="Primary purpose as the registry gives it, lower case: 'treatment', 'prevention', 'basic_science' ...")
    condition_terms: tuple[ConditionTerm, ...] = Field(default=(), description="Registry index terms of the conditions (MeSH descriptors), with their ids.")
    eligibility: str | None = Field(default=None, description="Eligibility criteria summary (the start of the registry's text).")
    references: tuple[TrialReference, ...] = Field(default=(), description="Publications the registry lists for the trial.")
    phase: Phase | None = Field(default=None, description="Trial phase.")
    randomized: bool | None = Field(default=None, description="Whether allocation was randomized.")
    blinding: Blinding | None = Field(default=None, description="Masking.")
    conditions: tuple[ConceptName, ...] = Field(default=(), description="Conditions studied, by CURIE or name.")
    condition_qualifiers: tuple[str, ...] = Field(default=(), description="Disease-state qualifiers as printed, e.g. 'relapsed', 'refractory'.")
    enrollment: Count | None = Field(default=None, description="Patients enrolled (or randomized).")
    locations: tuple[str, ...] = Field(default=(), description="Countries or regions, e.g. 'United States', 'Canada'.")
    sponsor: str | None = Field(default=None, description="Lead sponsor.")
    arms: tuple[Arm, ...] = Field(default=(), description="Arms; their keys are how results refer to them.")
    pooled_from: tuple[Key, ...] = Field(default=(), description="For a pooled analysis: keys of the trials (in this file) whose patients it pools.")

    @model_validator(mode="after")
    def _unique_arm_keys(self) -> "Trial":
        seen: set[str] = set()
        for index, arm in enumerate(self.arms):
            if arm.key in seen:
                raise ValueError(f"arms[{index}].key: duplicate arm key {arm.key!r}")
            seen.add(arm.key)
        return self

    def arm(self, key: str) -> Arm | None:
        """The arm with this key, or None."""
        return next((arm for arm in self.arms if arm.key == key), None)


class AnalysisKind(StrEnum):
    """What kind of analysis (data cut-off) a report's figures come from."""

    interim = "interim"
    primary = "primary"
    unblinding = "unblinding"
    final = "final"
    long_term_follow_up = "long_term_follow_up"
    updated = "updated"
    pooled = "pooled"


class Analysis(Record):
    """An analysis of a trial at a data cut-off; each report's figures belong to one."""

    key: Key
    kind: AnalysisKind = Field(description="Interim, unblinding, final, long-term follow-up, ...")
    label: str | None = Field(default=None, description="How the report names it, e.g. 'data to unblinding'.")
    cutoff_date: PartialDate | None = Field(default=None, description="Data cut-off date; may be partial (e.g. 2005-06).")
    population: str | None = Field(default=None, description="Analysis population, e.g. 'intention-to-treat'.")
    median_follow_up_months: float | None = Field(default=None, ge=0, le=1200, description="Median follow-up at the cut-off, in months (at most 100 years).")
    description: str | None = Field(default=None, description="Free text.")
