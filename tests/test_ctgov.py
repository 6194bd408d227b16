"""ClinicalTrials.gov importer: v2 JSON and legacy XML studies to findings documents, loaded and queried.

Values are checked against an independent reading of each file (plain ``json`` and
``xml.etree``), through the query catalogue.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from ingest.ctgov import read_ctgov, study_from_v2
from kb.errors import InputFileError
from kb.ingestion import load_documents
from kb.models import ExtractionMethod, FindingsDocument, SourceKind
from kb.query import adverse_events, run_template
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from tests.conftest import FIXED_TIME, SHARED

DATA = Path(__file__).parent / "data" / "ctgov"
CTGOV = SHARED / "fixtures" / "clinicaltrials"
SHARED_FILES = sorted(CTGOV.glob("*/*")) if CTGOV.is_dir() else []
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


@pytest.mark.skipif(not SHARED_FILES, reason="shared ClinicalTrials.gov fixtures absent")
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_shared_fixture_values_are_queryable(path: Path) -> None:
    _check_against_catalogue(path)


@pytest.mark.parametrize("name", ["na_values_v2.json", "legacy_study.xml", "withdrawn_v2.json"])
def test_own_fixture_values_are_queryable(name: str) -> None:
    _check_against_catalogue(DATA / name)


@pytest.mark.skipif(not (CTGOV / "legacy_xml" / "NCT01029262.xml").exists(), reason="shared ClinicalTrials.gov fixtures absent")
def test_lenalidomide_adverse_events_list_both_groups() -> None:
    path = CTGOV / "legacy_xml" / "NCT01029262.xml"
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


def test_na_values_and_p_bounds() -> None:
    [(document, report)] = list(read_ctgov(DATA / "na_values_v2.json"))
    trial = document.trials[0]
    assert (trial.phase.value, trial.randomized, trial.blinding.value, trial.status.value) == ("2/3", True, "double_blind", "completed")
    assert trial.start_date == "2015-06" and trial.locations == ("Canada", "United States")
    assert [(t.mesh_id, t.name) for t in trial.condition_terms] == [("D000009101", "Multiple Myeloma")]
    assert [(r.pmid, r.type.value if r.type else None) for r in trial.references] == [("18032763", "result"), (None, "background")]
    ttp = document.outcome_results[0]
    hr = ttp.comparisons[0]
    assert (hr.measure.value, hr.estimate, hr.ci_lower, hr.ci_upper, hr.ci_level, hr.p_value, hr.p_relation.value) == ("hazard_ratio", 0.35, 0.27, 0.47, 0.95, 0.001, "<")
    assert hr.reference_arm == "placebo-plus-dexamethasone" and hr.ci_sides.value == "two_sided"
    assert ttp.measurements[0].not_reached and ttp.measurements[0].ci_lower is None  # "NA" upper limit: interval left out
    assert "outcome 'Time to Progression' group OG000: confidence interval '9.5' to 'NA' not numeric" in report.skipped
    assert "outcome 'Time to Progression' analysis 2: estimate 'NA' not numeric" in report.skipped
    assert "outcome 'Overall Response Rate' group OG001: no denominator (participants analysed)" in report.skipped
    assert "other adverse event 'Rash' group EG000: affected 'NA' not a count" in report.skipped
    assert any("Biomarker Level" in s and "NOT_POSTED" in s for s in report.skipped)
    pain = document.outcome_results[2]
    assert [(m.category, m.value, m.dispersion.value if m.dispersion else None, m.dispersion_value) for m in pain.measurements] == [
        ("Week 4", -1.5, "standard_deviation", 2.1), ("Week 4", -0.4, None, None), ("Week 12", -2.5, "standard_deviation", 2.4), ("Week 12", -0.6, "standard_deviation", 2.2)
    ]
    assert pain.comparisons[0].p_value == 0.001 and pain.comparisons[0].dispersion_value == 0.45
    deaths = next(e for e in document.adverse_events if e.all_cause_mortality)
    assert deaths.event == "death" and [(c.n_affected, c.n_at_risk) for c in deaths.arms] == [(12, 60), (20, 60)]
    neutropenia = next(e for e in document.adverse_events if e.event == "Neutropenia")
    assert (neutropenia.serious, neutropenia.organ_system, neutropenia.source_vocabulary, neutropenia.assessment.value) == (
        True, "Blood and lymphatic system disorders", "MedDRA 21.0", "systematic")
    assert document.source.kind is SourceKind.ctgov and document.source.method is ExtractionMethod.registry_import
    assert document.source.id == "ctgov-NCT09000002" and document.source.registry_record.url == "https://clinicaltrials.gov/study/NCT09000002"


def test_withdrawn_study_imports_its_design() -> None:
    [(document, report)] = list(read_ctgov(DATA / "withdrawn_v2.json"))
    trial = document.trials[0]
    assert trial.status.value == "withdrawn" and trial.enrollment == 0 and trial.start_date == "2021-03"
    assert not document.outcome_results and not document.adverse_events
    assert report.notes == ["withdrawn study (no participants enrolled)", "no results section: design only"]
    assert trial.arms[0].interventions[0].drug == "Lenalidomide"


def test_studies_page_one_bad_study_does_not_stop_the_others() -> None:
    results = list(read_ctgov(DATA / "studies_page.json"))
    assert [r.nct for _, r in results] == ["NCT09000003", "NCT09000004", None]
    assert [d.source.id for d, _ in results if d] == ["ctgov-NCT09000003", "ctgov-NCT09000004"]
    assert "NCT123" in results[2][1].error and results[2][1].origin == "studies_page.json studies[2]"


def test_legacy_xml_maps_like_v2() -> None:
    [(document, report)] = list(read_ctgov(DATA / "legacy_study.xml"))
    trial = document.trials[0]
    assert (trial.phase.value, trial.blinding.value, trial.status.value, trial.intervention_model.value) == ("2/3", "triple_blind", "active_not_recruiting", "parallel")
    assert (trial.start_date, trial.primary_completion_date, trial.secondary_ids, trial.acronym) == ("2010-03-02", "2013-05", ("SYN-2010-01",), "SYN-5")
    # Results groups 'Placebo'/'Thalidomide' match the arm groups by their interventions.
    assert [(a.key, a.registry_group_ids) for a in trial.arms] == [("arm-a-thalidomide", ("E2", "O2")), ("arm-b-placebo", ("E1", "O1"))]
    hr = document.outcome_results[0].comparisons[0]
    assert (hr.arm, hr.reference_arm, hr.estimate, hr.p_value, hr.p_relation.value, hr.ci_sides.value) == ("arm-a-thalidomide", "arm-b-placebo", 0.52, 0.001, "<", "two_sided")
    [event] = document.adverse_events
    assert (event.event, event.source_vocabulary, event.assessment.value) == ("Peripheral neuropathy", "MedDRA (16.1)", "systematic")


def test_entity_declarations_are_refused() -> None:
    with pytest.raises(InputFileError, match="declares entities"):
        list(read_ctgov(DATA / "entities.xml"))


def test_study_from_v2_reports_a_missing_nct() -> None:
    document, report = study_from_v2({"protocolSection": {}}, "response")
    assert document is None and "nctId" in report.error


def test_registry_and_paper_arms_line_up() -> None:
    """A publication's findings file naming the same NCT shares the trial node and, by registry_group, the arms."""
    [(registry, _)] = list(read_ctgov(DATA / "na_values_v2.json"))
    paper = FindingsDocument.model_validate({
        "source": {"id": "paper-syn-2", "publication": {"title": "Synthetic report of SYN-2"}},
        "trials": [{"key": "syn2", "registry_ids": ["NCT09000002"], "arms": [
            {"key": "len-dex", "label": "Len/Dex", "registry_group": "Lenalidomide plus dexamethasone",
             "interventions": [{"drug": "lenalidomide"}, {"drug": "dexamethasone"}]},
            {"key": "pbo-dex", "label": "Pbo/Dex", "registry_group": "Placebo plus dexamethasone", "interventions": [{"placebo": True}, {"drug": "dexamethasone"}]},
        ]}],
        "outcome_results": [{"key": "ttp", "trial": "syn2", "outcome": "Time to Progression", "measurements": [
            {"arm": "pbo-dex", "statistic": "median", "value": 4.8, "unit": "month"}]}],
    })
    rows = run_template(_store([registry, paper]), "registry_results", {"trial": "NCT09000002"})
    placebo = [(r.source, r.arm, r.value) for r in rows if r.registry_group == "Placebo plus dexamethasone" and r.kind == "measurement" and r.category is None and r.value in (4.7, 4.8)]
    assert sorted(placebo) == [("ctgov-NCT09000002", "Placebo plus dexamethasone", 4.7), ("paper-syn-2", "Pbo/Dex", 4.8)]
