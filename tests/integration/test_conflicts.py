"""The conflicts template: a registry record and a paper that disagree on a trial's figure, built here."""

from __future__ import annotations

from kb import KnowledgeBase
from kb.models import (
    Arm, Comparison, ExtractionMethod, FindingsDocument, OutcomeResult, Publication, RegistryRecord, SourceInfo, SourceKind, Trial,
)

NCT = "NCT01234567"


def _document(source: SourceInfo, estimate: float, lower: float, upper: float) -> FindingsDocument:
    trial = Trial(key="t", registry_ids=(NCT,), arms=(Arm(key="drug", label="Drug X"), Arm(key="placebo", label="Placebo")))
    comparison = Comparison(arm="drug", reference_arm="placebo", measure="hazard_ratio", estimate=estimate, ci_lower=lower, ci_upper=upper)
    result = OutcomeResult(key="os", trial="t", outcome="overall survival", comparisons=(comparison,))
    return FindingsDocument(source=source, trials=(trial,), outcome_results=(result,))


def _registry(estimate: float, lower: float, upper: float) -> FindingsDocument:
    record = RegistryRecord(registry_id=NCT, url=f"https://clinicaltrials.gov/study/{NCT}")
    source = SourceInfo(id="ctgov-test", kind=SourceKind.ctgov, registry_record=record, method=ExtractionMethod.registry_import)
    return _document(source, estimate, lower, upper)


def _paper(source_id: str, doi: str, estimate: float, lower: float, upper: float) -> FindingsDocument:
    return _document(SourceInfo(id=source_id, publication=Publication(doi=doi, title="A trial of drug X")), estimate, lower, upper)


def test_a_registry_paper_disagreement_is_listed_with_both_figures_and_sources() -> None:
    kb = KnowledgeBase.memory()
    kb.load([
        (None, _registry(0.70, 0.55, 0.89)),
        (None, _paper("paper-a", "10.1000/a", 0.62, 0.50, 0.77)),  # disagrees with the registry
        (None, _paper("paper-b", "10.1000/b", 0.7049, 0.5512, 0.8901)),  # agrees once rounded to 2 decimals
    ])
    rows = kb.query("conflicts")
    pairs = {frozenset((row.source, row.other_source)) for row in rows}
    assert pairs == {frozenset(("ctgov-test", "paper-a")), frozenset(("paper-a", "paper-b"))}
    row = next(r for r in rows if {r.source, r.other_source} == {"ctgov-test", "paper-a"})
    figures = {row.source: (row.estimate, row.ci_lower, row.ci_upper, row.method), row.other_source: (row.other_estimate, row.other_ci_lower, row.other_ci_upper, row.other_method)}
    assert figures == {"ctgov-test": (0.70, 0.55, 0.89, "registry_import"), "paper-a": (0.62, 0.50, 0.77, "manual_curation")}
    assert row.differs == "estimate ci_lower ci_upper"
    assert row.measure == "hazard_ratio" and row.outcome == "overall survival"
    assert kb.query("conflicts", trial=NCT) == rows
    assert kb.query("conflicts", trial="NCT07654321") == []
    # The outcome selects its own branch of the template (header 'selector'): the same pairs.
    assert kb.query("conflicts", outcome="overall survival") == rows
    assert kb.query("conflicts", outcome="overall survival", trial=NCT) == rows
    assert kb.query("conflicts", outcome="progression-free survival") == []
    assert kb.query("conflicts", outcome="overall survival", trial="NCT07654321") == []


def test_agreeing_sources_are_not_conflicts() -> None:
    kb = KnowledgeBase.memory()
    kb.load([(None, _registry(0.70, 0.55, 0.89)), (None, _paper("paper-b", "10.1000/b", 0.7, 0.55, 0.89))])
    assert kb.query("conflicts") == []


def test_a_bound_one_source_leaves_out_is_no_disagreement() -> None:
    kb = KnowledgeBase.memory()
    without_ci = _paper("paper-c", "10.1000/c", 0.70, 0.55, 0.89)
    comparison = without_ci.outcome_results[0].comparisons[0].model_copy(update={"ci_lower": None, "ci_upper": None})
    result = without_ci.outcome_results[0].model_copy(update={"comparisons": (comparison,)})
    kb.load([(None, _registry(0.70, 0.55, 0.89)), (None, without_ci.model_copy(update={"outcome_results": (result,)}))])
    assert kb.query("conflicts") == []
    kb.load([(None, _paper("paper-d", "10.1000/d", 0.80, 0.62, 0.99))])
    assert {(row.source, row.other_source, row.differs) for row in kb.query("conflicts")} == {
        ("ctgov-test", "paper-d", "estimate ci_lower ci_upper"), ("paper-c", "paper-d", "estimate"),
    }
