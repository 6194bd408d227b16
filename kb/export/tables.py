"""Tables for meta-analysis: one row per comparison, and one row per adverse event per arm.

The evidence table adds, for each comparison with a confidence interval, the estimate on the scale
meta-analysis pools it on and its standard error derived from the interval: for a ratio (hazard,
odds, risk ratio) ``log(estimate)`` and ``(log(upper) - log(lower)) / (2 z)``; for a difference
``(upper - lower) / (2 z)``; where ``z`` is the normal quantile of the interval's level (1.96 for
95%). Columns are named so that R ``metafor::rma(yi = log_estimate, sei = se)`` takes them as they
are. Every row names each arm's role and the drugs it receives (as the comparison's own source
says), so the direction of each estimate is explicit.

Given a drug (``kb export --format evidence-csv --drug D``), every row is *oriented*: D's arm
against its comparator. A row whose reference arm receives D is turned (:func:`orient`): arms
swapped, a ratio inverted with its CI bounds swapped, a difference negated with its bounds
swapped; ``oriented`` says which rows were turned. Rows where D is in both arms or in neither, and
estimates of a measure with no known direction (``other``), are left out and counted
(:class:`TableReport`). ``docs/meta-analysis.md`` documents the columns and the R recipe.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import IO, Any

from kb.export import formats_of
from kb.errors import ExportError, UnknownTermError
from kb.models import EffectMeasure
from kb.query import run_template
from kb.query.rows import QueryTarget

__all__ = [
    "TABLE_FORMATS", "EVIDENCE_COLUMNS", "ADVERSE_EVENT_COLUMNS", "Drug", "TableReport", "standard_error",
    "orient", "resolve_drug", "iter_evidence_rows", "adverse_event_pairs", "write_table",
]

TABLE_FORMATS = formats_of("table")
_DEFAULT_LEVEL = 0.95
#: Roles on the comparator side of a trial (ArmRole values); every other role, or none, is a treatment arm.
COMPARATOR_ROLES = frozenset({"placebo_comparator", "active_comparator", "no_intervention"})

#: The evidence-csv columns: the evidence_table template's, in its order, then the derived ones.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "outcome", "trial", "analysis", "cutoff", "arm", "arm_n", "reference_arm", "reference_n", "measure", "estimate",
    "ci_lower", "ci_upper", "ci_level", "p_relation", "p_value", "source", "doi", "status", "retraction", "comparison",
    "log_estimate", "se", "se_assumed_level", "arm_role", "arm_drugs", "reference_role", "reference_drugs", "oriented",
)
#: The adverse-events-csv columns: the adverse_event_table template's (one row per event per arm), then
#: the arm's side, role and drugs and its counterpart arm, side by side.
ADVERSE_EVENT_COLUMNS: tuple[str, ...] = (
    "event", "grade", "serious", "trial", "analysis", "arm", "n_affected", "n_at_risk", "percent",
    "source", "doi", "status", "retraction", "finding", "treatment", "arm_role", "arm_drugs",
    "comparator_arm", "comparator_role", "comparator_drugs", "comparator_n_affected", "comparator_n_at_risk", "comparator_percent",
)

# The drugs each side of every comparison receives, in the comparison's own source; and the drugs
# on every adverse-event arm count (written with it). Constant queries: nothing from the user.
_COMPARISON_DRUGS = """
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?part ?side ?drug ?name ?text WHERE {
  VALUES ?side { tekb:arm tekb:referenceArm }
  GRAPH ?g { ?part a tekb:Comparison ; ?side ?arm_node . ?arm_node tekb:receivesDrug ?drug }
  OPTIONAL { ?drug skos:prefLabel ?name }
  OPTIONAL { ?drug rdfs:label ?text }
}
"""
_COUNT_DRUGS = """
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?part ?side ?drug ?name ?text WHERE {
  BIND(tekb:arm AS ?side)
  ?part a tekb:ArmEventCount ; tekb:armDrug ?drug .
  OPTIONAL { ?drug skos:prefLabel ?name }
  OPTIONAL { ?drug rdfs:label ?text }
}
"""
_ARM = "https://w3id.org/trial-evidence-kb/ontology#arm"
_REFERENCE_ARM = "https://w3id.org/trial-evidence-kb/ontology#referenceArm"


@dataclass(frozen=True)
class Drug:
    """The drug a table is oriented for: its concept IRI and its label."""

    iri: str
    label: str


@dataclass
class TableReport:
    """What a table export wrote: its rows, and the rows it left out, counted by reason."""

    rows: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    def leave_out(self, reason: str) -> None:
        """Count one row left out for ``reason``."""
        self.left_out[reason] = self.left_out.get(reason, 0) + 1

    @property
    def left_out_total(self) -> int:
        """Every row left out, whatever the reason."""
        return sum(self.left_out.values())


def standard_error(measure: str | None, lower: float | None, upper: float | None, level: float | None) -> float | None:
    """The standard error implied by a confidence interval, on the pooling scale.

    >>> round(standard_error("hazard_ratio", 1.040, 1.614, 0.95), 6)
    0.112118
    >>> round(standard_error("risk_difference", 0.1, 0.3, 0.95), 6)
    0.051021
    >>> standard_error("hazard_ratio", None, 1.2, 0.95) is None
    True
    """
    if lower is None or upper is None or measure is None:
        return None
    z = NormalDist().inv_cdf(1 - (1 - (level or _DEFAULT_LEVEL)) / 2)
    if EffectMeasure(measure).is_ratio:
        if lower <= 0 or upper <= 0:
            return None
        return (math.log(upper) - math.log(lower)) / (2 * z)
    return (upper - lower) / (2 * z)


def resolve_drug(target: QueryTarget, name: str) -> Drug:
    """The drug ``name`` names (name, synonym, CURIE or IRI), resolved as query parameters are:
    through the KB's vocabulary, then the concept nodes it holds (:mod:`kb.vocab.known`).

    :raises UnknownTermError: naming the text and suggesting close names.
    """
    names = getattr(target, "names", None)
    if names is None:  # a bare store: the default base's vocabulary, as kb.query.rows does
        from kb.rdf import IriScheme
        from kb.vocab.known import KnownNames
        from kb.vocab.stored import load_vocabulary

        iris = IriScheme()
        names = KnownNames(load_vocabulary(target, iris), target, unresolved_iri=iris.unresolved_concept)
    try:
        concept = names.resolve(name, category="drug", strict=True)
    except UnknownTermError as error:
        raise UnknownTermError(f"--drug: {error}") from error
    if concept is None:  # strict resolution raises instead; kept for the type checker
        raise UnknownTermError(f"--drug: {name!r} is not in the vocabulary for category 'drug'")
    return Drug(concept.iri, concept.label)


def _drugs_by_part(target: QueryTarget, query: str) -> dict[tuple[str, str], dict[str, str]]:
    """(comparison or arm count IRI, side predicate IRI) -> {drug IRI: label}."""
    store = target.store if hasattr(target, "store") else target
    found: dict[tuple[str, str], dict[str, str]] = {}
    for row in store.select(query).dicts():
        part, side, drug, name, text = (row[k] for k in ("part", "side", "drug", "name", "text"))
        assert part is not None and side is not None and drug is not None  # bound by the pattern
        label = (name or text or drug).value
        drugs = found.setdefault((part.value, side.value), {})
        # Several labels (sources may label an unresolved drug differently): the least, for stable output.
        drugs[drug.value] = min(label, drugs.get(drug.value, label))
    return found


def _names(drugs: dict[str, str]) -> str:
    return "; ".join(sorted(drugs.values(), key=str.casefold))


def orient(record: dict[str, Any]) -> dict[str, Any] | None:
    """``record`` (an evidence row) turned round: the reference arm first.

    Arms and their sizes, roles and drugs swap; a ratio becomes ``1/estimate`` with bounds
    ``(1/upper, 1/lower)`` and ``log_estimate`` negated; a difference is negated with bounds
    ``(-upper, -lower)``; ``se``, the CI level and the p-value stay. Returns None when the row
    cannot be turned: an estimate or bound of a measure with no known direction (``other``, or
    none), or a ratio that is not positive.

    >>> row = {"arm": "Dex", "reference_arm": "Len+Dex", "measure": "hazard_ratio", "estimate": 1.25,
    ...        "ci_lower": 1.0, "ci_upper": 2.0, "log_estimate": math.log(1.25), "se": 0.17}
    >>> turned = orient(row)
    >>> turned["arm"], turned["reference_arm"], turned["estimate"], turned["ci_lower"], turned["ci_upper"]
    ('Len+Dex', 'Dex', 0.8, 0.5, 1.0)
    >>> orient({**row, "measure": "mean_difference", "estimate": 2.0, "ci_lower": -1.0, "ci_upper": 5.0})["ci_lower"]
    -5.0
    """
    turned = dict(record)
    for left, right in (("arm", "reference_arm"), ("arm_n", "reference_n"), ("arm_role", "reference_role"), ("arm_drugs", "reference_drugs")):
        turned[left], turned[right] = record.get(right), record.get(left)
    numbers = [record.get(k) for k in ("estimate", "ci_lower", "ci_upper")]
    if all(n is None for n in numbers):
        return turned  # a p-value only: the same either way round
    measure = record.get("measure")
    if measure is None or EffectMeasure(measure) is EffectMeasure.other:
        return None
    if EffectMeasure(measure).is_ratio:
        if any(n is not None and n <= 0 for n in numbers):
            return None
        estimate, lower, upper = (None if n is None else 1 / n for n in numbers)
    else:
        estimate, lower, upper = (None if n is None else -n for n in numbers)
    turned["estimate"], turned["ci_lower"], turned["ci_upper"] = estimate, upper, lower
    if record.get("log_estimate") is not None:
        turned["log_estimate"] = -record["log_estimate"]
    return turned


def iter_evidence_rows(target: QueryTarget, *, drug: Drug | None = None, report: TableReport | None = None) -> Iterator[dict[str, Any]]:
    """Every comparison with its derived ``log_estimate`` (ratios only) and ``se``, each arm's role
    and drugs; with ``drug``, oriented as the drug's arm against its comparator (:func:`orient`),
    rows that cannot be are counted in ``report`` and left out."""
    drugs = _drugs_by_part(target, _COMPARISON_DRUGS)
    for row in run_template(target, "evidence_table"):
        record = row._asdict()
        measure = record["measure"]
        is_ratio = measure is not None and EffectMeasure(measure).is_ratio
        estimate = record["estimate"]
        record["log_estimate"] = math.log(estimate) if is_ratio and estimate and estimate > 0 else None
        record["se"] = standard_error(measure, record["ci_lower"], record["ci_upper"], record["ci_level"])
        record["se_assumed_level"] = record["se"] is not None and record["ci_level"] is None
        arm_drugs = drugs.get((record["comparison"], _ARM), {})
        reference_drugs = drugs.get((record["comparison"], _REFERENCE_ARM), {})
        record["arm_drugs"], record["reference_drugs"] = _names(arm_drugs) or None, _names(reference_drugs) or None
        record["oriented"] = None
        if drug is not None:
            in_arm, in_reference = drug.iri in arm_drugs, drug.iri in reference_drugs
            if in_arm == in_reference:
                if report is not None:
                    report.leave_out(f"{drug.label} in both arms" if in_arm else f"{drug.label} in neither arm")
                continue
            if in_reference:
                turned = orient(record)
                if turned is None:
                    if report is not None:
                        report.leave_out(f"{measure or 'no measure'}: no known direction to turn")
                    continue
                record = turned
            record["oriented"] = in_reference
        yield record


def adverse_event_pairs(target: QueryTarget, *, drug: Drug | None = None, report: TableReport | None = None) -> Iterator[dict[str, Any]]:
    """One row per adverse event per arm (the long form), each beside its counterpart arm.

    The arms of a result fall on two sides. With ``drug``: the arms receiving it (``treatment``
    TRUE) and those that do not; a result without both sides is counted in ``report`` and left
    out. Without: by role, comparators (placebo or active comparator, no intervention) against
    the rest; a result without both sides puts every arm on the treatment side, with no
    counterpart. Each arm's row carries, in the ``comparator_*`` columns, an arm of the other
    side (one row per counterpart when there are several), so the treatment rows alone are the
    side-by-side table ``metafor::escalc`` takes.
    """
    drugs = _drugs_by_part(target, _COUNT_DRUGS)
    by_finding: dict[str, list[dict[str, Any]]] = {}
    for row in run_template(target, "adverse_event_table"):
        record = row._asdict()
        record["drug_iris"] = drugs.get((record["arm_count"], _ARM), {})
        by_finding.setdefault(record["finding"], []).append(record)
    for arms in by_finding.values():
        if drug is not None:
            treated = [a["arm_count"] for a in arms if drug.iri in a["drug_iris"]]
            if not treated or len(treated) == len(arms):
                if report is not None:
                    report.leave_out(f"{drug.label} in every arm the result reports" if treated else f"{drug.label} in no arm")
                continue
        else:
            treated = [a["arm_count"] for a in arms if a["arm_role"] not in COMPARATOR_ROLES]
            if not treated or len(treated) == len(arms):
                treated = [a["arm_count"] for a in arms]
        for arm in arms:
            treatment = arm["arm_count"] in treated
            counterparts = [a for a in arms if (a["arm_count"] in treated) != treatment]
            if not counterparts:
                yield _side_by_side(arm, None, treatment)
            for counterpart in counterparts:
                yield _side_by_side(arm, counterpart, treatment)


_COMPARATOR_COLUMNS = {
    "arm": "comparator_arm", "arm_role": "comparator_role", "n_affected": "comparator_n_affected",
    "n_at_risk": "comparator_n_at_risk", "percent": "comparator_percent",
}


def _side_by_side(arm: dict[str, Any], comparator: dict[str, Any] | None, treatment: bool) -> dict[str, Any]:
    row = {k: arm.get(k) for k in ADVERSE_EVENT_COLUMNS}
    row["treatment"] = treatment
    row["arm_drugs"] = _names(arm["drug_iris"]) or None
    for column, comparator_column in _COMPARATOR_COLUMNS.items():
        row[comparator_column] = None if comparator is None else comparator.get(column)
    row["comparator_drugs"] = None if comparator is None else _names(comparator["drug_iris"]) or None
    return row


def _cell(value: Any) -> Any:
    """A CSV cell: empty for None, TRUE/FALSE for booleans (R's read.csv reads them as logical)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value


def _write_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], output: IO[bytes] | Path) -> int:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
        count += 1
    data = text.getvalue().encode("utf-8")
    if isinstance(output, Path):
        output.write_bytes(data)
    else:
        output.write(data)
    return count


