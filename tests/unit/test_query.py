"""The query templates against a small hand-written KB (``tests/data/kb_small.trig``).

Concept parameters resolve through a small vocabulary read from the KB's own vocabulary graph
(dependency injection), so these tests do not move when ``ontology/vocab`` grows; one test
uses the real vocabulary. A Hypothesis property sends hostile text through every parameter of
every template: it is rejected with a KBError, or returns no row a benign value does not return,
and nothing at all unless it names something in the KB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.errors import KBError, ParameterError, QueryError, UnknownTermError
from kb.query import (
    construct_template,
    adverse_events,
    bind_parameters,
    drugs_for_target,
    iter_templates,
    load_template,
    mechanisms,
    outcome_results,
    provenance,
    publication,
    row_type,
    run_template,
    stats,
    to_rows,
    trial_reports,
)
from kb.store import KBStore
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "kb_small.trig"
ID = "https://w3id.org/trial-evidence-kb/id/"
TTP = ID + "finding/ttp000000000000000000001"
OS = ID + "finding/os00000000000000000000001"
NEUTROPENIA = ID + "finding/neutropenia0000000000001"


@dataclass(frozen=True)
class Concept:
    iri: str
    label: str
    category: str


class SmallVocabulary:
    """Resolves names, CURIEs and IRIs like kb.vocab.Vocabulary, from a KB's vocabulary graph."""

    def __init__(self, store: KBStore) -> None:
        result = store.select(
            """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
            SELECT ?concept ?category ?label ?name WHERE {
              ?concept tekb:vocabularyCategory ?category ; skos:prefLabel ?label ;
                       skos:prefLabel|skos:altLabel|skos:notation ?name }"""
        )
        self.keys: dict[tuple[str, str], Concept] = {}
        for concept, category, label, name in result.rows:
            found = Concept(concept.value, label.value, category.value)
            self.keys[(category.value, name.value.casefold())] = found
            self.keys[(category.value, concept.value.casefold())] = found

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Concept | None:
        for (cat, key), concept in self.keys.items():
            if key == text.strip().casefold() and category in (None, cat):
                return concept
        if strict:
            raise UnknownTermError(f"{text!r} is not in the vocabulary for category {category!r}")
        return None


def _load() -> KBStore:
    store = KBStore.memory()
    store.load(DATA, format="trig")
    return store


STORE = _load()  # module-wide and never written to (Hypothesis reuses it across examples)
VOCABULARY = SmallVocabulary(STORE)


def run(name: str, params: Mapping[str, object] | None = None) -> list:
    """A SELECT template's rows, or a CONSTRUCT template's triples."""
    if load_template(name).form == "construct":
        return construct_template(STORE, name, params or {}, vocabulary=VOCABULARY)
    return run_template(STORE, name, params or {}, vocabulary=VOCABULARY)


def _snapshot(store: KBStore) -> frozenset[str]:
    return frozenset(str(quad) for quad in store.quads())


SNAPSHOT = _snapshot(STORE)


# -- each template ------------------------------------------------------------------


def test_stats_counts_what_the_kb_holds() -> None:
    row = stats(STORE)
    assert row == row_type("stats")(
        sources=3, publications=3, trials=2, outcome_results=3, adverse_event_results=3,
        mechanism_claims=1, unresolved_concepts=1, quads=len(SNAPSHOT),
    )


def test_publication_by_doi_lists_authors_in_order() -> None:
    rows = publication(STORE, doi="https://doi.org/10.1056/NEJMoa070596")
    assert [(row.author_position, row.author) for row in rows] == [(1, "Donna M Weber"), (2, "Christine Chen")]
    first = rows[0]
    assert first.doi == "10.1056/nejmoa070596" and first.pmid == "18032763"
    assert first.title == "Lenalidomide plus Dexamethasone for Relapsed Multiple Myeloma in North America"
    assert (first.journal, first.journal_abbrev, first.issn, first.eissn) == (
        "The New England journal of medicine", "N Engl J Med", "0028-4793", "1533-4406")
    assert (first.date, first.volume, first.issue, first.pages) == ("2007-11-22", "357", "21", "2133-2142")
    assert first.author_iri == ID + "person/weber-dm"


