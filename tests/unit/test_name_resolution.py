"""Every name the KB has seen is a name you can ask for (issue 11 item 2).

A drug, outcome, event or target name no vocabulary knew at ingest is kept with a local IRI
(a ``tekb:UnresolvedConcept``); template parameters resolve it by that IRI or by its text,
exact after ``normalize_name``, and a miss suggests close names from the vocabulary and the KB.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.errors import UnknownTermError
from kb.query import run_template
from kb.rdf import IriScheme
from kb.store import OxigraphStore
from kb.vocab import get_vocabulary
from kb.vocab.known import KnownNames

FINDINGS = """\
schema_version: 1
source:
  id: test-zetamab
  status: draft
  method: manual_curation
  publication:
    title: "A trial of Zetamab-X in relapsed myeloma"
    date: "2020"
trials:
  - key: zt1
    acronym: ZETA-1
    arms:
      - key: zeta
        label: Zetamab-X plus dexamethasone
        role: experimental
        interventions:
          - {drug: Zetamab-X}
          - {drug: dexamethasone}
      - key: dex
        label: Dexamethasone alone
        role: placebo_comparator
        interventions:
          - {drug: dexamethasone}
analyses:
  - {key: primary, kind: primary}
outcome_results:
  - key: os
    trial: zt1
    analysis: primary
    outcome: overall survival
    measurements:
      - {arm: zeta, statistic: median, value: 30, unit: month}
      - {arm: dex, statistic: median, value: 20, unit: month}
adverse_events:
  - key: ae
    trial: zt1
    analysis: primary
    event: Zeta rash
    grade: "3-4"
    arms:
      - {arm: zeta, percent: 10}
      - {arm: dex, percent: 2}
