"""No registry figure dropped without a note: every number of a ClinicalTrials.gov record is in the graph or counted as skipped.

For each study, the numbers of its outcome values (value, spread, lower and upper limit), its
statistical analyses (estimate, CI bounds, dispersion value, p-value) and its adverse-event
tables (participants affected and at risk, events, per-group totals, all-cause mortality) are
counted from the file by a reading independent of the importer (plain ``json`` and
``xml.etree``). That count must equal the numbers the study's graph holds plus the numbers its
report counts as skipped (``StudyReport.values_skipped``, each behind a skipped message), exactly.

Over every shared fixture (../shared/fixtures/clinicaltrials/*/*), the project's own test data
(tests/data/ctgov) and synthetic records written here. Not counted: denominators (participants
analysed, kept as each value's n), CI levels and the adverse-event frequency threshold, which are
settings of a figure rather than figures.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ingest.ctgov import read_ctgov
from ingest.ctgov.common import StudyReport
from kb.ingestion import load_documents
from kb.models import FindingsDocument
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from tests.conftest import DATA_DIR, FIXED_TIME, shared_files
from tests.unit.test_ctgov_groups import examplimab_study

_NUMBER = re.compile(r"^\s*(?:<=|>=|≤|≥|<|>|=)?\s*[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")

# The graph's predicates that hold a registry number, one triple per number.
_GRAPH_NUMBERS = """
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
SELECT (COUNT(*) AS ?n) WHERE {
  VALUES ?p { tekb:value tekb:dispersionValue tekb:dispersionLower tekb:dispersionUpper tekb:ciLower tekb:ciUpper
              tekb:estimate tekb:pValue tekb:nAffected tekb:nAtRisk }
  GRAPH ?g { ?s ?p ?o }
}
"""


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    return bool(_NUMBER.match(str(value)))


def _count(item: dict[str, Any] | ET.Element, keys: tuple[str, ...]) -> int:
    return sum(1 for key in keys if _is_number(item.get(key)))


# --- counting the numbers of a record, independently of the importer ----------------------------------


def numbers_in_v2(study: dict[str, Any]) -> dict[str, int]:
    """The numbers of a v2 study's outcome values, analyses and adverse-event tables."""
    results = study.get("resultsSection") or {}
    counts = {"values": 0, "analyses": 0, "adverse events": 0}
    for measure in (results.get("outcomeMeasuresModule") or {}).get("outcomeMeasures") or []:
        for klass in measure.get("classes") or []:
            for category in klass.get("categories") or []:
                for item in category.get("measurements") or []:
                    counts["values"] += _count(item, ("value", "spread", "lowerLimit", "upperLimit"))
        for analysis in measure.get("analyses") or []:
            counts["analyses"] += _count(analysis, ("paramValue", "ciLowerLimit", "ciUpperLimit", "dispersionValue", "pValue"))
    module = results.get("adverseEventsModule") or {}
    for group in module.get("eventGroups") or []:
        counts["adverse events"] += _count(group, ("deathsNumAffected", "deathsNumAtRisk", "seriousNumAffected", "seriousNumAtRisk",
                                                   "otherNumAffected", "otherNumAtRisk"))
    for table in ("seriousEvents", "otherEvents"):
        for event in module.get(table) or []:
            for item in event.get("stats") or []:
                counts["adverse events"] += _count(item, ("numAffected", "numAtRisk", "numEvents"))
    return counts


def numbers_in_xml(root: ET.Element) -> dict[str, int]:
    """The numbers of a legacy ``clinical_study``'s outcome values, analyses and adverse-event tables (totals rows too)."""
    counts = {"values": 0, "analyses": 0, "adverse events": 0}
    for outcome in root.findall("clinical_results/outcome_list/outcome"):
        for measurement in outcome.iter("measurement"):
            counts["values"] += _count(measurement, ("value", "spread", "lower_limit", "upper_limit"))
        for analysis in outcome.findall("analysis_list/analysis"):
            texts = {tag: analysis.findtext(tag) for tag in ("param_value", "ci_lower_limit", "ci_upper_limit", "dispersion_value", "p_value")}
            counts["analyses"] += _count(texts, tuple(texts))
    reported = root.find("clinical_results/reported_events")
    if reported is not None:
        for table in ("serious_events", "other_events"):
            for item in reported.findall(f"{table}/category_list/category/event_list/event/counts"):
                counts["adverse events"] += _count(item, ("subjects_affected", "subjects_at_risk", "events"))
        mortality = reported.find("all_cause_mortality")
        if mortality is None:
            mortality = reported.find("deaths")
        if mortality is not None:
            for item in mortality.iter("counts"):
                counts["adverse events"] += _count(item, ("subjects_affected", "subjects_at_risk"))
    return counts