def test_publication_by_pmid_and_by_both() -> None:
    by_pmid = publication(STORE, pmid="PMID: 18032763")
    assert by_pmid == publication(STORE, doi="10.1056/nejmoa070596")
    assert publication(STORE, doi="10.1056/nejmoa070596", pmid="18032763") == by_pmid
    assert publication(STORE, doi="10.1056/nejmoa070596", pmid="12345") == []  # not the same article


def test_publication_without_authors_has_one_row() -> None:
    (row,) = publication(STORE, doi="10.5555/followup.2009")
    assert (row.title, row.date, row.author_position, row.author) == ("Long-term follow-up of MM-009", "2009-11", None, None)


def test_outcome_results_for_a_drug() -> None:
    rows = outcome_results(STORE, drug="Revlimid", vocabulary=VOCABULARY)
    assert [(r.trial, r.outcome, r.kind, r.arm, r.reference_arm, r.statistic, r.value) for r in rows] == [
        ("MM-009", "overall survival", "comparison", "Len/Dex", "Placebo", "hazard_ratio", 0.44),
        ("MM-009", "time to progression", "measurement", "Lenalidomide arm", None, "median", 11.1),
        ("MM-009", "time to progression", "measurement", "Placebo arm", None, "median", 4.7),
        ("MM-009", "time to progression", "comparison", "Lenalidomide arm", "Placebo arm", "hazard_ratio", 0.35),
    ]
    ttp_lena = rows[1]
    assert (ttp_lena.unit, ttp_lena.ci_lower, ttp_lena.ci_upper, ttp_lena.ci_level, ttp_lena.n) == ("month", 9.5, 13.0, 0.95, 177)
    assert (ttp_lena.analysis, ttp_lena.cutoff, ttp_lena.conclusion) == ("interim", "2005-06", "improved")
    assert (ttp_lena.source, ttp_lena.doi, ttp_lena.status, ttp_lena.finding) == ("weber-2007-mm009", "10.1056/nejmoa070596", "verified", TTP)
    hazard = rows[3]
    assert (hazard.p_value, hazard.p_relation, hazard.n) == (0.001, "<", None)
    assert rows[0].source == "mm009-followup" and rows[0].cutoff == "2008-07"


def test_outcome_results_filters() -> None:
    everything = run("outcome_results")
    assert len(everything) == 5
    dex = run("outcome_results", {"drug": "CHEBI:41879"})
    assert [(r.trial, r.arm, r.not_reached, r.value) for r in dex] == [("DEX-SCHEDULE", "High-dose dexamethasone", True, None)]
    assert {r.finding for r in run("outcome_results", {"outcome": "OS"})} == {OS}
    for name in ("MM-009", "mm-009", "NCT00056160", " nct00056160 "):
        assert {r.finding for r in run("outcome_results", {"trial": name})} == {TTP, OS}, name
    assert {r.finding for r in run("outcome_results", {"doi": "10.5555/followup.2009"})} == {OS}
    assert {r.finding for r in run("outcome_results", {"drug": "lenalidomide", "trial": "MM-009", "outcome": "TTP"})} == {TTP}
    assert run("outcome_results", {"drug": "dexamethasone", "trial": "MM-009"}) == []
    assert run("outcome_results", {"trial": "MM-010"}) == []
    assert run("outcome_results", {"trial": "DEX-SCHEDULE", "doi": "10.1056/nejmoa070596"}) == []


def test_a_trial_described_by_two_sources_is_not_counted_twice() -> None:
    rows = run("outcome_results", {"trial": "MM-009"})
    assert len(rows) == len(set(rows)) == 4


