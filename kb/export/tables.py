"""Tables for meta-analysis: one row per comparison, and one row per adverse event per arm.

The evidence table adds, for each comparison with a confidence interval, the estimate on the scale
meta-analysis pools it on and its standard error derived from the interval: for a ratio (hazard,
odds, risk ratio) ``log(estimate)`` and ``(log(upper) - log(lower)) / (2 z)``; for a difference
``(upper - lower) / (2 z)``; where ``z`` is the normal quantile of the interval's level (1.96 for
95%). Columns are named so that R ``metafor::rma(yi = log_estimate, sei = se)`` takes them as they
are.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist
from typing import IO, Any

from kb.export import formats_of
from kb.errors import ExportError
from kb.models import EffectMeasure
from kb.query import load_template, run_template
from kb.query.rows import QueryTarget

__all__ = ["TABLE_FORMATS", "standard_error", "iter_evidence_rows", "write_table"]

TABLE_FORMATS = formats_of("table")
_DEFAULT_LEVEL = 0.95


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


def iter_evidence_rows(target: QueryTarget) -> Iterator[dict[str, Any]]:
    """Every comparison with its derived ``log_estimate`` (ratios only) and ``se``."""
    for row in run_template(target, "evidence_table"):
        record = row._asdict()
        measure = record["measure"]
        is_ratio = measure is not None and EffectMeasure(measure).is_ratio
        estimate = record["estimate"]
        record["log_estimate"] = math.log(estimate) if is_ratio and estimate and estimate > 0 else None
        record["se"] = standard_error(measure, record["ci_lower"], record["ci_upper"], record["ci_level"])
        record["se_assumed_level"] = record["se"] is not None and record["ci_level"] is None
        yield record


def _write_csv(rows: list[dict[str, Any]], columns: list[str], output: IO[bytes] | Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    data = text.getvalue().encode("utf-8")
    if isinstance(output, Path):
        output.write_bytes(data)
    else:
        output.write(data)


def write_table(target: QueryTarget, output: IO[bytes] | Path, *, format: str) -> int:
    """Write ``evidence-csv`` or ``adverse-events-csv``; return the number of rows.

    :raises ExportError: for any other format name.
    """
    if format == "evidence-csv":
        rows = list(iter_evidence_rows(target))
        columns = [*load_template("evidence_table").columns, "log_estimate", "se", "se_assumed_level"]
    elif format == "adverse-events-csv":
        rows = [row._asdict() for row in run_template(target, "adverse_event_table")]
        columns = list(load_template("adverse_event_table").columns)
    else:
        raise ExportError(f"unknown table format {format!r}: use one of {', '.join(TABLE_FORMATS)}")
    _write_csv(rows, columns, output)
    return len(rows)
