"""Findings: outcome results, adverse-event results and mechanism claims.

Each finding is its own node (an n-ary relation), because it carries numbers, an
analysis, a curation status and provenance.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from kb.models.base import ConceptName, Count, Key, Record
from kb.models.provenance import CurationStatus, Provenance

__all__ = [
    "Statistic",
    "Dispersion",
    "CISides",
    "EffectMeasure",
    "PRelation",
    "OutcomeRole",
    "Conclusion",
    "ArmMeasurement",
    "Comparison",
    "OutcomeResult",
    "Grade",
    "AssessmentType",
    "ArmEventCount",
    "AdverseEventResult",
    "Direction",
    "Aspect",
    "MechanismKind",
    "ExperimentalSystem",
    "MechanismClaim",
]


class Statistic(StrEnum):
    """What a per-arm measurement is."""

    median = "median"
    mean = "mean"
    percentage = "percentage"
    count = "count"  # type: ignore[assignment]  # the member shadows str.count; its name is the file format's value
    rate = "rate"
    least_squares_mean = "least_squares_mean"
    geometric_mean = "geometric_mean"
    geometric_least_squares_mean = "geometric_least_squares_mean"
    number = "number"  # a number the registry does not qualify further (ClinicalTrials.gov 'Number')


class Dispersion(StrEnum):
    """How the spread of a value is given (ClinicalTrials.gov dispersion types)."""

    standard_deviation = "standard_deviation"
    standard_error = "standard_error"
    confidence_interval = "confidence_interval"  # the bounds go to ci_lower/ci_upper, the level to ci_level
    full_range = "full_range"
    inter_quartile_range = "inter_quartile_range"
    geometric_coefficient_of_variation = "geometric_coefficient_of_variation"


class CISides(StrEnum):
    """Whether a confidence interval is one- or two-sided."""

    one_sided = "one_sided"
    two_sided = "two_sided"


class EffectMeasure(StrEnum):
    """The effect measure of a between-arm comparison."""

    hazard_ratio = "hazard_ratio"
    odds_ratio = "odds_ratio"
    risk_ratio = "risk_ratio"
    risk_difference = "risk_difference"
    mean_difference = "mean_difference"
    median_difference = "median_difference"
    other = "other"  # anything else (e.g. a log hazard ratio, a slope); measure_label says what

    @property
    def is_ratio(self) -> bool:
        """Ratios are analysed on the log scale."""
        return self in {EffectMeasure.hazard_ratio, EffectMeasure.odds_ratio, EffectMeasure.risk_ratio}


class PRelation(StrEnum):
    """How a reported p-value relates to the figure printed ('P<0.001')."""

    eq = "="
    lt = "<"
    le = "<="
    gt = ">"
    ge = ">="


class OutcomeRole(StrEnum):
    """The outcome's role in the trial."""

    primary = "primary"
    secondary = "secondary"
    exploratory = "exploratory"
    other_prespecified = "other_prespecified"  # ClinicalTrials.gov 'other pre-specified'
    post_hoc = "post_hoc"


class Conclusion(StrEnum):
    """The report's qualitative verdict for the experimental arm."""

    improved = "improved"
    worsened = "worsened"
    no_difference = "no_difference"


def _check_interval(owner: str, lower: float | None, upper: float | None, point: float | None) -> None:
    if (lower is None) != (upper is None):
        raise ValueError(f"{owner}: give both ci_lower and ci_upper, or neither")
    if lower is not None and upper is not None:
        if lower > upper:
            raise ValueError(f"{owner}: ci_lower {lower} is above ci_upper {upper}")
        if point is not None and not lower <= point <= upper:
            raise ValueError(f"{owner}: estimate {point} lies outside its interval [{lower}, {upper}]")


