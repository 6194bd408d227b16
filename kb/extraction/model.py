"""The proposals an extractor makes from one abstract, and the extractor protocol.

Every proposal points at its characters: a :class:`Span` holds ``start``/``end`` (Python
``str`` indices, end excluded) and the exact ``quote`` ``text[start:end]``. Extractors check
that invariant before they return (:func:`Span.of`). Proposals are frozen pydantic models so
they can be compared, hashed and dumped to JSON as they are.

The fields map onto the curated models of :mod:`kb.models.findings`:
:class:`EffectEstimate` onto ``Comparison``, :class:`ArmValues` onto ``ArmMeasurement``,
:class:`AdverseEventRate` onto ``AdverseEventResult``/``ArmEventCount`` and
:class:`MechanismStatement` onto ``MechanismClaim`` (same enums: ``Direction``, ``Aspect``,
``MechanismKind``, ``ExperimentalSystem``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kb.models.findings import Aspect, Direction, ExperimentalSystem, MechanismKind

__all__ = [
    "METHOD",
    "Measure",
    "Span",
    "EffectEstimate",
    "ArmSize",
    "TotalRandomized",
    "ArmValues",
    "AdverseEventRate",
    "MechanismStatement",
    "RegistryNumber",
    "Extraction",
    "Extractor",
]

#: The provenance method every automatic proposal carries.
METHOD: Final = "automatic_extraction"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Measure(StrEnum):
    """Effect measure of an extracted estimate (the gold set's vocabulary)."""

    hazard_ratio = "hazard_ratio"
    odds_ratio = "odds_ratio"
    risk_ratio = "risk_ratio"
    rate_ratio = "rate_ratio"
    mean_difference = "mean_difference"
    risk_difference = "risk_difference"
    median_difference = "median_difference"
    standardized_mean_difference = "standardized_mean_difference"
    other = "other"


class Span(_Frozen):
    """A character range of the source text and the exact characters it covers."""

    start: int = Field(ge=0, description="First character (Python str index).")
    end: int = Field(ge=0, description="One past the last character.")
    quote: str = Field(description="text[start:end], exactly.")

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        if len(self.quote) != self.end - self.start:
            raise ValueError(f"span quote has {len(self.quote)} characters, the range {self.end - self.start}")
        return self

    @classmethod
    def of(cls, text: str, start: int, end: int) -> "Span":
        """The span of ``text[start:end]`` (quote taken from the text, so it always matches)."""
        return cls(start=start, end=end, quote=text[start:end])

    def overlaps(self, start: int, end: int) -> bool:
        """True when this span shares at least one character with ``[start, end)``."""
        return self.start < end and start < self.end


Confidence = float
_CONF = Field(ge=0.0, le=1.0, description="How sure the extractor is, 0..1.")


class EffectEstimate(_Frozen):
    """A between-group effect estimate: measure, value, CI and p-value as written."""

    measure: Measure
    value: float
    ci_lower: float | None = None
    ci_upper: float | None = None
    ci_level: float | None = Field(default=None, description="Confidence level in percent, e.g. 95; None when not stated.")
    p_relation: Literal["=", "<", ">", "<=", ">="] | None = None
    p_value: float | None = None
    measure_label: str | None = Field(default=None, description="The measure as written, e.g. 'HR', 'adjusted odds ratio'.")
    outcome: str | None = Field(default=None, description="The outcome phrase, when the text names it near the estimate.")
    outcome_span: Span | None = None
    arms: tuple[str, ...] = Field(default=(), description="Experimental then comparator arm, as named in the text; may be empty.")
    span: Span
    confidence: Confidence = _CONF


class ArmSize(_Frozen):
    """The number of participants in one arm (randomized, allocated or analysed)."""

    label: str | None = Field(default=None, description="The arm as named in the text, when it is.")
    n: int = Field(ge=0)
    span: Span = Field(description="The count as written: '65' in '(n = 65)'.")
    confidence: Confidence = _CONF


class TotalRandomized(_Frozen):
    """The total number randomized (or enrolled, or clusters when only clusters are counted)."""

    n: int = Field(ge=0)
    span: Span = Field(description="The count as written.")
    confidence: Confidence = _CONF


class ArmValues(_Frozen):
    """Per-arm values of one outcome in the order written: 'median 11.1 vs 4.7 months'."""

    outcome: str | None = None
    statistic: Literal["median", "mean", "percentage", "rate", "number"] = "number"
    unit: str | None = Field(default=None, description="'percent', 'month', 'week', 'day', 'year', ... or None.")
    values: tuple[float, ...]
    arms: tuple[str, ...] = Field(default=(), description="Arm names in the order of the values, when the text gives them.")
    span: Span
    confidence: Confidence = _CONF


class AdverseEventRate(_Frozen):
    """An adverse event's rate per arm, with its grade range: 'grade 3 or 4 neutropenia (41.2% vs. 4.6%)'."""

    event: str
    event_curie: str | None = Field(default=None, description="The event's CURIE when the vocabulary resolves it.")
    grade_min: int | None = Field(default=None, ge=1, le=5, description="Lowest grade counted; None when no grade is stated.")
    grade_max: int | None = Field(default=None, ge=1, le=5, description="Highest grade counted (5 for 'grade 3 or higher').")
    values: tuple[float, ...] = Field(description="Percent affected per arm, in the order written.")
    arms: tuple[str, ...] = ()
    span: Span
    confidence: Confidence = _CONF


    @property
    def grade(self) -> str:
        """The grade category as :class:`kb.models.findings.Grade` spells it: '3-4', '>=3', '3', 'unspecified'...

        >>> AdverseEventRate(event="neutropenia", grade_min=3, grade_max=4, values=(41.2, 4.6), span=Span.of("x", 0, 1), confidence=0.7).grade
        '3-4'
        """
        low, high = self.grade_min, self.grade_max
        if low is None or high is None:
            return "unspecified"
        if low == high:
            return str(low)
        if high == 5 and low == 1:
            return "any"
        if high == 5 and low == 3:
            return ">=3"
        if (low, high) in {(1, 2), (3, 4)}:
            return f"{low}-{high}"
        return "unspecified"  # a range the curated model has no category for ('2-4'); the numbers stay in grade_min/max


class MechanismStatement(_Frozen):
    """A stated mechanism: drug, direction (and aspect), target, system; maps onto MechanismClaim."""

    drug: str = Field(description="The drug as written (or its vocabulary label when resolved).")
    drug_curie: str | None = Field(default=None, description="The drug's CURIE when the vocabulary resolves it.")
    direction: Direction | None
    aspect: Aspect | None = None
    mechanism: MechanismKind | None = None
    target: str
    target_curie: str | None = None
    system: ExperimentalSystem = ExperimentalSystem.unspecified
    drug_span: Span
    target_span: Span
    span: Span = Field(description="The whole sentence the claim comes from.")
    confidence: Confidence = _CONF


class RegistryNumber(_Frozen):
    """A trial registry number (ClinicalTrials.gov NCT...)."""

    nct: str = Field(pattern=r"^NCT\d{8}$")
    span: Span
    confidence: Confidence = 1.0


class Extraction(_Frozen):
    """Everything one extractor proposed for one text."""

    text_id: str | None = None
    extractor: str
    version: str
    method: Literal["automatic_extraction"] = METHOD
    estimates: tuple[EffectEstimate, ...] = ()
    arm_sizes: tuple[ArmSize, ...] = ()
    total_randomized: TotalRandomized | None = None
    arm_values: tuple[ArmValues, ...] = ()
    adverse_events: tuple[AdverseEventRate, ...] = ()
    mechanisms: tuple[MechanismStatement, ...] = ()
    registry_numbers: tuple[RegistryNumber, ...] = ()


@runtime_checkable
class Extractor(Protocol):
    """What the KB needs of an extractor (entry point group ``trial_evidence_kb.extractors``)."""

    name: str
    version: str

    def extract(self, text: str, *, text_id: str | None = None) -> Extraction:
        """Propose findings for ``text``; every span must index ``text`` itself."""
        ...
