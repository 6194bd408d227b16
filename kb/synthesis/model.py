"""The result of a synthesis: the estimates it pooled, those it left out and why, and the pooled figures.

Plain dataclasses, so that the CLI, the evidence pages and a notebook read the same fields;
:meth:`Synthesis.to_rows` and :meth:`Synthesis.to_json` give the table (one row per input estimate,
included or not, each with its source) and the whole result as JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["Estimate", "Excluded", "Pooled", "Heterogeneity", "Synthesis", "ROW_COLUMNS"]


@dataclass(frozen=True)
class Estimate:
    """One between-arm comparison of the outcome, as the synthesis reads it (after orientation).

    ``estimate``/``ci_lower``/``ci_upper`` are the drug's arm against its comparator: when the report
    gave the other direction, ``inverted`` is True, ``inverted_reason`` says what was turned and
    ``reported_*`` keep the figures as printed. ``log_estimate`` and ``se`` are on the pooling (log)
    scale, ``se`` from the CI: ``(ln upper - ln lower) / (2 z)``. ``weight_fixed`` and
    ``weight_random`` are relative weights in percent, set on the included estimates only.
    """

    comparison: str
    finding: str
    source: str
    status: str | None
    trial: str
    trial_iri: str
    pools: tuple[str, ...]
    pooled_trials: tuple[str, ...]
    outcome: str | None
    analysis: str | None
    analysis_label: str | None
    cutoff: str | None
    arm: str | None
    reference_arm: str | None
    measure: str | None
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    ci_level: float | None
    p_relation: str | None
    p_value: float | None
    log_estimate: float | None
    se: float | None
    inverted: bool
    inverted_reason: str | None
    reported_arm: str | None
    reported_reference_arm: str | None
    reported_estimate: float | None
    reported_ci_lower: float | None
    reported_ci_upper: float | None
    doi: str | None
    pmid: str | None
    title: str | None
    journal: str | None
    date: str | None
    quote: str | None
    location: str | None
    arm_receives: bool
    reference_receives: bool
    weight_fixed: float | None = None
    weight_random: float | None = None

    @property
    def is_pooled_population(self) -> bool:
        """Whether the estimate is of a pooled population (several trials analysed together)."""
        return bool(self.pools)

    @property
    def citation(self) -> str:
        """A short citation: the journal and year; else the title; else the source id.

        >>> _example(date="2007-11-22", journal="N Engl J Med").citation
        'N Engl J Med 2007'
        >>> _example(title="[Synthetic report]").citation
        '[Synthetic report]'
        """
        year = (self.date or "")[:4]
        if self.journal:
            return f"{self.journal} {year}".strip()
        return self.title or self.source

    @property
    def cutoff_label(self) -> str:
        """The analysis as a reader names it: its kind and its data cut-off when known.

        >>> _example(analysis="long_term_follow_up", cutoff="2008-07").cutoff_label
        'long-term follow-up, cut-off 2008-07'
        >>> _example(analysis="updated").cutoff_label
        'updated, cut-off not stated'
        >>> _example().cutoff_label
        'cut-off not stated'
        """
        cutoff = f"cut-off {self.cutoff}" if self.cutoff else "cut-off not stated"
        if not self.analysis:
            return cutoff
        return f"{self.analysis.replace('long_term_follow_up', 'long-term follow-up').replace('_', ' ')}, {cutoff}"


@dataclass(frozen=True)
class Excluded:
    """An estimate the synthesis did not pool: the estimate, a short code and the reason in words.

    Codes: ``both_arms``, ``neither_arm``, ``no_direction`` (orientation); ``other_measure``,
    ``no_estimate``, ``no_ci``, ``bad_ci`` (what the row holds); ``superseded``,
    ``same_analysis`` (one estimate per trial); ``pooled_elsewhere``, ``components_pooled``,
    ``overlapping_pool`` (the same patients twice).
    """

    estimate: Estimate
    code: str
    reason: str


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate: on the ratio scale with its CI, and on the log scale with its SE, z and p."""

    estimate: float
    ci_lower: float
    ci_upper: float
    log_estimate: float
    se: float
    z: float
    p_value: float


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q with its degrees of freedom and p; tau² (by ``method``) and I² (percent).

    With one estimate Q has no degrees of freedom: ``q_p_value`` and ``i2`` are None.
    """

    q: float
    df: int
    q_p_value: float | None
    tau2: float
    i2: float | None
    method: str


#: The columns of :meth:`Synthesis.to_rows`, in order.
ROW_COLUMNS: tuple[str, ...] = (
    "row", "included", "reason", "trial", "analysis", "cutoff", "arm", "reference_arm", "measure", "estimate",
    "ci_lower", "ci_upper", "ci_level", "log_estimate", "se", "weight_fixed", "weight_random", "inverted",
    "inverted_reason", "reported_estimate", "reported_ci_lower", "reported_ci_upper", "p_relation", "p_value",
    "source", "status", "citation", "doi", "pmid", "date", "quote", "location", "comparison",
)


@dataclass(frozen=True)
class Synthesis:
    """A meta-analysis of one drug and one outcome (:func:`kb.synthesis.synthesize`).

    ``fixed`` and ``random`` are None when nothing could be pooled; with one estimate they equal it.
    """

    drug: str
    drug_iri: str
    outcome: str
    outcome_iri: str
    measure: str
    method: str
    select: str
    included: list[Estimate]
    excluded: list[Excluded]
    fixed: Pooled | None
    random: Pooled | None
    heterogeneity: Heterogeneity | None
    notes: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        """The number of estimates pooled."""
        return len(self.included)

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per input estimate (included first, in plot order; then those left out), then
        one row per pooled estimate (``row`` = ``fixed`` / ``random``), columns :data:`ROW_COLUMNS`."""
        rows: list[dict[str, Any]] = []
        for estimate in self.included:
            rows.append(_row(estimate, "estimate", True, None))
        for left in self.excluded:
            rows.append(_row(left.estimate, "estimate", False, left.reason))
        for name, pooled in (("fixed", self.fixed), ("random", self.random)):
            if pooled is None:
                continue
            row = dict.fromkeys(ROW_COLUMNS)
            row.update(
                row=name, included=None, trial=f"pooled ({'fixed effect' if name == 'fixed' else 'random effects, ' + self.method.upper()})",
                measure=self.measure, estimate=pooled.estimate, ci_lower=pooled.ci_lower, ci_upper=pooled.ci_upper,
                ci_level=0.95, log_estimate=pooled.log_estimate, se=pooled.se, p_value=pooled.p_value, p_relation="=",
                weight_fixed=100.0 if name == "fixed" else None, weight_random=100.0 if name == "random" else None,
            )
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The whole result as plain data (what :meth:`to_json` writes)."""
        return {
            "drug": self.drug, "drug_iri": self.drug_iri, "outcome": self.outcome, "outcome_iri": self.outcome_iri,
            "measure": self.measure, "method": self.method, "select": self.select, "k": self.k,
            "included": [_estimate_dict(e) for e in self.included],
            "excluded": [{**_estimate_dict(x.estimate), "code": x.code, "reason": x.reason} for x in self.excluded],
            "fixed": None if self.fixed is None else asdict(self.fixed),
            "random": None if self.random is None else asdict(self.random),
            "heterogeneity": None if self.heterogeneity is None else asdict(self.heterogeneity),
            "notes": list(self.notes),
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        """:meth:`to_dict` as JSON (NaN and infinities written as null)."""
        return json.dumps(_finite(self.to_dict()), indent=indent, ensure_ascii=False)


def _estimate_dict(estimate: Estimate) -> dict[str, Any]:
    data = {f.name: getattr(estimate, f.name) for f in fields(estimate)}
    data["pools"], data["pooled_trials"] = list(estimate.pools), list(estimate.pooled_trials)
    data["citation"], data["cutoff_label"] = estimate.citation, estimate.cutoff_label
    return data


def _row(estimate: Estimate, kind: str, included: bool, reason: str | None) -> dict[str, Any]:
    row = {column: getattr(estimate, column, None) for column in ROW_COLUMNS}
    row.update(row=kind, included=included, reason=reason, citation=estimate.citation)
    return row


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _example(**values: Any) -> Estimate:
    """An estimate with every field empty but ``values`` (for the doctests)."""
    blank: dict[str, Any] = {f.name: None for f in fields(Estimate)}
    blank.update(pools=(), pooled_trials=(), inverted=False, arm_receives=True, reference_receives=False, trial="T", trial_iri="t",
                 comparison="c", finding="f", source="s")
    blank.update(values)
    return Estimate(**blank)