class ArmMeasurement(Record):
    """One arm's value of an outcome: e.g. median time to progression 11.1 months (n=177)."""

    arm: Key = Field(description="Key of the arm in the finding's trial.")
    statistic: Statistic = Field(description="What the value is: median, mean, percentage, count, rate.")
    value: float | None = Field(default=None, description="The value; omit when the report says 'not reached'.")
    not_reached: bool = Field(default=False, description="True when the report gives 'not reached' (medians).")
    unit: str | None = Field(default=None, description="Unit: 'month', 'week', 'day', 'year', 'percent', 'count'.")
    ci_lower: float | None = Field(default=None, description="Lower confidence limit.")
    ci_upper: float | None = Field(default=None, description="Upper confidence limit.")
    ci_level: float | None = Field(default=None, gt=0, lt=1, description="Confidence level, e.g. 0.95.")
    n: Count | None = Field(default=None, description="Patients the value is computed over.")
    n_events: Count | None = Field(default=None, description="Number of patients with the event or response, when given.")
    category: str | None = Field(
        default=None,
        description="Which row of a multi-row result the value is, e.g. the registry's class and category titles "
        "('Erythema', 'Complete response'); omit for a single value per arm.",
    )
    dispersion: Dispersion | None = Field(default=None, description="How the spread is given: standard deviation, standard error, range, ...")
    dispersion_value: float | None = Field(default=None, ge=0, description="The standard deviation, standard error or coefficient of variation.")
    dispersion_lower: float | None = Field(default=None, description="Lower end of a full range or inter-quartile range.")
    dispersion_upper: float | None = Field(default=None, description="Upper end of a full range or inter-quartile range.")

    @model_validator(mode="after")
    def _consistent(self) -> "ArmMeasurement":
        if self.value is None and not self.not_reached:
            raise ValueError("value: give a value, or not_reached: true")
        if self.value is not None and self.not_reached:
            raise ValueError("value: give a value or not_reached: true, not both")
        if self.statistic is Statistic.percentage and self.value is not None and not 0 <= self.value <= 100:
            raise ValueError(f"value: a percentage must lie between 0 and 100, got {self.value}")
        _check_interval("ci", self.ci_lower, self.ci_upper, self.value)
        return self


class Comparison(Record):
    """A between-arm comparison: an effect estimate of ``arm`` against ``reference_arm``.

    The direction matters: ASH 2007 reports the pooled overall-survival hazard ratio of
    dexamethasone alone against the combination (1.295), so there ``arm`` is the
    dexamethasone arm.
    """

    arm: Key = Field(description="Key of the arm whose effect is estimated.")
    reference_arm: Key = Field(description="Key of the arm it is compared against.")
    measure: EffectMeasure | None = Field(default=None, description="Effect measure; omit when only a p-value is reported.")
    estimate: float | None = Field(default=None, description="Point estimate.")
    ci_lower: float | None = Field(default=None, description="Lower confidence limit.")
    ci_upper: float | None = Field(default=None, description="Upper confidence limit.")
    ci_level: float | None = Field(default=None, gt=0, lt=1, description="Confidence level, e.g. 0.95.")
    p_value: float | None = Field(default=None, ge=0, le=1, description="p-value as printed (the bound, for 'P<0.001').")
    p_relation: PRelation = Field(default=PRelation.eq, description="'=' or '<' etc., as printed.")
    test: str | None = Field(default=None, description="Statistical test, e.g. 'log-rank', 'Cox proportional hazards'.")
    measure_label: str | None = Field(default=None, description="The effect measure as printed, e.g. 'LS Mean Difference', 'Hazard Ratio (HR)'.")
    ci_sides: CISides | None = Field(default=None, description="Whether the interval is one- or two-sided.")
    dispersion: Dispersion | None = Field(default=None, description="Spread of the estimate, when given: standard deviation or standard error.")
    dispersion_value: float | None = Field(default=None, ge=0, description="The standard deviation or standard error of the estimate.")
    description: str | None = Field(default=None, description="Free text, e.g. the registry's estimate comment or analysis description.")

    @model_validator(mode="after")
    def _consistent(self) -> "Comparison":
        if self.arm == self.reference_arm:
            raise ValueError("reference_arm: an arm cannot be compared with itself")
        if self.estimate is not None and self.measure is None:
            raise ValueError("measure: an estimate needs its measure (hazard_ratio, odds_ratio, ...)")
        if self.estimate is None and self.p_value is None:
            raise ValueError("a comparison needs an estimate or a p_value")
        if self.measure is not None and self.measure.is_ratio:
            for name in ("estimate", "ci_lower", "ci_upper"):
                number = getattr(self, name)
                if number is not None and number <= 0:
                    raise ValueError(f"{name}: a {self.measure.value} and its limits must be positive, got {number}")
        if self.p_value == 0 and self.p_relation is not PRelation.eq:
            raise ValueError(f"p_value: 'p {self.p_relation.value} 0' is not a possible p-value")
        _check_interval("ci", self.ci_lower, self.ci_upper, self.estimate)
        return self