def numbers_in_file(path: Path) -> list[dict[str, int]]:
    """Per study of the file, in the order the importer reads them."""
    if path.suffix == ".xml":
        root = ET.parse(path).getroot()
        studies = [root] if root.tag == "clinical_study" else root.findall("clinical_study")
        return [numbers_in_xml(study) for study in studies]
    data = json.loads(path.read_text(encoding="utf-8"))
    studies = data["studies"] if isinstance(data, dict) and "studies" in data and "protocolSection" not in data else data
    return [numbers_in_v2(study) for study in (studies if isinstance(studies, list) else [studies])]


# --- the numbers the mapping kept ------------------------------------------------------------------------


def numbers_in_document(document: FindingsDocument) -> int:
    """The registry numbers a findings document holds (before the graph)."""
    total = 0
    for result in document.outcome_results:
        for m in result.measurements:
            total += sum(v is not None for v in (m.value, m.ci_lower, m.ci_upper, m.dispersion_value, m.dispersion_lower, m.dispersion_upper))
        for c in result.comparisons:
            total += sum(v is not None for v in (c.estimate, c.ci_lower, c.ci_upper, c.dispersion_value, c.p_value))
    for event in document.adverse_events:
        total += sum((a.n_affected is not None) + (a.n_at_risk is not None) for a in event.arms)
    return total


def numbers_in_graph(document: FindingsDocument) -> int:
    """The registry numbers the document's graph holds, loaded as the KB loads it."""
    store = KBStore.memory()
    report = load_documents(store, [(document.source.id, document)], iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    [row] = list(store.select(_GRAPH_NUMBERS).dicts())
    return int(row["n"].value)


def account(path: Path) -> list[tuple[str, int, int, int]]:
    """Per study: (NCT, numbers in the record, in the graph, counted as skipped); asserts each adds up."""
    expected = numbers_in_file(path)
    studies: list[tuple[FindingsDocument | None, StudyReport]] = list(read_ctgov(path))
    assert len(studies) == len(expected), f"{path.name}: {len(studies)} studies read, {len(expected)} in the file"
    figures = []
    for (document, report), counts in zip(studies, expected):
        in_record = sum(counts.values())
        if document is None:
            # A study that gives no document fails whole, with its error: nothing of it is in the graph.
            assert report.error, f"{path.name}: a study gave no document and no error"
            figures.append((report.nct or "?", in_record, 0, in_record))
            continue
        in_graph = numbers_in_graph(document)
        assert numbers_in_document(document) == in_graph, f"{path.name} {report.nct}: the graph lost numbers the document held"
        if report.values_skipped:
            assert report.skipped, f"{path.name} {report.nct}: numbers counted as skipped without a message"
        assert in_record == in_graph + report.values_skipped, (
            f"{path.name} {report.nct}: {in_record} numbers in the record ({counts}) but {in_graph} in the graph "
            f"+ {report.values_skipped} noted as skipped; messages: {report.skipped}"
        )
        figures.append((report.nct or "?", in_record, in_graph, report.values_skipped))
    return figures


# --- synthetic records -----------------------------------------------------------------------------------


def awkward_study() -> dict[str, Any]:
    """A synthetic v2 study with every way a number can be left out, each of which must be counted."""
    groups = [{"id": "OG000", "title": "Drug X 10 mg"}, {"id": "OG001", "title": "Placebo"}]
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09100002", "briefTitle": "A Synthetic Study With Awkward Results"},
            "armsInterventionsModule": {
                "armGroups": [{"label": "Drug X 10 mg", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Drug X"]},
                              {"label": "Placebo", "type": "PLACEBO_COMPARATOR", "interventionNames": ["Drug: Placebo"]}],
                "interventions": [{"type": "DRUG", "name": "Drug X"}, {"type": "DRUG", "name": "Placebo"}],
            },
        },
        "resultsSection": {
            "outcomeMeasuresModule": {"outcomeMeasures": [
                {"title": "Score A", "paramType": "MEAN", "unitOfMeasure": "points", "groups": groups,
                 # a spread without a dispersion type; a value '<0.5'; a group the outcome does not list
                 "classes": [{"categories": [{"measurements": [
                     {"groupId": "OG000", "value": "4.2", "spread": "1.1"}, {"groupId": "OG001", "value": "<0.5"},
                     {"groupId": "OG009", "value": "3.0", "lowerLimit": "2.0", "upperLimit": "4.0"}]}]}],
                 "analyses": [
                     # an estimate without its type, with a CI; a dispersion value without an estimate
                     {"groupIds": ["OG000", "OG001"], "paramValue": "1.5", "ciLowerLimit": "0.5", "ciUpperLimit": "2.5",
                      "dispersionType": "STANDARD_DEVIATION", "dispersionValue": "0.3", "pValue": ">= 0.05"},
                     # a ratio that cannot be (negative), with its CI; a p-value above 1
                     {"groupIds": ["OG000", "OG001"], "paramType": "Hazard Ratio (HR)", "paramValue": "-0.8",
                      "ciLowerLimit": "-1.0", "ciUpperLimit": "0.6", "pValue": "1.7"},
                     # a group the outcome does not list; one group only
                     {"groupIds": ["OG000", "OG007"], "paramType": "Mean Difference", "paramValue": "2.0", "pValue": "0.2"},
                     {"groupIds": ["OG000"], "paramType": "Mean", "paramValue": "4.2"},
                 ]},
                {"title": "Score B", "unitOfMeasure": "points", "groups": groups,  # no parameter type
                 "classes": [{"categories": [{"measurements": [{"groupId": "OG000", "value": "1"}, {"groupId": "OG001", "value": "2"}]}]}]},
                {"title": "", "paramType": "MEAN", "groups": groups,  # no title
                 "classes": [{"categories": [{"measurements": [{"groupId": "OG000", "value": "1"}]}]}],
                 "analyses": [{"groupIds": ["OG000", "OG001"], "pValue": "0.04"}]},
                {"title": "Score C", "paramType": "MEDIAN", "dispersionType": "95% Confidence Interval", "unitOfMeasure": "months",
                 "groups": groups,
                 # a value outside its own interval; a full range given for a CI measure
                 "classes": [{"categories": [{"measurements": [
                     {"groupId": "OG000", "value": "9.0", "lowerLimit": "10.0", "upperLimit": "12.0"},
                     {"groupId": "OG001", "value": "NA", "lowerLimit": "3.0", "upperLimit": "NA", "comment": "not estimable"}]}]}]},
            ]},
            "adverseEventsModule": {
                "frequencyThreshold": "5",
                "eventGroups": [
                    {"id": "EG000", "title": "Drug X 10 mg", "deathsNumAtRisk": 20, "seriousNumAffected": 1, "seriousNumAtRisk": 20},
                    {"id": "EG001", "title": "Placebo", "deathsNumAffected": 0, "deathsNumAtRisk": 21},
                ],
                "seriousEvents": [
                    {"term": "Pneumonia", "stats": [{"groupId": "EG000", "numEvents": 2, "numAffected": 1, "numAtRisk": 20},
                                                    {"groupId": "EG001", "numAffected": 30, "numAtRisk": 21},
                                                    {"groupId": "EG005", "numAffected": 1, "numAtRisk": 9}]},
                    {"term": "", "stats": [{"groupId": "EG000", "numAffected": 1, "numAtRisk": 20}]},
                ],
                "otherEvents": [{"term": "Headache", "stats": [{"groupId": "EG000", "numAffected": "2.5", "numAtRisk": 20},
                                                               {"groupId": "EG001", "numAffected": 3, "numAtRisk": "-1"}]}],
            },
        },
    }