def test_adverse_events_beside_the_comparator_arm() -> None:
    rows = adverse_events(STORE, drug="lenalidomide", vocabulary=VOCABULARY)
    assert [(r.event, r.grade, r.drug, r.arm, r.percent, r.comparator_arm, r.comparator_percent) for r in rows] == [
        ("Lassitude", "unspecified", "lenalidomide", "Lenalidomide arm", 10.0, "Placebo arm", 12.5),  # unresolved: the source's name
        ("neutropenia", "3-4", "lenalidomide", "Lenalidomide arm", 41.2, "Placebo arm", 4.5),
    ]
    neutropenia = rows[1]
    assert (neutropenia.n_affected, neutropenia.n_at_risk, neutropenia.comparator_n_affected, neutropenia.comparator_n_at_risk) == (73, 177, 8, 176)
    assert (neutropenia.trial, neutropenia.analysis, neutropenia.source, neutropenia.doi, neutropenia.status, neutropenia.finding) == (
        "MM-009", "interim", "weber-2007-mm009", "10.1056/nejmoa070596", "draft", NEUTROPENIA)


def test_adverse_events_thresholds_and_filters() -> None:
    # An unstated grade may be any grade: it stays above every grade threshold.
    assert [r.event for r in run("adverse_events", {"drug": "lenalidomide", "min_grade": "3"})] == ["Lassitude", "neutropenia"]
    assert [r.event for r in run("adverse_events", {"drug": "dexamethasone", "min_grade": "4"})] == []
    assert [r.event for r in run("adverse_events", {"drug": "lenalidomide", "min_incidence": "20"})] == ["neutropenia"]
    assert [r.event for r in run("adverse_events", {"drug": "lenalidomide", "min_grade": 5})] == ["Lassitude"]
    assert run("adverse_events", {"drug": "lenalidomide", "min_incidence": 41.3}) == []
    assert [r.percent for r in run("adverse_events", {"drug": "lenalidomide", "min_incidence": "41.2"})] == [41.2]
    assert {r.trial for r in run("adverse_events", {"event": "HP:0001875"})} == {"MM-009", "DEX-SCHEDULE"}
    assert {r.trial for r in run("adverse_events", {"trial": "dex-schedule"})} == {"DEX-SCHEDULE"}
    assert run("adverse_events", {"drug": "lenalidomide", "trial": "DEX-SCHEDULE"}) == []


def test_adverse_events_without_a_comparator() -> None:
    # Both arms of the dexamethasone trial receive it: each is a drug arm, neither a comparator.
    rows = run("adverse_events", {"drug": "dexamethasone"})
    assert [(r.arm, r.percent, r.comparator_arm, r.comparator_percent) for r in rows] == [
        ("High-dose dexamethasone", 10.0, None, None),
        ("Low-dose dexamethasone", 4.0, None, None),
    ]
    assert len(run("adverse_events")) == 4  # every drug arm, with its drug


def test_mechanisms_by_drug_or_target() -> None:
    (row,) = mechanisms(STORE, target="IL-6", vocabulary=VOCABULARY)
    assert row == row_type("mechanisms")(
        drug="lenalidomide", drug_iri="http://purl.obolibrary.org/obo/CHEBI_63791", direction="decreased",
        aspect="abundance", mechanism=None, target="interleukin 6", target_iri="http://identifiers.org/hgnc/6018",
        system="in_vitro", source="weber-2007-mm009", doi="10.1056/nejmoa070596",
        quote="Lenalidomide down-regulates interleukin-6 in vitro.", status="verified", method="manual_curation", retraction=None,
        finding=ID + "finding/il6mechanism00000000001",
    )
    assert run("mechanisms", {"drug": "lenalidomide"}) == [row] == run("mechanisms")
    assert run("mechanisms", {"drug": "dexamethasone"}) == []


