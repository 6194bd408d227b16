"""evaluate(gold): the scores are computed as the matching rules say, bad gold lines are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.errors import InputFileError
from kb.extraction.evaluate import evaluate, read_gold
from tests.conftest import shared_path

TEXT = "Survival improved (HR 0.72, 95% CI 0.61-0.85; P<0.001). We randomly assigned 353 patients to X (n = 177) or Y (n = 176)."


def _gold(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _record(**changes: object) -> dict:
    start = TEXT.index("HR 0.72")
    record = {
        "id": "T1", "text": TEXT, "total_randomized": 353,
        "effect_estimates": [{"measure": "hazard_ratio", "value": 0.72, "ci_lower": 0.61, "ci_upper": 0.85, "ci_level": 95,
                              "p_relation": "<", "p_value": 0.001, "outcome": "survival", "span": [start, start + 10]}],
        "arm_sizes": [{"label": "X", "n": 177, "span": [TEXT.index("177"), TEXT.index("177") + 3]},
                      {"label": "Y", "n": 176, "span": [TEXT.index("176"), TEXT.index("176") + 3]}],
    }
    record.update(changes)
    return record


def test_all_found(tmp_path: Path) -> None:
    report = evaluate(_gold(tmp_path, [_record()]))
    whole = report.fields["estimates (whole tuple)"]
    assert (whole.tp, whole.fp, whole.fn, whole.precision, whole.recall) == (1, 0, 0, 1.0, 1.0)
    assert report.fields["arm sizes"].tp == 2 and report.total_exact == 1
    assert json.loads(report.to_json())["fields"]["estimates.p"]["tp"] == 1
    assert "estimates (whole tuple)" in report.to_text()


def test_a_wrong_bound_is_a_miss_and_a_false_positive(tmp_path: Path) -> None:
    record = _record()
    record["effect_estimates"][0]["ci_upper"] = 0.86
    report = evaluate(_gold(tmp_path, [record]))
    whole = report.fields["estimates (whole tuple)"]
    assert (whole.tp, whole.fp, whole.fn) == (0, 1, 1)
    assert report.fields["estimates.ci_lower"].tp == 1 and report.fields["estimates.ci_upper"].fn == 1
    assert [m["field"] for m in report.misses] == ["estimate"] and report.false_positives[0]["text"].startswith("HR 0.72")


def test_no_estimate_abstracts_are_counted(tmp_path: Path) -> None:
    report = evaluate(_gold(tmp_path, [{"id": "T2", "text": "Response rates were 61% vs 20% (P<0.001).", "effect_estimates": [],
                                        "arm_sizes": [], "total_randomized": None}]))
    assert (report.no_estimate_abstracts, report.no_estimate_clean) == (1, 1)


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("{not json", "line 1"),
        (json.dumps(_record(effect_estimates=[{"measure": "hazard_ratio", "value": "x", "span": [0, 1]}])), "line 1.effect_estimates.0.value"),
        (json.dumps(_record(effect_estimates=[{"measure": "hazard_ratio", "value": 1, "span": [0, 10_000]}])), "line 1.effect_estimates.0.span"),
        (json.dumps(_record(arm_sizes=[{"n": 3, "span": [5, 2]}])), "line 1.arm_sizes.0.span"),
        (json.dumps(_record(effect_estimates=[{"measure": "relative_odds", "value": 1, "span": [0, 1]}])), "line 1.effect_estimates.0.measure"),
    ],
)
def test_bad_gold_names_file_line_and_field(tmp_path: Path, line: str, where: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        list(read_gold(path))
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_dev_gold_parses_and_runs() -> None:
    path = shared_path("extraction", "dev.jsonl")
    report = evaluate(path)
    assert report.abstracts == len(list(read_gold(path)))
    assert report.fields["estimates (whole tuple)"].tp + report.fields["estimates (whole tuple)"].fn > 0
