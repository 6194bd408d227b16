"""The benchmark's reading of issue 10's targets (benchmarks/targets.py): classification and verdicts."""

from __future__ import annotations

from typing import Any

from benchmarks.targets import evaluate


def _case(case_id: str, template: str, rows: int, median_ms: float, params: str = "-") -> dict[str, Any]:
    return {"id": case_id, "template": template, "params": params, "rows": rows, "median_ms": median_ms,
            "ms_per_row": median_ms / rows if rows else None, "error": None}


def _report() -> dict[str, Any]:
    small, large = "small", "large"
    return {
        "ingest": {
            small: {"ratios": {"ingest_over_bulk_load": 1.8}, "pubmed": {"maxrss_mib": 200.0}, "findings": {"maxrss_mib": 150.0}},
            large: {"ratios": {"ingest_over_bulk_load": 2.6}, "pubmed": {"maxrss_mib": 280.0}, "findings": {"maxrss_mib": 320.0}},
        },
        "templates": {
            small: [_case("pub", "publication", 20, 6.0, "doi=a"), _case("grow", "outcome_results", 100, 10.0),
                    _case("stats", "stats", 1, 5.0), _case("broken", "drafts", 10, 1.0),
                    _case("paper", "publication", 9, 4.9, "doi=b"), _case("status", "findings_by_status", 6, 3.4),
                    _case("trial", "trial_reports", 5, 1.0), _case("flags", "retracted_findings", 0, 2.0)],
            large: [_case("pub", "publication", 26, 12.0, "doi=a"), _case("grow", "outcome_results", 1000, 150.0),
                    _case("stats", "stats", 1, 30.0), {**_case("broken", "drafts", 0, 0.0), "error": "timeout"},
                    _case("paper", "publication", 26, 7.9, "doi=b"), _case("status", "findings_by_status", 6, 60.0),
                    _case("trial", "trial_reports", 36, 4.0), _case("flags", "retracted_findings", 0, 2.2)],
        },
        "startup": {"kb query trial_reports": {"median_s": 0.45}},
    }


def _verdicts() -> dict[tuple[str, str], bool | None]:
    return {(row["target"], row["case"]): row["met"] for row in evaluate(_report())}


def _figures() -> dict[tuple[str, str], float | None]:
    return {(row["target"], row["case"]): row["figure"] for row in evaluate(_report())}


BOUNDED_MS = "bounded template: median ms at the larger size"
BOUNDED_RATIO = "bounded template: larger / smaller median"
GROWING_MS = "growing template: ms a row at the larger size"
GROWING_RATIO = "growing template: larger / smaller ms a row"
COUNT = "count over the whole KB, as stats (ms, larger size)"


def test_ingest_ratio_and_peak_rss() -> None:
    verdicts = _verdicts()
    assert verdicts[("ingest / Store.bulk_load of the same quads", "small")] is True
    assert verdicts[("ingest / Store.bulk_load of the same quads", "large")] is False
    # 320 / 200 MiB = 1.6x the smaller run's peak
    assert verdicts[("ingest peak RSS, larger / smaller", "320 / 200 MiB")] is False


def test_a_case_whose_rows_hardly_grow_is_bounded_and_judged_by_its_time() -> None:
    verdicts = _verdicts()
    assert verdicts[(BOUNDED_MS, "retracted_findings -")] is True  # 2.2 ms
    assert verdicts[(BOUNDED_RATIO, "retracted_findings -")] is True  # 1.1x
    assert not any(target.startswith("growing") and case.startswith("retracted_findings") for target, case in verdicts)


def test_one_record_is_bounded_and_compared_per_row_when_the_synthetic_record_differs() -> None:
    verdicts, figures = _verdicts(), _figures()
    # 12 ms at the larger size: over 10 ms, whatever its rows.
    assert verdicts[(BOUNDED_MS, "publication doi=a")] is False
    # The same DOI names a 9-author paper in the small corpus and a 26-author one in the large:
    # still one record, its time compared per row (7.9 / 4.9 ms over 26 / 9 rows = 0.56x).
    assert verdicts[(BOUNDED_MS, "publication doi=b")] is True
    assert round(figures[(BOUNDED_RATIO, "publication doi=b (per row)")] or 0, 2) == 0.56
    assert verdicts[(BOUNDED_RATIO, "publication doi=b (per row)")] is True
    assert not any(target.startswith("growing") and case.startswith("publication") for target, case in verdicts)


def test_a_growing_case_is_judged_per_row() -> None:
    verdicts = _verdicts()
    assert verdicts[(GROWING_MS, "outcome_results -")] is True  # 0.15 ms a row
    assert verdicts[(GROWING_RATIO, "outcome_results -")] is True  # 1.5x
    # One trial whose reports multiply with the corpus is a growing answer: 4 ms / 36 rows.
    assert verdicts[(GROWING_MS, "trial_reports -")] is True


def test_whole_kb_counts_are_held_to_the_stats_limit() -> None:
    verdicts = _verdicts()
    assert verdicts[(COUNT, "stats -")] is True  # 30 ms
    assert verdicts[(COUNT, "findings_by_status -")] is False  # 60 ms against 50
    assert not any(target.startswith("bounded") and case.startswith("findings_by_status") for target, case in verdicts)


def test_startup_and_errors() -> None:
    verdicts = _verdicts()
    assert verdicts[("kb query of a bounded template, whole process", "trial_reports")] is True
    assert not any(case.startswith("drafts") for _, case in verdicts)  # a case that failed is not judged
