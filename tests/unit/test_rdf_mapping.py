"""Records to RDF: deterministic IRIs, provenance, unresolved names, mechanism edges."""

from __future__ import annotations

from datetime import datetime, timezone


from kb.models import FindingsDocument
from kb.namespaces import OBO, PROV, TEKB
from kb.rdf import IriScheme, document_to_graph
from kb.vocab import get_vocabulary
from ingest.findings import read_findings_file
from tests.conftest import example_files

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def resolver(text: str, category: str) -> str | None:
    concept = get_vocabulary().resolve(text, category=category)
    return concept.iri if concept else None


def mm009() -> FindingsDocument:
    return read_findings_file(next(p for p in example_files() if "mm009" in p.name))


def objects(graph, subject: str, predicate: str) -> set[str]:
    return {t.object.value for t in graph.triples if t.subject.value == subject and t.predicate.value == str(predicate)}


def test_mapping_is_deterministic() -> None:
    first = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    second = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    assert first.triples == second.triples
    assert first.content_hash == second.content_hash


def test_publication_iri_is_the_normalized_doi() -> None:
    graph = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    publication = "https://doi.org/10.1056/nejmoa070596"
    assert objects(graph, graph.graph.value, PROV.wasDerivedFrom) == {publication}
    assert "Lenalidomide plus Dexamethasone for Relapsed Multiple Myeloma in North America" in objects(
        graph, publication, "http://purl.org/dc/terms/title"
    )


def test_base_is_configurable() -> None:
    graph = document_to_graph(mm009(), iris=IriScheme("http://kb.example.org/"), resolve=resolver, generated_at=WHEN)
    assert graph.graph.value.startswith("http://kb.example.org/graph/source/")
    assert any(t.subject.value.startswith("http://kb.example.org/trial/NCT00056160") for t in graph.triples)


def test_concepts_resolve_to_ontology_iris() -> None:
    graph = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    drugs = {t.object.value for t in graph.triples if t.predicate.value == str(TEKB.receivesDrug)}
    assert str(OBO.CHEBI_63791) in drugs and str(OBO.CHEBI_41879) in drugs
    assert not graph.unresolved


def test_mechanism_claims_get_verified_ro_edges() -> None:
    graph = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    edges = {(t.predicate.value, t.object.value) for t in graph.triples if t.subject.value == str(OBO.CHEBI_63791)}
    assert (str(OBO.RO_0011016), str(OBO.GO_0071159)) in edges  # decreases activity of NF-kB complex
    assert (str(OBO.RO_0011013), "http://identifiers.org/hgnc/1509") in edges  # increases activity of CASP8


def test_unresolved_names_are_kept_and_reported() -> None:
    data = mm009().model_dump(mode="json")
    data["mechanisms"][0]["target"] = "frobnicase-7"
    document = FindingsDocument.model_validate(data)
    graph = document_to_graph(document, iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    assert [(u.text, u.category, u.path) for u in graph.unresolved] == [("frobnicase-7", "target", "mechanisms[0].target")]
    local = graph.unresolved[0].iri
    assert objects(graph, local, "http://www.w3.org/2000/01/rdf-schema#label") == {"frobnicase-7"}


def test_hostile_text_fields_survive_the_store_round_trip() -> None:
    from kb.store import KBStore

    data = mm009().model_dump(mode="json")
    hostile = 'x" } ; DROP ALL ; INSERT DATA { <http://evil> <http://evil> "1" } #\n>'
    data["outcome_results"][0]["provenance"]["quote"] = hostile
    document = FindingsDocument.model_validate(data)
    graph = document_to_graph(document, iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    store = KBStore.memory()
    store.replace_graph(graph.graph, graph.triples)
    assert store.count() == len(graph.triples)
    quotes = {q.object.value for q in store.quads() if q.predicate.value == str(TEKB.quote)}
    assert hostile in quotes
    assert not any(q.subject.value == "http://evil" for q in store.quads())


def test_registry_references_and_groups_map() -> None:
    """A RESULT reference is a publication reporting on the trial; arms carry their registry group."""
    from kb.models import FindingsDocument
    from kb.rdf import IriScheme, document_to_graph

    document = FindingsDocument.model_validate({
        "source": {"id": "ctgov-NCT09000002", "kind": "ctgov", "method": "registry_import",
                   "registry_record": {"registry_id": "NCT09000002", "url": "https://clinicaltrials.gov/study/NCT09000002"}},
        "trials": [{"key": "NCT09000002", "registry_ids": ["NCT09000002"], "status": "withdrawn", "start_date": "2021-03",
                    "condition_terms": [{"name": "Multiple Myeloma", "mesh_id": "D000009101"}],
                    "references": [{"pmid": "18032763", "type": "result"}, {"pmid": "23032071", "type": "background"}],
                    "arms": [{"key": "a", "label": "A", "registry_group": "Arm A", "registry_group_ids": ["OG000", "EG000"]}]}],
    })
    mapped = document_to_graph(document, iris=IriScheme(), resolve=lambda text, category: None)
    found = {(t.subject.value, t.predicate.value.rsplit("#", 1)[-1], t.object.value) for t in mapped.triples}
    trial = "https://w3id.org/trial-evidence-kb/id/trial/NCT09000002"
    result, background = "http://www.ncbi.nlm.nih.gov/pubmed/18032763", "http://www.ncbi.nlm.nih.gov/pubmed/23032071"
    assert (trial, "resultsReference", result) in found and (result, "reportsOn", trial) in found
    assert (trial, "backgroundReference", background) in found and (background, "reportsOn", trial) not in found
    assert (trial, "conditionMesh", "http://id.nlm.nih.gov/mesh/D000009101") in found
    assert (trial, "overallStatus", "withdrawn") in found and (trial, "startDate", "2021-03") in found
    assert {o for s, p, o in found if p == "registryGroupId"} == {"OG000", "EG000"}
    assert (trial + "/arm/a", "registryGroup", "Arm A") in found


def test_comparisons_carry_the_drugs_exactly_one_arm_receives() -> None:
    """tekb:comparedDrug (written for drugs_for_target) is the symmetric difference of the two arms'
    drugs as the same source describes them: MM-009's Len/Dex against placebo/Dex is lenalidomide's
    comparison, not dexamethasone's."""
    mapped = document_to_graph(mm009(), iris=IriScheme(), resolve=resolver, generated_at=WHEN)
    comparisons = {t.subject.value for t in mapped.triples if t.predicate.value == str(TEKB.referenceArm)}
    assert comparisons
    for comparison in comparisons:
        (arm,) = objects(mapped, comparison, TEKB.arm)
        (reference,) = objects(mapped, comparison, TEKB.referenceArm)
        arm_drugs, reference_drugs = objects(mapped, arm, TEKB.receivesDrug), objects(mapped, reference, TEKB.receivesDrug)
        assert objects(mapped, comparison, TEKB.comparedDrug) == arm_drugs ^ reference_drugs
        assert objects(mapped, comparison, TEKB.comparedDrug) == {resolver("lenalidomide", "drug")}
        assert resolver("dexamethasone", "drug") in arm_drugs & reference_drugs