def write_table(
    target: QueryTarget, output: IO[bytes] | Path, *, format: str, drug: str | Drug | None = None, report: TableReport | None = None
) -> int:
    """Write ``evidence-csv`` or ``adverse-events-csv``; return the number of rows.

    ``drug`` (a name, synonym, CURIE or IRI, resolved through the KB's vocabulary, or a resolved
    :class:`Drug`) orients the evidence rows as its arm against its comparator, and puts the arms
    receiving it on the adverse-event rows' treatment side. ``report``, when given, receives the
    rows written and those left out, by reason.

    :raises ExportError: for any other format name.
    :raises UnknownTermError: for a drug no vocabulary of the KB knows.
    """
    if format not in TABLE_FORMATS:
        raise ExportError(f"unknown table format {format!r}: use one of {', '.join(TABLE_FORMATS)}")
    chosen = resolve_drug(target, drug) if isinstance(drug, str) else drug
    report = report if report is not None else TableReport()
    if format == "evidence-csv":
        report.rows = _write_csv(iter_evidence_rows(target, drug=chosen, report=report), EVIDENCE_COLUMNS, output)
    else:
        report.rows = _write_csv(adverse_event_pairs(target, drug=chosen, report=report), ADVERSE_EVENT_COLUMNS, output)
    return report.rows
