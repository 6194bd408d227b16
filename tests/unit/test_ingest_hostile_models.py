"""Issue 12, item 10: implausible counts, sizes and numbers are refused with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from ingest.findings import read_findings_file
from kb.errors import FindingsFileError
from kb.models import Arm, ArmEventCount, ArmMeasurement, Trial
from kb.models.base import MAX_COUNT
from kb.paths import examples_dir


def test_an_arm_of_ten_to_the_thirty_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Arm(key="a", label="Arm A", n_randomized=10**30)
    error = caught.value.errors()[0]
    assert error["loc"] == ("n_randomized",)
    assert "not a plausible count" in error["msg"] and "31-digit number" in error["msg"]


@pytest.mark.parametrize("model, fields, field", [
    (Trial, {"key": "t", "enrollment": MAX_COUNT + 1}, "enrollment"),
    (ArmMeasurement, {"arm": "a", "statistic": "median", "value": 1.0, "n": MAX_COUNT + 1}, "n"),
    (ArmMeasurement, {"arm": "a", "statistic": "median", "value": 1.0, "n_events": MAX_COUNT + 1}, "n_events"),
    (ArmEventCount, {"arm": "a", "n_affected": MAX_COUNT + 1}, "n_affected"),
    (ArmEventCount, {"arm": "a", "n_affected": 1, "n_at_risk": MAX_COUNT + 1}, "n_at_risk"),
    (ArmEventCount, {"arm": "a", "percent": 101}, "percent"),
    (ArmEventCount, {"arm": "a", "percent": float("nan")}, "percent"),
    (ArmMeasurement, {"arm": "a", "statistic": "median", "value": float("inf")}, "value"),
])
def test_counts_sizes_and_percentages_are_bounded(model: type, fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model(**fields)
    assert caught.value.errors()[0]["loc"] == (field,)


def test_the_largest_plausible_count_is_accepted() -> None:
    assert Arm(key="a", label="Arm A", n_randomized=MAX_COUNT).n_randomized == MAX_COUNT


def test_a_findings_file_with_a_huge_arm_names_file_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load((examples_dir() / "mm009_weber2007.yaml").read_text(encoding="utf-8"))
    data["trials"][0]["arms"][0]["n_randomized"] = 10**30
    target = tmp_path / "huge.yaml"
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(FindingsFileError) as caught:
        read_findings_file(target)
    assert str(target) in str(caught.value)
    assert "trials[0].arms[0].n_randomized" in str(caught.value) and "not a plausible count" in str(caught.value)
