"""A source record (a report, a bibliographic record or a registry record) with what it gives.

One source record is one source: it becomes one named graph, and ingesting it is all
or nothing. A findings file is one source; so is each record of a PubMed, Crossref,
RIS, ... file, and each ClinicalTrials.gov study.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, Protocol

from pydantic import Field, model_validator

from kb.identifiers import NCT
from kb.models.base import Key, PartialDate, Record
from kb.models.bibliographic import Publication
from kb.models.findings import AdverseEventResult, MechanismClaim, OutcomeResult
from kb.models.provenance import Agent, CurationStatus, ExtractionMethod
from kb.models.trial import Analysis, Trial

__all__ = ["SourceKind", "RegistryRecord", "SourceInfo", "FindingsDocument", "SCHEMA_VERSION"]

SCHEMA_VERSION: Final = 1


class SourceKind(StrEnum):
    """Where a source record comes from; decides which source's values a merged record prefers."""

    findings = "findings"  # a curated findings file (YAML/JSON)
    pubmed = "pubmed"  # PubMed XML (efetch or a PubmedArticleSet file)
    medline = "medline"  # MEDLINE/.nbib text
    crossref = "crossref"  # Crossref REST /works
    csl = "csl"  # CSL-JSON
    bibtex = "bibtex"
    ris = "ris"
    ctgov = "ctgov"  # ClinicalTrials.gov (API v2 JSON or legacy XML)


class RegistryRecord(Record):
    """A trial registry record that is itself the source (e.g. a ClinicalTrials.gov study)."""

    registry_id: NCT = Field(description="The study's registry id, e.g. NCT01029262.")
    url: str = Field(min_length=1, description="Where the record is published, e.g. https://clinicaltrials.gov/study/NCT01029262.")
    title: str | None = Field(default=None, description="The study's brief title.")
    last_updated: PartialDate | None = Field(default=None, description="Date the registry last updated the record.")
    version: str | None = Field(default=None, description="Registry version or processing note, as given.")


class SourceInfo(Record):
    """The record the findings come from, and how they were curated.

    A source is either a publication (a report, or a bibliographic record of one) or a
    registry record.
    """

    id: Key = Field(description="Stable id of this source record, e.g. 'weber-2007-mm009'; names its graph.")
    kind: SourceKind = Field(default=SourceKind.findings, description="What kind of record this is; 'findings' for curated files.")
    publication: Publication | None = Field(default=None, description="The report: journal article or conference abstract.")
    registry_record: RegistryRecord | None = Field(default=None, description="The registry record, for registry sources.")
    status: CurationStatus = Field(default=CurationStatus.draft, description="Default curation status of its findings.")
    method: ExtractionMethod = Field(default=ExtractionMethod.manual_curation, description="Default extraction method.")
    agent: Agent | None = Field(default=None, description="Default curator or extraction program.")
    note: str | None = Field(default=None, description="Curator note about the source as a whole.")

    @model_validator(mode="after")
    def _one_origin(self) -> "SourceInfo":
        if (self.publication is None) == (self.registry_record is None):
            raise ValueError("a source needs exactly one of 'publication' or 'registry_record'")
        return self


class _Keyed(Protocol):
    """A record with a key unique among its kind in a document (a trial, an analysis, a finding)."""

    @property
    def key(self) -> str: ...


class FindingsDocument(Record):
    """Everything one report says that the KB keeps: trials, analyses and findings."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Version of this file format.")
    source: SourceInfo
    trials: tuple[Trial, ...] = Field(default=(), description="Trials (and pooled populations) the report covers.")
    analyses: tuple[Analysis, ...] = Field(default=(), description="Analyses / data cut-offs the figures come from.")
    outcome_results: tuple[OutcomeResult, ...] = Field(default=(), description="Efficacy results.")
    adverse_events: tuple[AdverseEventResult, ...] = Field(default=(), description="Adverse-event incidences.")
    mechanisms: tuple[MechanismClaim, ...] = Field(default=(), description="Mechanism statements.")

    @model_validator(mode="after")
    def _references_resolve(self) -> "FindingsDocument":
        problems: list[str] = []
        trials = {trial.key: trial for trial in self.trials}
        analyses = {analysis.key for analysis in self.analyses}

        keyed: tuple[tuple[str, tuple[_Keyed, ...]], ...] = (
            ("trials", self.trials),
            ("analyses", self.analyses),
            ("outcome_results", self.outcome_results),
            ("adverse_events", self.adverse_events),
            ("mechanisms", self.mechanisms),
        )
        for name, items in keyed:
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.key in seen:
                    problems.append(f"{name}[{index}].key: duplicate key {item.key!r}")
                seen.add(item.key)

        for index, trial in enumerate(self.trials):
            for position, pooled in enumerate(trial.pooled_from):
                if pooled not in trials or pooled == trial.key:
                    problems.append(f"trials[{index}].pooled_from[{position}]: no other trial with key {pooled!r}")

        def check_arm(where: str, trial_key: str, arm_key: str) -> None:
            trial = trials.get(trial_key)
            if trial is not None and trial.arm(arm_key) is None:
                known = ", ".join(arm.key for arm in trial.arms) or "none"
                problems.append(f"{where}: trial {trial_key!r} has no arm {arm_key!r} (arms: {known})")

        def check_refs(where: str, trial_key: str, analysis_key: str | None) -> None:
            if trial_key not in trials:
                problems.append(f"{where}.trial: no trial with key {trial_key!r}")
            if analysis_key is not None and analysis_key not in analyses:
                problems.append(f"{where}.analysis: no analysis with key {analysis_key!r}")

        for index, result in enumerate(self.outcome_results):
            where = f"outcome_results[{index}]"
            check_refs(where, result.trial, result.analysis)
            for m, measurement in enumerate(result.measurements):
                check_arm(f"{where}.measurements[{m}].arm", result.trial, measurement.arm)
            for c, comparison in enumerate(result.comparisons):
                check_arm(f"{where}.comparisons[{c}].arm", result.trial, comparison.arm)
                check_arm(f"{where}.comparisons[{c}].reference_arm", result.trial, comparison.reference_arm)
        for index, event in enumerate(self.adverse_events):
            where = f"adverse_events[{index}]"
            check_refs(where, event.trial, event.analysis)
            for a, count in enumerate(event.arms):
                check_arm(f"{where}.arms[{a}].arm", event.trial, count.arm)
        if problems:
            raise ValueError("; ".join(problems))
        return self
