"""Evidence tables: standard errors from confidence intervals, checked against hand computation."""

from __future__ import annotations

import csv
import io
import math

import pytest

from kb.store import KBStore
from kb.export.tables import iter_evidence_rows, standard_error, write_table

Z95 = 1.959963984540054  # the 97.5% normal quantile


def test_ash_2007_hazard_ratio_standard_error_by_hand(example_store: KBStore) -> None:
    rows = [r for r in iter_evidence_rows(example_store) if r["estimate"] == 1.295]
    assert len(rows) == 1
    row = rows[0]
    # ln(1.614) = 0.4787159, ln(1.040) = 0.0392207; (0.4787159 - 0.0392207) / (2 * 1.959964) = 0.1121181
    assert row["se"] == pytest.approx(0.1121181, abs=1e-6)
    assert row["log_estimate"] == pytest.approx(0.2585107, abs=1e-6)  # ln(1.295)
    assert (row["arm"], row["reference_arm"]) == ("Dexamethasone alone", "Lenalidomide plus dexamethasone")
    assert (row["arm_n"], row["reference_n"]) == (351, 353)


def test_every_comparison_is_one_row(example_store: KBStore) -> None:
    rows = list(iter_evidence_rows(example_store))
    assert len({r["comparison"] for r in rows}) == len(rows)
    assert all(r["source"] and r["status"] and r["outcome"] for r in rows)


@pytest.mark.parametrize(
    "measure,lower,upper,level,expected",
    [
        ("odds_ratio", 0.5, 2.0, 0.95, (math.log(2.0) - math.log(0.5)) / (2 * Z95)),
        ("risk_ratio", 0.8, 1.25, 0.90, (math.log(1.25) - math.log(0.8)) / (2 * 1.6448536269514722)),
        ("mean_difference", -1.0, 3.0, 0.95, 4.0 / (2 * Z95)),
        ("hazard_ratio", 0.5, 0.9, None, (math.log(0.9) - math.log(0.5)) / (2 * Z95)),  # level assumed 95%
        ("hazard_ratio", None, 0.9, 0.95, None),
        (None, 0.5, 0.9, 0.95, None),
    ],
)
def test_standard_error(measure, lower, upper, level, expected) -> None:
    result = standard_error(measure, lower, upper, level)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("fmt,count_column", [("evidence-csv", "se"), ("adverse-events-csv", "percent")])
def test_csv_tables_parse(example_store: KBStore, fmt: str, count_column: str) -> None:
    buffer = io.BytesIO()
    count = write_table(example_store, buffer, format=fmt)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8"))))
    assert len(rows) == count > 0
    assert count_column in rows[0]


def test_adverse_event_table_has_one_row_per_arm(example_store: KBStore) -> None:
    buffer = io.BytesIO()
    write_table(example_store, buffer, format="adverse-events-csv")
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8"))))
    neutropenia = {(r["source"], r["arm"]): r["percent"] for r in rows if r["event"] == "neutropenia"}
    assert neutropenia[("weber-2007-mm009", "Lenalidomide plus dexamethasone")] == "41.2"
    assert neutropenia[("weber-2007-mm009", "Placebo plus dexamethasone")] == "4.6"
