"""ClinicalTrials.gov importer: v2 JSON and legacy XML studies to findings documents, loaded and queried.

Values are checked against an independent reading of each file (plain ``json`` and
``xml.etree``), through the query catalogue: own fixtures (tests/data/ctgov) and the shared ones
(../shared/fixtures/clinicaltrials).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from ingest.ctgov import read_ctgov
from kb.ingestion import load_documents
from kb.models import FindingsDocument
from kb.query import adverse_events, run_template
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from tests.conftest import DATA_DIR, FIXED_TIME, shared_files, shared_path

DATA = DATA_DIR / "ctgov"
RATIOS = ("hazard ratio", "odds ratio", "risk ratio", "relative risk", "cox proportional hazard")


def _store(documents: list[FindingsDocument]) -> KBStore:
    store = KBStore.memory()
    report = load_documents(store, [(d.source.id, d) for d in documents], iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    return store


def _number(text: object) -> float | None:
    try:
        return round(float(str(text).replace(",", "")), 6)
    except (TypeError, ValueError):
        return None


def _p(text: object) -> float | None:
    match = re.fullmatch(r"\s*(?:<=|<|=|>)?\s*(\d*\.?\d+)\s*", str(text or ""))
    return round(float(match.group(1)), 6) if match and float(match.group(1)) <= 1 else None


# --- an independent reading of each format: outcome -> values, analyses; events -> counts ----------------


def _expected_v2(path: Path) -> dict:
    study = json.loads(path.read_text(encoding="utf-8"))
    results = study.get("resultsSection") or {}
    expected = {"nct": study["protocolSection"]["identificationModule"]["nctId"], "values": Counter(), "analyses": [], "events": Counter(), "has_results": bool(results)}
    for measure in (results.get("outcomeMeasuresModule") or {}).get("outcomeMeasures", []):
        title = measure["title"].casefold()
        top = {c["groupId"]: c["value"] for d in measure.get("denoms", [])[:1] for c in d["counts"]}
        for klass in measure.get("classes", []):
            denoms = {c["groupId"]: c["value"] for d in klass.get("denoms", [])[:1] for c in d["counts"]} or top
            for category in klass.get("categories", []):
                for m in category.get("measurements", []):
                    if _number(m.get("value")) is not None:
                        expected["values"][(title, _number(m["value"]), _number(denoms.get(m["groupId"])))] += 1
        for a in measure.get("analyses", []):
            expected["analyses"].append((title, a.get("paramType"), a.get("paramValue"), a.get("ciLowerLimit"), a.get("ciUpperLimit"), a.get("pValue")))
    module = results.get("adverseEventsModule") or {}
    for serious, table in ((True, "seriousEvents"), (False, "otherEvents")):
        for event in module.get(table, []):
            for s in event["stats"]:
                expected["events"][(serious, _number(s.get("numAffected")), _number(s.get("numAtRisk")))] += 1
    for group in module.get("eventGroups", []):
        if group.get("deathsNumAffected") is not None:
            expected["events"][(None, _number(group["deathsNumAffected"]), _number(group.get("deathsNumAtRisk")))] += 1
    return expected


def _expected_xml(path: Path) -> dict:
    root = ET.parse(path).getroot()
    expected = {"nct": root.findtext("id_info/nct_id"), "values": Counter(), "analyses": [], "events": Counter(), "has_results": root.find("clinical_results") is not None}
    for outcome in root.findall("clinical_results/outcome_list/outcome"):
        title = " ".join(outcome.findtext("title").split()).casefold()
        measure = outcome.find("measure")
        if measure is None:  # results not posted yet (posting_date): nothing to import
            continue
        top = {c.get("group_id"): c.get("value") for c in measure.findall("analyzed_list/analyzed[1]/count_list/count")}
        for klass in measure.findall("class_list/class"):
            denoms = {c.get("group_id"): c.get("value") for c in klass.findall("analyzed_list/analyzed[1]/count_list/count")} or top
            for m in klass.iter("measurement"):
                if _number(m.get("value")) is not None and measure.findtext("param"):
                    expected["values"][(title, _number(m.get("value")), _number(denoms.get(m.get("group_id"))))] += 1
        for a in outcome.findall("analysis_list/analysis"):
            expected["analyses"].append((title, a.findtext("param_type"), a.findtext("param_value"), a.findtext("ci_lower_limit"), a.findtext("ci_upper_limit"), a.findtext("p_value")))
    for serious, table in ((True, "serious_events"), (False, "other_events")):
        for category in root.findall(f"clinical_results/reported_events/{table}/category_list/category"):
            if category.findtext("title") == "Total":
                continue
            for counts in category.iter("counts"):
                expected["events"][(serious, _number(counts.get("subjects_affected")), _number(counts.get("subjects_at_risk")))] += 1
    return expected


def _expected(path: Path) -> dict:
    return _expected_xml(path) if path.suffix == ".xml" else _expected_v2(path)


def _check_against_catalogue(path: Path) -> None:
    [(document, report)] = list(read_ctgov(path))
    assert document is not None, report.error
    expected = _expected(path)
    store = _store([document])
    rows = run_template(store, "registry_results", {"trial": expected["nct"]})
    got_values = Counter(
        (r.outcome.casefold(), _number(r.value), _number(r.n)) for r in rows if r.kind == "measurement" and r.value is not None
    )
    # Titles that resolve through the vocabulary show its label: compare those by value only.
    for (title, value, n), count in expected["values"].items():
        matches = sum(c for (t, v, m), c in got_values.items() if v == value and m == n and (t == title or t not in {k[0] for k in expected["values"]}))
        assert matches >= count, f"{path.name}: {title!r} value {value} (n={n}) not in the catalogue"
    assert sum(got_values.values()) == sum(expected["values"].values())

    comparisons = {(_number(r.value), _number(r.ci_lower), _number(r.ci_upper), _number(r.p_value)) for r in rows if r.kind == "comparison"}
    imported = 0
    for title, param, value, lower, upper, p in expected["analyses"]:
        estimate = _number(value) if param else None
        if estimate is not None and any(k in param.casefold() for k in RATIOS) and "log" not in param.casefold() and estimate <= 0:
            estimate = None  # a ratio must be positive: the report says it was left out
            assert any("estimate left out" in s for s in report.skipped)
        low, high = (_number(lower), _number(upper)) if estimate is not None else (None, None)
        if low is None or high is None:
            low = high = None
        if estimate is None and _p(p) is None:
            continue
        imported += 1
        assert (estimate, low, high, _p(p)) in comparisons, f"{path.name}: analysis of {title!r} ({param} {value}, p {p}) not in the catalogue"
    assert imported == sum(1 for r in rows if r.kind == "comparison")

    source = f"ctgov-{expected['nct']}"
    events = Counter(
        (r.serious, _number(r.n_affected), _number(r.n_at_risk)) for r in run_template(store, "adverse_event_table", {}) if r.source == source
    )
    assert events == Counter({k: c for k, c in expected["events"].items() if k[1] is not None})
    if not expected["has_results"]:
        assert not rows and not events and "no results section: design only" in report.notes
        assert document.trials[0].arms and not document.outcome_results


@pytest.mark.parametrize("path", shared_files("fixtures/clinicaltrials", "*/*"))
def test_shared_fixture_values_are_queryable(path: Path) -> None:
    _check_against_catalogue(path)


@pytest.mark.parametrize("name", ["na_values_v2.json", "legacy_study.xml", "withdrawn_v2.json"])
def test_own_fixture_values_are_queryable(name: str) -> None:
    _check_against_catalogue(DATA / name)


def test_lenalidomide_adverse_events_list_both_groups() -> None:
    path = shared_path("fixtures", "clinicaltrials", "legacy_xml", "NCT01029262.xml")
    root = ET.parse(path).getroot()
    groups = {g.get("group_id"): g.findtext("title") for g in root.findall("clinical_results/reported_events/group_list/group")}
    drug_group = next(gid for gid, title in groups.items() if "lenalidomide" in title.casefold())
    [other_group] = set(groups) - {drug_group}
    expected = Counter()
    for table in ("serious_events", "other_events"):
        for category in root.findall(f"clinical_results/reported_events/{table}/category_list/category"):
            if category.findtext("title") == "Total":
                continue
            for event in category.iter("event"):
                counts = {c.get("group_id"): (int(c.get("subjects_affected")), int(c.get("subjects_at_risk"))) for c in event.iter("counts")}
                expected[counts[drug_group] + counts[other_group]] += 1
    [(document, _)] = list(read_ctgov(path))
    rows = adverse_events(_store([document]), drug="lenalidomide")
    got = Counter((r.n_affected, r.n_at_risk, r.comparator_n_affected, r.comparator_n_at_risk) for r in rows)
    assert got == expected and len(rows) == sum(expected.values()) > 100
    assert {r.trial for r in rows} == {"MDS-005"} and all(r.percent is not None and r.comparator_percent is not None for r in rows)
