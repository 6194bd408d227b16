"""Issue 10's targets, read off a benchmark report: printed as met or missed, never asserted.

A template case is *bounded* when it asks about one record (``ONE_RECORD``: one publication, one
source's or finding's provenance) or when its answer does not grow with the corpus (rows at the
larger size at most 1.5x the smaller's): it must answer in under 10 ms at the larger size and
within 1.5x of its time at the smaller (per row when the record itself differs between the two
corpora: the synthetic paper with the same DOI has 9 authors in one and 26 in the other). Counts
over the whole KB (``WHOLE_KB_COUNTS``) must read all of it, like ``stats``, and are held to
``stats``' limit. Every other case is *growing*: under 0.2 ms a row at the larger size and within
2x a row of the smaller. The synthetic corpus gives its first trial more reports as it grows, so
"one trial" questions are growing answers here, judged per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BOUNDED_ROW_GROWTH = 1.5
BOUNDED_MS = 10.0
BOUNDED_RATIO = 1.5
GROWING_MS_PER_ROW = 0.2
GROWING_RATIO = 2.0
INGEST_OVER_BULK_LOAD = 2.0  # ">= 50% of the store's own bulk-load rate"
RSS_RATIO = 1.5
STATS_MS = 50.0
START_UP_S = 1.0
EXPORT_RATE_RATIO = 1.5  # quads/s at the smaller size over the larger: "linear in the KB"
ONE_RECORD = frozenset({"publication", "provenance"})
WHOLE_KB_COUNTS = frozenset({"stats", "findings_by_status", "unresolved"})


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target and case: ``{"target", "case", "figure", "limit", "met"}``."""
    rows: list[dict[str, Any]] = []

    def add(target: str, case: str, figure: float | None, limit: float, unit: str, *, at_most: bool = True) -> None:
        met = None if figure is None else (figure <= limit if at_most else figure >= limit)
        rows.append({"target": target, "case": case, "figure": figure, "limit": limit, "unit": unit, "met": met})

    sizes = list(report.get("ingest", {}))
    for label in sizes:
        ratio = report["ingest"][label].get("ratios", {}).get("ingest_over_bulk_load")
        add("ingest / Store.bulk_load of the same quads", label, ratio, INGEST_OVER_BULK_LOAD, "x")
    if len(sizes) == 2:
        small, large = (_peak_rss(report["ingest"][s]) for s in sizes)
        add("ingest peak RSS, larger / smaller", f"{large:.0f} / {small:.0f} MiB", large / small if small else None, RSS_RATIO, "x")
    _add_template_rows(report, add)
    exports = report.get("export_by_size", {})
    if len(exports) == 2:
        small_ex, large_ex = (exports[s] for s in exports)
        for fmt in ("nquads", "turtle", "graphml", "kgx"):
            a, b = small_ex.get(fmt, {}).get("triples_per_s"), large_ex.get(fmt, {}).get("triples_per_s")
            add("export linear: quads/s smaller / larger", fmt, a / b if a and b else None, EXPORT_RATE_RATIO, "x")
    start = report.get("startup", {}).get("kb query trial_reports", {}).get("median_s")
    if start is not None:
        add("kb query of a bounded template, whole process", "trial_reports", start, START_UP_S, "s")
    return rows


def _peak_rss(ingest: dict[str, Any]) -> float:
    return max(ingest.get("pubmed", {}).get("maxrss_mib", 0.0), ingest.get("findings", {}).get("maxrss_mib", 0.0))


def _add_template_rows(report: dict[str, Any], add: Callable[..., None]) -> None:
    sizes = list(report.get("templates", {}))
    if not sizes:
        return
    by_size = [{r["id"]: r for r in report["templates"][s] if not r.get("error")} for s in sizes]
    small, large = (by_size[0], by_size[-1]) if len(sizes) == 2 else ({}, by_size[-1])
    for case_id, big in large.items():
        name = f"{big['template']} {big['params']}"
        little = small.get(case_id)
        if big["template"] in WHOLE_KB_COUNTS:
            add("count over the whole KB, as stats (ms, larger size)", name, big["median_ms"], STATS_MS, "ms")
            continue
        rows_grew = little is None or big["rows"] > BOUNDED_ROW_GROWTH * max(little["rows"] or 0, 1)
        if big["template"] in ONE_RECORD or not rows_grew:
            add("bounded template: median ms at the larger size", name, big["median_ms"], BOUNDED_MS, "ms")
            if little and little["median_ms"]:
                ratio = big["median_ms"] / little["median_ms"]
                if rows_grew and little["rows"] and big["rows"]:
                    ratio /= big["rows"] / little["rows"]
                    name += " (per row)"
                add("bounded template: larger / smaller median", name, ratio, BOUNDED_RATIO, "x")
        elif big.get("ms_per_row") is not None:
            add("growing template: ms a row at the larger size", name, big["ms_per_row"], GROWING_MS_PER_ROW, "ms/row")
            if little and little.get("ms_per_row"):
                add("growing template: larger / smaller ms a row", name, big["ms_per_row"] / little["ms_per_row"], GROWING_RATIO, "x")


def print_targets(report: dict[str, Any]) -> None:
    """The targets as a Markdown table, misses first, then a count."""
    rows = evaluate(report)
    if not rows:
        return
    print("\n## Issue 10 targets (from this run)\n")
    print("| target | case | figure | limit | met |")
    print("|---|---|---:|---:|---|")
    order = {False: 0, None: 1, True: 2}
    for row in sorted(rows, key=lambda r: order[r["met"]]):
        figure = "-" if row["figure"] is None else f"{row['figure']:,.3g}"
        verdict = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        print(f"| {row['target']} | {row['case']} | {figure} {row['unit']} | {row['limit']:g} {row['unit']} | {verdict} |")
    print(f"\n{sum(1 for r in rows if r['met'])} of {len(rows)} met.")
