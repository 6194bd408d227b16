"""The benchmark's reading of issue 10's targets (benchmarks/targets.py): classification and verdicts."""

from __future__ import annotations

from typing import Any

from benchmarks.targets import evaluate


def _case(case_id: str, template: str, rows: int, median_ms: float) -> dict[str, Any]:
    return {"id": case_id, "template": template, "params": "-", "rows": rows, "median_ms": median_ms,
            "ms_per_row": median_ms / rows if rows else None, "error": None}


def _report() -> dict[str, Any]:
    small, large = "small", "large"
    return {
        "ingest": {
            small: {"ratios": {"ingest_over_bulk_load": 1.8}, "pubmed": {"maxrss_mib": 200.0}, "findings": {"maxrss_mib": 150.0}},
            large: {"ratios": {"ingest_over_bulk_load": 2.6}, "pubmed": {"maxrss_mib": 280.0}, "findings": {"maxrss_mib": 320.0}},
        },
        "templates": {
            small: [_case("pub", "publication", 20, 6.0), _case("grow", "outcome_results", 100, 10.0),
                    _case("stats", "stats", 1, 5.0), _case("broken", "drafts", 10, 1.0)],
            large: [_case("pub", "publication", 26, 12.0), _case("grow", "outcome_results", 1000, 150.0),
                    _case("stats", "stats", 1, 30.0), {**_case("broken", "drafts", 0, 0.0), "error": "timeout"}],
        },
        "startup": {"kb query trial_reports": {"median_s": 0.45}},
    }


def _verdicts() -> dict[tuple[str, str], bool | None]:
    return {(row["target"], row["case"].split()[0]): row["met"] for row in evaluate(_report())}


def test_ingest_ratio_and_peak_rss() -> None:
    verdicts = _verdicts()
    assert verdicts[("ingest / Store.bulk_load of the same quads", "small")] is True
    assert verdicts[("ingest / Store.bulk_load of the same quads", "large")] is False
    # 320 / 200 MiB = 1.6x the smaller run's peak
    assert verdicts[("ingest peak RSS, larger / smaller", "320")] is False


def test_a_case_whose_rows_hardly_grow_is_bounded_and_judged_by_its_time() -> None:
    verdicts = _verdicts()
    assert verdicts[("bounded template: median ms at the larger size", "publication")] is False  # 12 ms
    assert verdicts[("bounded template: larger / smaller median", "publication")] is False  # 2x
    assert ("growing template: ms a row at the larger size", "publication") not in verdicts


def test_a_growing_case_is_judged_per_row() -> None:
    verdicts = _verdicts()
    assert verdicts[("growing template: ms a row at the larger size", "outcome_results")] is True  # 0.15 ms a row
    assert verdicts[("growing template: larger / smaller ms a row", "outcome_results")] is True  # 1.5x


def test_stats_startup_and_errors() -> None:
    verdicts = _verdicts()
    assert verdicts[("stats (ms, larger size)", "stats")] is True
    assert verdicts[("kb query of a bounded template, whole process", "trial_reports")] is True
    assert not any(case == "drafts" for _, case in verdicts)  # a case that failed is not judged