def test_drugs_for_target_with_their_results() -> None:
    rows = drugs_for_target(STORE, target="HGNC:6018", vocabulary=VOCABULARY)
    assert [(r.drug, r.direction, r.aspect, r.outcome, r.arm, r.reference_arm, r.measure, r.estimate, r.trial, r.doi) for r in rows] == [
        ("lenalidomide", "decreased", "abundance", "overall survival", "Len/Dex", "Placebo", "hazard_ratio", 0.44, "MM-009", "10.5555/followup.2009"),
        ("lenalidomide", "decreased", "abundance", "time to progression", "Lenalidomide arm", "Placebo arm", "hazard_ratio", 0.35, "MM-009", "10.1056/nejmoa070596"),
    ]
    assert (rows[1].ci_lower, rows[1].ci_upper, rows[1].p_value, rows[1].p_relation) == (0.27, 0.47, 0.001, "<")


def test_trial_reports_one_row_per_source_and_analysis() -> None:
    rows = trial_reports(STORE, trial="mm-009")
    assert [tuple(row) for row in rows] == [
        ("MM-009", "2007-11-22", "10.1056/nejmoa070596", "Lenalidomide plus Dexamethasone for Relapsed Multiple Myeloma in North America",
         None, "weber-2007-mm009", "interim", "data to unblinding", "2005-06"),
        ("MM-009", "2009-11", "10.5555/followup.2009", "Long-term follow-up of MM-009", None, "mm009-followup", "final", "data to July 2008", "2008-07"),
    ]
    assert trial_reports(STORE, trial="NCT00056160") == rows
    (dex,) = trial_reports(STORE, trial="DEX-SCHEDULE")
    assert (dex.source, dex.doi, dex.title, dex.analysis) == ("dex-trial", None, "A dexamethasone schedule trial", None)


def test_provenance_of_a_source_and_of_a_finding() -> None:
    (source,) = provenance(STORE, source="weber-2007-mm009")
    assert source == row_type("provenance")(
        source="weber-2007-mm009", file="mm009_weber2007.yaml",
        content_hash="5f1d3c0a9b8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e",
        generated_at="2026-01-01T00:00:00Z", method="manual_curation", agent="Curator A",
        doi="10.1056/nejmoa070596", finding=None, status=None, quote=None, location=None,
    )
    (finding,) = provenance(STORE, finding=TTP)
    assert finding._replace(finding=None, status=None, quote=None, location=None) == source
    assert (finding.finding, finding.status, finding.quote, finding.location) == (
        TTP, "verified", "Median time to progression was 11.1 months versus 4.7 months.", "abstract")
    assert provenance(STORE, finding=f"<{TTP}>", source="weber-2007-mm009") == [finding]
    assert provenance(STORE, finding=TTP, source="dex-trial") == []
    (dex,) = provenance(STORE, source="dex-trial")
    assert (dex.method, dex.agent, dex.doi, dex.file) == ("text_extraction", None, None, None)


def test_rows_are_typed_named_tuples() -> None:
    row = run("outcome_results", {"trial": "MM-009"})[1]
    assert type(row).__name__ == "OutcomeResultsRow" and type(row) is row_type("outcome_results")
    assert isinstance(row.value, float) and isinstance(row.n, int) and isinstance(row.trial, str)
    assert run("outcome_results", {"drug": "dexamethasone"})[0].not_reached is True
    assert run("outcome_results") == run("outcome_results")  # ORDER BY: the same order every time


def test_the_real_vocabulary_is_the_default() -> None:
    assert [row.target for row in mechanisms(STORE, drug="Revlimid")] == ["interleukin 6"]


def test_to_rows_types_a_result_however_it_was_run() -> None:
    template = load_template("mechanisms")
    rows = to_rows(template, STORE.select(template.text, bind_parameters(template, {}, partial=True)))
    assert rows == run("mechanisms")
    with pytest.raises(QueryError, match="declares"):
        to_rows(template, STORE.select("SELECT ?x WHERE { ?x ?p ?o } LIMIT 1"))


