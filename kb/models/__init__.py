"""Validated, frozen record models: the contract between ingestion and the knowledge base.

``kb schema`` prints :class:`FindingsDocument`'s JSON Schema for curators and
extraction tools.
"""

from kb.models.base import ConceptName, Key, PartialDate, Record
from kb.models.bibliographic import (
    AbstractSection, Author, CitedWork, Grant, Journal, MeshHeading, Publication, PublicationUpdate, RetractionStatus, UpdateKind,
)
from kb.models.document import SCHEMA_VERSION, FindingsDocument, RegistryRecord, SourceInfo, SourceKind
from kb.models.findings import (
    AdverseEventResult,
    AssessmentType,
    CISides,
    Dispersion,
    ArmEventCount,
    ArmMeasurement,
    Aspect,
    Comparison,
    Conclusion,
    Direction,
    EffectMeasure,
    ExperimentalSystem,
    Grade,
    MechanismClaim,
    MechanismKind,
    OutcomeResult,
    OutcomeRole,
    PRelation,
    Statistic,
)
from kb.models.provenance import Agent, CurationStatus, ExtractionMethod, Provenance
from kb.models.trial import (
    Analysis, AnalysisKind, Arm, ArmRole, Blinding, ConditionTerm, Intervention, InterventionModel, Phase,
    ReferenceType, Trial, TrialReference, TrialStatus,
)

__all__ = [
    "AssessmentType", "CISides", "ConditionTerm", "Dispersion", "InterventionModel", "ReferenceType",
    "TrialReference", "TrialStatus",
    "AbstractSection", "AdverseEventResult", "Agent", "Analysis", "AnalysisKind", "Arm", "ArmEventCount",
    "ArmMeasurement", "ArmRole", "Aspect", "Author", "CitedWork", "Blinding", "Comparison", "ConceptName", "Conclusion",
    "CurationStatus", "Direction", "EffectMeasure", "ExperimentalSystem", "ExtractionMethod", "FindingsDocument",
    "Grade", "Grant", "Intervention", "Journal", "Key", "MechanismClaim", "MechanismKind", "MeshHeading", "OutcomeResult",
    "OutcomeRole", "PRelation", "PartialDate", "Phase", "Provenance", "Publication", "PublicationUpdate", "Record",
    "RetractionStatus", "UpdateKind", "SCHEMA_VERSION",
    "RegistryRecord", "SourceInfo", "SourceKind", "Statistic", "Trial",
]