"""
IRIS = IriScheme()
LOCAL_DRUG = IRIS.unresolved_concept("drug", "Zetamab-X")
TEKB = "https://w3id.org/trial-evidence-kb/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """An in-memory KB with one findings file whose drug and event no vocabulary knows."""
    path = Path(tmp_path_factory.mktemp("findings")) / "zetamab.yaml"
    path.write_text(FINDINGS, encoding="utf-8")
    knowledge_base = KnowledgeBase.memory()
    report = knowledge_base.ingest("findings", [path])
    assert not report.failed
    assert {(u.text, u.category) for u in report.unresolved} >= {("Zetamab-X", "drug"), ("Zeta rash", "adverse_event")}
    return knowledge_base


def _concept(store: OxigraphStore, graph: str, iri: str, category: str, *labels: str, alt: tuple[str, ...] = ()) -> None:
    node = ox.NamedNode(iri)
    triples = [ox.Triple(node, RDF_TYPE, ox.NamedNode(TEKB + "UnresolvedConcept")),
               ox.Triple(node, ox.NamedNode(TEKB + "vocabularyCategory"), ox.Literal(category))]
    triples += [ox.Triple(node, RDFS_LABEL, ox.Literal(label)) for label in labels]
    triples += [ox.Triple(node, SKOS_ALT, ox.Literal(label)) for label in alt]
    store.replace_graph(ox.NamedNode(graph), triples)


def _names(store: OxigraphStore) -> KnownNames:
    return KnownNames(get_vocabulary(), store, unresolved_iri=IRIS.unresolved_concept)


# -- through KnowledgeBase.query -------------------------------------------------------------

def test_a_name_no_vocabulary_knows_selects_its_rows(kb: KnowledgeBase) -> None:
    rows = kb.query("outcome_results", drug="Zetamab-X")
    assert sorted((row.arm, row.value) for row in rows) == [("Dexamethasone alone", 20.0), ("Zetamab-X plus dexamethasone", 30.0)]


@pytest.mark.parametrize("text", ["zetamab-x", "ZETAMAB X", "  Zetamab x  ", "zetamab_x", "Zétamab-X"])
def test_case_spacing_and_accent_variants_resolve_as_normalize_name_says(kb: KnowledgeBase, text: str) -> None:
    assert len(kb.query("outcome_results", drug=text)) == 2


@pytest.mark.parametrize("text", [LOCAL_DRUG, f"<{LOCAL_DRUG}>"])
def test_the_local_iri_selects_the_same_rows(kb: KnowledgeBase, text: str) -> None:
    assert len(kb.query("outcome_results", drug=text)) == 2
    assert kb.names.resolve(text, category="drug").iri == LOCAL_DRUG


def test_other_templates_and_categories_resolve_too(kb: KnowledgeBase) -> None:
    rows = kb.query("adverse_events", drug="zetamab x", event="zeta RASH")
    assert [(row.event, row.percent) for row in rows] == [("Zeta rash", 10.0)]
    assert [row.arm for row in kb.query("adverse_events", event=IRIS.unresolved_concept("adverse_event", "Zeta rash"))]


def test_vocabulary_names_still_win(kb: KnowledgeBase) -> None:
    assert kb.names.resolve("Revlimid", category="drug").iri == "http://purl.obolibrary.org/obo/CHEBI_63791"
    assert len(kb.query("outcome_results", drug="dexamethasone")) == 2


def test_a_kb_name_resolves_only_in_its_own_category(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTermError, match=r"mechanisms: parameter 'target': 'Zetamab-X' is not in the vocabulary for category 'target'"):
        kb.query("mechanisms", target="Zetamab-X")
    with pytest.raises(UnknownTermError, match="nor a name or IRI the KB holds"):
        kb.query("outcome_results", drug=IRIS.unresolved_concept("adverse_event", "Zeta rash"))


def test_a_miss_suggests_close_names_from_the_kb_and_the_vocabulary_and_how_to_add_one(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTermError) as caught:
        kb.query("outcome_results", drug="Zetamap-X")
    message = str(caught.value)
    assert message.startswith("outcome_results: parameter 'drug': 'Zetamap-X' is not in the vocabulary for category 'drug'")
    assert "did you mean 'Zetamab-X'?" in message
    assert "kb vocab add FILE" in message and "kb query unresolved" in message
    with pytest.raises(UnknownTermError, match="did you mean 'lenalidomide'"):
        kb.query("outcome_results", drug="lenalidomyde x")


def test_an_unknown_iri_is_a_miss_not_a_name(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTermError, match="'https://example.org/nothing' is not in the vocabulary"):
        kb.query("outcome_results", drug="https://example.org/nothing")


def test_a_bare_store_resolves_the_kb_names_too(kb: KnowledgeBase) -> None:
    assert len(run_template(kb.store, "outcome_results", {"drug": "zetamab x"})) == 2


# -- KnownNames on hand-built nodes ----------------------------------------------------------

def test_registry_synonyms_kept_as_alt_labels_resolve() -> None:
    store = OxigraphStore.memory()
    iri = IRIS.unresolved_concept("drug", "Dupilumab")
    _concept(store, "urn:g:1", iri, "drug", "Dupilumab", alt=("Dupixent", "REGN668"))
    names = _names(store)
    for text in ("Dupixent", "dupixent", "regn-668", "Dupilumab"):
        assert names.resolve(text, category="drug").iri == iri
    assert names.resolve("Dupixent", category="target") is None


def test_a_local_iri_guessed_from_the_text_must_carry_a_name_equal_to_it() -> None:
    # slug() drops Greek letters, so 'TNF-β' guesses the IRI of the node named 'TNF-α'.
    store = OxigraphStore.memory()
    iri = IRIS.unresolved_concept("target", "TNF-α")
    assert iri == IRIS.unresolved_concept("target", "TNF-β")
    _concept(store, "urn:g:1", iri, "target", "TNF-α")
    names = _names(store)
    assert names.resolve("tnf alpha", category="target").iri == iri
    assert names.resolve("TNF-β", category="target") is None


def test_two_nodes_with_one_normalized_name_need_an_iri_unless_one_is_exact() -> None:
    store = OxigraphStore.memory()
    _concept(store, "urn:g:1", "https://example.org/a", "drug", "anti-IL6 mab")
    _concept(store, "urn:g:2", "https://example.org/b", "drug", "anti IL 6 MAb")
    names = _names(store)
    assert names.resolve("anti IL 6 MAb", category="drug").iri == "https://example.org/b"
    with pytest.raises(UnknownTermError, match=r"names several concepts the KB holds: <https://example.org/a> .* <https://example.org/b>"):
        names.resolve("Anti-IL-6 mab", category="drug")


def test_a_miss_without_strict_is_none_and_with_strict_names_the_scope() -> None:
    names = _names(OxigraphStore.memory())
    assert names.resolve("no such drug", category="drug") is None
    with pytest.raises(UnknownTermError, match="'no such drug' is not in the vocabulary for category 'drug'"):
        names.resolve("no such drug", category="drug", strict=True)
    with pytest.raises(UnknownTermError, match="for any category"):
        names.resolve("no such drug", strict=True)


def test_a_construct_template_resolves_the_kb_names_too(kb: KnowledgeBase) -> None:
    by_name = kb.construct("drug_evidence", drug="zetamab x")
    assert by_name and set(by_name) == set(kb.construct("drug_evidence", drug=LOCAL_DRUG))
    assert any(triple.subject.value == LOCAL_DRUG or triple.object.value == LOCAL_DRUG for triple in by_name)