# -- parameter errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("outcome_results", {"drugs": "lenalidomide"}, "outcome_results: unknown parameter 'drugs'; it takes drug, outcome, trial, doi"),
        ("trial_reports", {}, "trial_reports: parameter 'trial' is required"),
        ("drugs_for_target", {}, "drugs_for_target: parameter 'target' is required"),
        ("publication", {}, "publication: give at least one of doi, pmid"),
        ("provenance", {}, "provenance: give at least one of finding, source"),
        ("adverse_events", {"min_grade": "three"}, "adverse_events: parameter 'min_grade': expected an integer"),
        ("adverse_events", {"min_grade": "2.5"}, "parameter 'min_grade': expected an integer"),
        ("adverse_events", {"min_grade": True}, "parameter 'min_grade': expected an integer"),
        ("adverse_events", {"min_grade": str(2**70)}, "parameter 'min_grade': integer .* out of range"),
        ("adverse_events", {"min_incidence": "ten"}, "parameter 'min_incidence': expected a number"),
        ("adverse_events", {"min_incidence": "NaN"}, "parameter 'min_incidence': number 'NaN' is out of range"),
        ("adverse_events", {"min_incidence": "1e400"}, "out of range"),
        ("publication", {"doi": "not a doi"}, "publication: parameter 'doi': malformed DOI"),
        ("publication", {"pmid": "PMC123"}, "parameter 'pmid': malformed PMID"),
        ("publication", {"doi": ""}, "parameter 'doi': is empty"),
        ("provenance", {"finding": "not an iri"}, "parameter 'finding': expected an absolute IRI"),
        ("provenance", {"finding": "http://example.org/a>b"}, "parameter 'finding': expected an absolute IRI"),
        ("trial_reports", {"trial": 9}, "parameter 'trial': expected text"),
        ("trial_reports", {"trial": "MM\ud800009"}, "parameter 'trial': .* not valid Unicode"),
    ],
)
def test_parameter_errors_name_the_template_and_parameter(name: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        run(name, params)


def test_unknown_concepts_are_errors_naming_the_parameter() -> None:
    with pytest.raises(UnknownTermError, match="outcome_results: parameter 'drug': 'aspirin' is not in the vocabulary"):
        run("outcome_results", {"drug": "aspirin"})
    with pytest.raises(UnknownTermError, match="parameter 'target'"):
        run("mechanisms", {"target": "lenalidomide"})  # a drug, not a target


def test_unknown_template_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="no query template 'outcomes'; known templates: .*adverse_events, "):
        run("outcomes")