class _Finding(Record):
    """Fields every finding has."""

    key: Key
    status: CurationStatus | None = Field(default=None, description="Curation status; defaults to the file's.")
    provenance: Provenance | None = Field(default=None, description="Quote, location and who curated it.")


class OutcomeResult(_Finding):
    """An outcome of a trial in one analysis: per-arm values and between-arm comparisons."""

    trial: Key = Field(description="Key of the trial (in this file).")
    analysis: Key | None = Field(default=None, description="Key of the analysis (data cut-off) the figures come from.")
    outcome: ConceptName = Field(description="Outcome concept, e.g. 'time to progression', 'overall survival'.")
    role: OutcomeRole | None = Field(default=None, description="Primary, secondary, ...")
    measurements: tuple[ArmMeasurement, ...] = Field(default=(), description="Per-arm values.")
    comparisons: tuple[Comparison, ...] = Field(default=(), description="Between-arm effect estimates.")
    conclusion: Conclusion | None = Field(default=None, description="Qualitative verdict for the experimental arm, e.g. 'improved'.")
    description: str | None = Field(default=None, description="How the outcome is defined, e.g. the registry's outcome description.")
    time_frame: str | None = Field(default=None, description="When the outcome is assessed, as printed, e.g. 'Week 16'.")

    @model_validator(mode="after")
    def _has_content(self) -> "OutcomeResult":
        if not (self.measurements or self.comparisons or self.conclusion):
            raise ValueError("an outcome result needs measurements, comparisons or a conclusion")
        return self


class Grade(StrEnum):
    """CTCAE grade category of an adverse-event count."""

    any = "any"  # all grades counted
    unspecified = "unspecified"  # the report does not say which grades were counted
    g1 = "1"
    g2 = "2"
    g3 = "3"
    g4 = "4"
    g5 = "5"
    g1_2 = "1-2"
    g3_4 = "3-4"
    g3_plus = ">=3"

    @property
    def minimum(self) -> int:
        """The lowest grade the category may include (1 for 'any' and 'unspecified').

        >>> Grade("3-4").minimum, Grade(">=3").minimum, Grade("any").minimum
        (3, 3, 1)
        """
        if self in {Grade.any, Grade.unspecified}:
            return 1
        return int(self.value.lstrip(">=")[0])

    @property
    def maximum(self) -> int:
        """The highest grade the category may include (5 for 'any', 'unspecified', '>=3')."""
        if self in {Grade.any, Grade.unspecified, Grade.g3_plus}:
            return 5
        return int(self.value[-1])


class ArmEventCount(Record):
    """One arm's incidence of an adverse event."""

    arm: Key = Field(description="Key of the arm in the finding's trial.")
    n_affected: Count | None = Field(default=None, description="Patients with the event.")
    n_at_risk: Count | None = Field(default=None, description="Patients at risk (the safety population of the arm).")
    percent: float | None = Field(default=None, ge=0, le=100, description="Percent affected, as printed.")

    @model_validator(mode="after")
    def _consistent(self) -> "ArmEventCount":
        if self.n_affected is None and self.percent is None:
            raise ValueError("give n_affected or percent (or both)")
        if self.n_affected is not None and self.n_at_risk is not None:
            if self.n_affected > self.n_at_risk:
                raise ValueError(f"n_affected {self.n_affected} exceeds n_at_risk {self.n_at_risk}")
            if self.n_at_risk == 0 and self.percent:
                raise ValueError(f"percent {self.percent} is impossible with n_at_risk 0")
            if self.percent is not None and self.n_at_risk:
                computed = 100 * self.n_affected / self.n_at_risk
                if abs(computed - self.percent) > 0.6:  # allow rounding to whole or one decimal
                    raise ValueError(
                        f"percent {self.percent} does not match {self.n_affected}/{self.n_at_risk} = {computed:.1f}%"
                    )
        return self

    @property
    def incidence_percent(self) -> float | None:
        """Percent affected, computed from counts when not printed."""
        if self.percent is not None:
            return self.percent
        if self.n_affected is not None and self.n_at_risk:
            return round(100 * self.n_affected / self.n_at_risk, 2)
        return None


