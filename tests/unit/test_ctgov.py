"""ClinicalTrials.gov importer: v2 JSON and legacy XML studies to findings documents, loaded and queried.

Focused checks on own fixtures (tests/data/ctgov); the check of every value against an
independent reading of each file, through the query catalogue, is in tests/integration/test_ctgov.py.
"""

from __future__ import annotations

import pytest

from ingest.ctgov import read_ctgov, study_from_v2
from kb.errors import InputFileError
from kb.ingestion import load_documents
from kb.models import ExtractionMethod, FindingsDocument, SourceKind
from kb.query import run_template
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from tests.conftest import DATA_DIR, FIXED_TIME

DATA = DATA_DIR / "ctgov"


def _store(documents: list[FindingsDocument]) -> KBStore:
    store = KBStore.memory()
    report = load_documents(store, [(d.source.id, d) for d in documents], iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    return store


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