def test_parameters_bind_terms_of_their_type() -> None:
    template = load_template("adverse_events")
    bindings = bind_parameters(template, {"min_grade": " 3 ", "min_incidence": 7.25, "drug": "CHEBI:63791"}, vocabulary=VOCABULARY)
    assert bindings == {
        "drug_iri": ox.NamedNode("http://purl.obolibrary.org/obo/CHEBI_63791"),
        "min_grade": ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        "min_incidence": ox.Literal("7.25", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
    }
    assert bind_parameters(load_template("provenance"), {"source": 'a" } UNION { ?s ?p ?o'}) == {"source": ox.Literal('a" } UNION { ?s ?p ?o')}


# -- hostile parameter values -------------------------------------------------------

#: Values each parameter can take in the small KB, and for required ones the others' values.
BENIGN: dict[str, dict[str, list[str]]] = {
    "publication": {"doi": ["10.1056/nejmoa070596", "10.5555/followup.2009"], "pmid": ["18032763"]},
    "outcome_results": {"drug": ["lenalidomide", "dexamethasone"], "outcome": ["TTP", "OS"],
                        "trial": ["MM-009", "NCT00056160", "DEX-SCHEDULE"], "doi": ["10.1056/nejmoa070596", "10.5555/followup.2009"],
                        "method": ["manual_curation", "automatic_extraction"]},
    "adverse_events": {"drug": ["lenalidomide", "dexamethasone"], "event": ["neutropenia"], "trial": ["MM-009", "DEX-SCHEDULE"],
                       "min_grade": ["0"], "min_incidence": ["0"], "method": ["manual_curation", "automatic_extraction"]},
    "mechanisms": {"drug": ["lenalidomide"], "target": ["IL6"], "method": ["manual_curation", "automatic_extraction"]},
    "drugs_for_target": {"target": ["IL6"]},
    "trial_reports": {"trial": ["MM-009", "DEX-SCHEDULE"]},
    "provenance": {"finding": [TTP, OS, NEUTROPENIA], "source": ["weber-2007-mm009", "mm009-followup", "dex-trial"]},
    "drug_evidence": {"drug": ["lenalidomide", "dexamethasone"]},
    "registry_results": {"trial": ["MM-009", "NCT00056160", "DEX-SCHEDULE"]},
    "unresolved": {"category": ["adverse_event", "drug"]},
    "retracted_findings": {"retraction": ["retracted", "expression_of_concern"]},
    # The evidence pages' templates (kb.serve.pages); page_search is checked by SUBSTRING_SEARCHES.
    "page_node": {"iri": [TTP, OS, NEUTROPENIA, ID + "trial/NCT00056160"]},
    "page_links": {"iri": [ID + "trial/NCT00056160", "http://purl.obolibrary.org/obo/CHEBI_63791", TTP],
                   "predicate": ["http://www.w3.org/ns/prov#wasDerivedFrom", "https://w3id.org/trial-evidence-kb/ontology#inTrial"]},
    "page_search": {"text": ["Revlimid", "MM-009", "10.1056/nejmoa070596"]},
    "page_drug_trials": {"drug": ["lenalidomide", "dexamethasone"]},
    "synthesis_estimates": {"drug": ["lenalidomide", "dexamethasone"], "outcome": ["OS", "TTP"]},
    "drafts": {"method": ["automatic_extraction", "manual_curation"], "doi": ["10.1056/nejmoa070596", "10.5555/followup.2009"],
               "pmid": ["18032763"], "source": ["weber-2007-mm009", "mm009-followup"]},
    "conflicts": {"trial": ["MM-009", "NCT00056160", "DEX-SCHEDULE"], "outcome": ["OS", "TTP"]},
}
HOSTILE = [
    '"', "'", '"""', "\\", '\\"', "}", "{", "} UNION { ?s ?p ?o }", '" } UNION { ?s ?p ?o } #', "') } UNION { ?s ?p ?o } #",
    '"@en', '"^^<http://www.w3.org/2001/XMLSchema#integer>', "<http://example.org/x>", ">", "<", "http://example.org/a>b",
    "http://example.org/a b", "\n", "\r\n", "\t", "\x00", "\u2028", "\ud800", " ", "", "?drug_iri", "$trial_name", "# comment",
    "NaN", "-inf", "1e9999", "-0", "0x10", "٣", "MM-009\" . ?x ?y ?z", "10.1056/nejmoa070596> . <x",
    f"{TTP}> }} UNION {{ ?a ?b ?c", f"{TTP}\n", "true", "false", "*", "CHEBI:63791 } UNION {", "lenalidomide\"",
    # What would widen a query whose binder pasted text: an extra VALUES row, UNDEF, a closed BIND.
    'x") (UNDEF) ("', 'x") ("weber-2007-mm009', 'x") ("MM-009', 'x") ("10.1056/nejmoa070596',
    f"http://example.org/x>) (<{TTP}", "http://example.org/x>) (UNDEF) (<http://example.org/y",
    'x" AS ?q) } UNION { BIND("y', "0) (UNDEF", "0 } UNION { ?s ?p ?o", '")(UNDEF)("', '10.1056/nejmoa070596")(UNDEF)("',
]


def _benign_rows(name: str, fuzzed: str, base: dict[str, str]) -> set:
    """Every row the template returns for the benign values of ``fuzzed``, or without it."""
    template = load_template(name)
    rows: set = set()
    for value in [None, *BENIGN[name][fuzzed]]:
        params = {**base, fuzzed: value}
        bindings = bind_parameters(template, params, vocabulary=VOCABULARY, partial=True)
        if template.form == "construct":
            rows |= set(STORE.construct(template.text, bindings))
        else:
            rows |= set(to_rows(template, STORE.select(template.text, bindings)))
    return rows


CASES = [(t.name, p) for t in iter_templates() for p in t.parameters]
BASELINES: dict[tuple[str, str], set] = {}


def _denotes_a_benign_value(name: str, parameter: str, value: str) -> bool:
    """Whether ``value`` may legitimately select rows: a number, a concept, or a benign id in another spelling."""
    kind = load_template(name).parameters[parameter].type
    if kind in ("concept", "integer", "decimal"):
        return True  # a concept resolves only to vocabulary IRIs; any number is a threshold

    def key(text: str) -> str:
        return text.strip().strip("<>").casefold().removeprefix("https://doi.org/").removeprefix("pmid:").strip()

    return key(value) in {key(benign) for benign in BENIGN[name][parameter]}


#: Parameters that select by substring (template, parameter) -> the column holding the matched name.
SUBSTRING_SEARCHES = {("page_search", "text"): "matched"}


def _base(name: str, fuzzed: str) -> dict[str, str]:
    """Benign values for the template's other required parameters."""
    template = load_template(name)
    return {p: BENIGN[name][p][0] for p, parameter in template.parameters.items() if parameter.required and p != fuzzed}


def test_every_parameter_is_fuzzed() -> None:
    assert {name for name, _ in CASES} == set(BENIGN)
    assert all(parameter in BENIGN[name] for name, parameter in CASES)


def _check_safe(name: str, parameter: str, value: str) -> None:
    base = _base(name, parameter)
    if (name, parameter) not in BASELINES:
        BASELINES[(name, parameter)] = _benign_rows(name, parameter, base)
    try:
        rows = run(name, {**base, parameter: value})
    except KBError:
        pass
    else:
        if (name, parameter) in SUBSTRING_SEARCHES:
            # A substring search finds whatever contains the text: each row must match it, no more.
            column = SUBSTRING_SEARCHES[(name, parameter)]
            wrong = [row for row in rows if value.strip().lower() not in str(getattr(row, column)).lower()]
            assert not wrong, f"{name}.{parameter}={value!r} returned rows whose {column} does not contain it: {wrong}"
            assert _snapshot(STORE) == SNAPSHOT
            return
        extra = set(rows) - BASELINES[(name, parameter)]
        assert not extra, f"{name}.{parameter}={value!r} returned rows no benign value returns: {extra}"
        if not _denotes_a_benign_value(name, parameter, value):
            assert rows == [], f"{name}.{parameter}={value!r} names nothing in the KB, yet returned {rows}"
    assert _snapshot(STORE) == SNAPSHOT


@pytest.mark.parametrize(("name", "parameter"), CASES, ids=[f"{n}.{p}" for n, p in CASES])
def test_hostile_values_are_safe(name: str, parameter: str) -> None:
    for hostile in HOSTILE:
        for value in (hostile, BENIGN[name][parameter][0] + hostile, hostile + BENIGN[name][parameter][0]):
            _check_safe(name, parameter, value)


@pytest.mark.parametrize(("name", "parameter"), CASES, ids=[f"{n}.{p}" for n, p in CASES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_text_is_safe_as_a_parameter(name: str, parameter: str, data: st.DataObject) -> None:
    benign = BENIGN[name][parameter]
    value = data.draw(
        st.one_of(
            st.text(),
            st.sampled_from(HOSTILE),
            st.sampled_from(benign),
            st.tuples(st.sampled_from(benign), st.sampled_from(HOSTILE)).map("".join),
            st.tuples(st.sampled_from(HOSTILE), st.sampled_from(benign), st.text(max_size=5)).map("".join),
        ),
        label="value",
    )
    _check_safe(name, parameter, value)
