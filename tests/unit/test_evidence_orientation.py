"""Turning an evidence row round (kb.export.tables.orient), and the CSV cells R reads (issue 11 item 1)."""

from __future__ import annotations

import io
import math

import pytest

from kb.export.tables import EVIDENCE_COLUMNS, _cell, _write_csv, orient

ROW = {
    "arm": "Dexamethasone alone", "arm_n": 351, "arm_role": "placebo_comparator", "arm_drugs": "dexamethasone",
    "reference_arm": "Lenalidomide plus dexamethasone", "reference_n": 353, "reference_role": "experimental",
    "reference_drugs": "dexamethasone; lenalidomide", "measure": "hazard_ratio", "estimate": 1.295,
    "ci_lower": 1.040, "ci_upper": 1.614, "ci_level": 0.95, "p_value": 0.02,
    "log_estimate": math.log(1.295), "se": 0.112118,
}


def test_a_ratio_is_inverted_with_its_bounds_swapped() -> None:
    turned = orient(ROW)
    assert turned is not None
    assert (turned["arm"], turned["arm_n"], turned["arm_role"], turned["arm_drugs"]) == (
        "Lenalidomide plus dexamethasone", 353, "experimental", "dexamethasone; lenalidomide")
    assert (turned["reference_arm"], turned["reference_n"], turned["reference_role"]) == ("Dexamethasone alone", 351, "placebo_comparator")
    assert turned["estimate"] == pytest.approx(0.772201, abs=1e-6)
    assert (turned["ci_lower"], turned["ci_upper"]) == pytest.approx((1 / 1.614, 1 / 1.040))
    assert turned["log_estimate"] == pytest.approx(-math.log(1.295))
    assert (turned["se"], turned["ci_level"], turned["p_value"]) == (0.112118, 0.95, 0.02)
    assert ROW["arm"] == "Dexamethasone alone"  # the input is not changed


@pytest.mark.parametrize("measure", ["risk_difference", "mean_difference", "median_difference"])
def test_a_difference_is_negated_with_its_bounds_swapped(measure: str) -> None:
    turned = orient({**ROW, "measure": measure, "estimate": 2.5, "ci_lower": -1.0, "ci_upper": 6.0, "log_estimate": None})
    assert turned is not None
    assert (turned["estimate"], turned["ci_lower"], turned["ci_upper"], turned["log_estimate"]) == (-2.5, -6.0, 1.0, None)


def test_a_p_value_only_comparison_just_swaps_the_arms() -> None:
    turned = orient({**ROW, "measure": None, "estimate": None, "ci_lower": None, "ci_upper": None, "log_estimate": None})
    assert turned is not None and turned["arm"] == "Lenalidomide plus dexamethasone" and turned["p_value"] == 0.02


@pytest.mark.parametrize("change", [{"measure": "other"}, {"measure": None}, {"estimate": 0.0}, {"ci_lower": -0.1}])
def test_rows_with_no_known_direction_cannot_be_turned(change: dict) -> None:
    assert orient({**ROW, **change}) is None


def test_a_ratio_with_one_bound_keeps_the_other_empty() -> None:
    turned = orient({**ROW, "ci_lower": None})
    assert turned is not None and turned["ci_lower"] == pytest.approx(1 / 1.614) and turned["ci_upper"] is None


def test_booleans_are_written_as_r_reads_them() -> None:
    assert [_cell(True), _cell(False), _cell(None), _cell(1.5)] == ["TRUE", "FALSE", "", 1.5]
    buffer = io.BytesIO()
    _write_csv([{"oriented": True, "se_assumed_level": False}], EVIDENCE_COLUMNS, buffer)
    header, line = buffer.getvalue().decode("utf-8").splitlines()
    assert dict(zip(header.split(","), line.split(",")))["oriented"] == "TRUE"