@pytest.fixture
def synthetic(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name, study in (("examplimab", examplimab_study()), ("awkward", awkward_study())):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(study), encoding="utf-8")
        files[name] = path
    return files


@pytest.mark.parametrize("path", shared_files("fixtures/clinicaltrials", "*/*"))
def test_every_number_of_a_shared_fixture_is_in_the_graph_or_noted(path: Path) -> None:
    assert account(path)


@pytest.mark.parametrize("name", ["na_values_v2.json", "legacy_study.xml", "studies_page.json", "withdrawn_v2.json"])
def test_every_number_of_the_project_test_data_is_in_the_graph_or_noted(name: str) -> None:
    assert account(DATA_DIR / "ctgov" / name)


def test_the_fas_ss_abbreviation_record_keeps_every_analysis(synthetic: dict[str, Path]) -> None:
    [(nct, in_record, in_graph, skipped)] = account(synthetic["examplimab"])
    # Only the three-group analysis's p-value and the event counts the model has no field for
    # (6 numEvents, 12 serious/other group totals) are left out, each with a message.
    assert (nct, in_record, skipped) == ("NCT09100001", in_graph + 19, 19)


def test_every_way_of_leaving_a_number_out_is_counted(synthetic: dict[str, Path]) -> None:
    [(nct, in_record, in_graph, skipped)] = account(synthetic["awkward"])
    assert nct == "NCT09100002" and skipped > 0 and in_record == in_graph + skipped