class AssessmentType(StrEnum):
    """How adverse events were collected (ClinicalTrials.gov assessment type)."""

    systematic = "systematic"
    non_systematic = "non_systematic"


class AdverseEventResult(_Finding):
    """An adverse event's incidence per arm, at a grade category."""

    trial: Key = Field(description="Key of the trial (in this file).")
    analysis: Key | None = Field(default=None, description="Key of the analysis the figures come from.")
    event: ConceptName = Field(description="Adverse event, e.g. 'neutropenia', 'HP:0001875'.")
    grade: Grade = Field(
        default=Grade.unspecified,
        description="CTCAE grade category: any (all grades counted), unspecified (the report does not say), 1..5, 1-2, 3-4, >=3.",
    )
    serious: bool | None = Field(default=None, description="True for serious adverse events, False for non-serious, omit if not stated.")
    arms: tuple[ArmEventCount, ...] = Field(min_length=1, description="Per-arm incidence.")
    all_cause_mortality: bool = Field(default=False, description="True for the all-cause mortality count (deaths of any cause) of a registry record.")
    organ_system: str | None = Field(default=None, description="Organ system (MedDRA system organ class) the event is listed under, as printed.")
    source_vocabulary: str | None = Field(default=None, description="Vocabulary the event term is from, as printed, e.g. 'MedDRA 21.0'.")
    assessment: AssessmentType | None = Field(default=None, description="How events were collected: systematic or non-systematic assessment.")
    time_frame: str | None = Field(default=None, description="Period over which events were collected, as printed.")


class Direction(StrEnum):
    """Direction of a drug's effect on its target."""

    increased = "increased"
    decreased = "decreased"


class Aspect(StrEnum):
    """Which aspect of the target the drug affects (Biolink object_aspect_qualifier)."""

    activity = "activity"
    abundance = "abundance"
    expression = "expression"
    activity_or_abundance = "activity_or_abundance"


class MechanismKind(StrEnum):
    """How the drug acts, when the source says (Biolink causal_mechanism_qualifier)."""

    inhibition = "inhibition"
    activation = "activation"
    binding = "binding"


class ExperimentalSystem(StrEnum):
    """Where the effect was observed."""

    in_vitro = "in_vitro"
    cell_line = "cell_line"
    animal = "animal"
    patients = "patients"
    unspecified = "unspecified"


class MechanismClaim(_Finding):
    """A stated mechanism: drug, direction and aspect, target, and the system it was seen in."""

    drug: ConceptName = Field(description="The drug, e.g. 'lenalidomide'.")
    target: ConceptName = Field(description="Gene, protein, complex or process, e.g. 'IL6', 'NF-kB', 'caspase 8'.")
    direction: Direction | None = Field(default=None, description="increased or decreased; omit for binding.")
    aspect: Aspect | None = Field(default=None, description="activity, abundance, expression or activity_or_abundance.")
    mechanism: MechanismKind | None = Field(default=None, description="inhibition, activation or binding, when stated.")
    system: ExperimentalSystem = Field(default=ExperimentalSystem.unspecified, description="in_vitro, cell_line, animal, patients.")

    @model_validator(mode="after")
    def _meaningful(self) -> "MechanismClaim":
        if self.direction is None and self.mechanism is not MechanismKind.binding:
            raise ValueError("direction: give increased or decreased (or mechanism: binding)")
        if self.direction is not None and self.aspect is None:
            raise ValueError("aspect: a direction needs its aspect (activity, abundance, expression, activity_or_abundance)")
        return self
