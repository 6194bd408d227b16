"""Part nodes of a publication belong to one source.

A PubMed record, a MEDLINE record and a Crossref work of one DOI meet in one publication node
(docs/rdf-mapping.md, "Merging"), but their abstract sections, MeSH headings, grants and author
lists differ. Those parts are minted under each source's record (docs/decisions/0002-iri-scheme.md,
amendment 2026-11-30), so the union of the graphs never gives one part two labels, texts or
members at one position. The records are synthetic: tests/data/part_nodes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.ingestion import load_documents
from kb.models import FindingsDocument, MeshHeading, Publication
from kb.namespaces import BIBO, RDF, RDFS, TEKB
from kb.query import publication as publication_query
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.biblio.readers import CrossrefReader, MedlineReader, PubmedReader

DATA = Path(__file__).resolve().parents[1] / "data" / "part_nodes"
DOI = "10.5555/kb-part-nodes.0001"
PUBLICATION = f"https://doi.org/{DOI}"
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
READERS = {"pubmed": (PubmedReader, "pubmed.xml"), "medline": (MedlineReader, "medline.nbib"), "crossref": (CrossrefReader, "crossref.json")}
SOURCES = {"pubmed": "pubmed-pmid-10000201", "medline": "medline-pmid-10000201", "crossref": "crossref-doi-10.5555_kb-part-nodes.0001"}
#: Predicates from a publication to the nodes that are its parts in one source.
PART_PREDICATES = {str(TEKB.abstractSection), str(TEKB.meshHeading), str(TEKB.grant), str(BIBO.authorList)}
RDF_MEMBER = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_"


def _documents(kinds: list[str]) -> list[tuple[str, FindingsDocument]]:
    documents = []
    for kind in kinds:
        reader, name = READERS[kind]
        read = [item for item in reader().read(DATA / name) if isinstance(item, FindingsDocument)]
        assert len(read) == 1, (kind, read)
        documents.append((str(DATA / name), read[0]))
    return documents


def _store(kinds: list[str]) -> KBStore:
    store = KBStore.memory()
    report = load_documents(store, _documents(kinds), iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=WHEN)
    assert report.ok, report.failed
    assert {loaded.source_id for loaded in report.loaded} == {SOURCES[kind] for kind in kinds}
    return store


@pytest.fixture(scope="module")
def store() -> KBStore:
    return _store(["pubmed", "crossref", "medline"])


def _graph(source_id: str) -> str:
    return IriScheme().source_graph(source_id)


def _parts(store: KBStore) -> dict[str, dict[str, set[str]]]:
    """``{predicate: {part node: graphs linking the publication to it}}``."""
    parts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for quad in store.quads():
        if quad.subject.value == PUBLICATION and quad.predicate.value in PART_PREDICATES:
            assert isinstance(quad.object, ox.NamedNode)
            parts[quad.predicate.value][quad.object.value].add(quad.graph_name.value)
    return parts


def _values(store: KBStore, subject: str, predicate: str) -> list[tuple[str, str]]:
    """``(graph, value)`` of every quad ``subject predicate value`` in any graph."""
    return [
        (quad.graph_name.value, quad.object.value)
        for quad in store.quads()
        if quad.subject.value == subject and quad.predicate.value == predicate
    ]


def test_the_three_records_meet_in_one_publication_node(store: KBStore) -> None:
    graphs = {graph for graph, _ in _values(store, PUBLICATION, str(RDF.type))}
    assert graphs == {_graph(source) for source in SOURCES.values()}


def test_no_part_node_is_shared_by_two_source_graphs(store: KBStore) -> None:
    parts = _parts(store)
    assert set(parts) == PART_PREDICATES
    # Every part is linked from the publication in exactly one graph...
    for predicate, nodes in parts.items():
        for node, graphs in nodes.items():
            assert len(graphs) == 1, (predicate, node, graphs)
    # ... and is described (as subject or object) in that graph only.
    owner = {node: next(iter(graphs)) for nodes in parts.values() for node, graphs in nodes.items()}
    for quad in store.quads():
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value in owner:
                assert quad.graph_name.value == owner[term.value], (term.value, quad)
    # Nothing is minted as a fragment of the shared publication node any more.
    assert not any(
        isinstance(term, ox.NamedNode) and term.value.startswith(PUBLICATION + "#")
        for quad in store.quads() for term in (quad.subject, quad.object)
    )
    # All the sources' parts are there: 2 + 3 MeSH headings (Crossref has none), 3 + 2 + 2 abstract
    # sections, 2 + 1 + 2 grants, one author list per source.
    counts = {predicate: len(nodes) for predicate, nodes in parts.items()}
    assert counts == {str(TEKB.meshHeading): 5, str(TEKB.abstractSection): 7, str(TEKB.grant): 5, str(BIBO.authorList): 3}


@pytest.mark.parametrize(
    ("predicate", "text", "optional"),
    [
        (TEKB.meshHeading, RDFS.label, ()),
        (TEKB.abstractSection, RDF.value, (TEKB.sectionLabel, TEKB.sectionCategory)),
        (TEKB.abstractSection, TEKB.position, ()),
    ],
)
def test_each_mesh_heading_and_abstract_section_has_one_text(store: KBStore, predicate, text, optional) -> None:
    for node in _parts(store)[str(predicate)]:
        assert len(_values(store, node, str(text))) == 1, node
        for other in optional:
            assert len(_values(store, node, str(other))) <= 1, (node, other)


def test_each_grant_has_at_most_one_id_and_agency(store: KBStore) -> None:
    for node in _parts(store)[str(TEKB.grant)]:
        ids, agencies = _values(store, node, str(TEKB.grantId)), _values(store, node, str(TEKB.fundingAgency))
        assert len(ids) <= 1 and len(agencies) <= 1 and ids + agencies, node


def test_each_author_list_has_one_member_per_position(store: KBStore) -> None:
    for node in _parts(store)[str(BIBO.authorList)]:
        members = [quad.predicate.value for quad in store.quads()
                   if quad.subject.value == node and quad.predicate.value.startswith(RDF_MEMBER)]
        assert members, node
        assert len(members) == len(set(members)), node


def _by_position(store: KBStore, source: str, predicate, text) -> list[str]:
    graph = _graph(source)
    nodes = [node for node, graphs in _parts(store)[str(predicate)].items() if graphs == {graph}]
    return [value for _, value in sorted(
        (node.rsplit("/", 1)[1].zfill(4), value) for node in nodes for _, value in _values(store, node, str(text)))]


def test_each_source_keeps_its_own_headings_sections_and_grants(store: KBStore) -> None:
    # Position 1 is "Humans" in PubMed and "Multiple Myeloma" in MEDLINE: one node used to get both labels.
    assert _by_position(store, SOURCES["pubmed"], TEKB.meshHeading, RDFS.label) == ["Humans", "Multiple Myeloma"]
    assert _by_position(store, SOURCES["medline"], TEKB.meshHeading, RDFS.label) == ["Multiple Myeloma", "Humans", "Dexamethasone"]
    assert _by_position(store, SOURCES["pubmed"], TEKB.abstractSection, TEKB.sectionLabel) == ["BACKGROUND", "METHODS", "RESULTS"]
    assert _by_position(store, SOURCES["crossref"], TEKB.abstractSection, TEKB.sectionLabel) == ["Aims", "Conclusions"]
    assert _by_position(store, SOURCES["pubmed"], TEKB.grant, TEKB.grantId) == ["R01 CA000201", "P30 CA000202"]
    assert _by_position(store, SOURCES["crossref"], TEKB.grant, TEKB.fundingAgency) == [
        "Synthetic Research Council", "Another Test Foundation"]


def test_part_iris_do_not_depend_on_ingest_order(store: KBStore) -> None:
    other = _store(["medline", "crossref", "pubmed"])
    for source in SOURCES.values():
        graph = ox.NamedNode(_graph(source))
        assert {str(quad) for quad in other.quads(graph)} == {str(quad) for quad in store.quads(graph)}


def test_publication_template_takes_the_author_list_whole_from_pubmed(store: KBStore) -> None:
    rows = publication_query(store, doi=DOI)
    assert [(row.author_position, row.author) for row in rows] == [(1, "Ada Example"), (2, "Ben Sample")]
    assert {row.publication for row in rows} == {PUBLICATION}
    assert set(rows[0].sources.split()) == set(SOURCES.values())


# -- the IRI rule --------------------------------------------------------------------------


def test_publication_record_is_content_derived_and_under_the_base() -> None:
    iris = IriScheme()
    pubmed = Publication(doi=DOI, pmid="10000201", mesh_headings=(MeshHeading(descriptor="Humans"),))
    crossref = Publication(doi=DOI, title="Part nodes")
    record = iris.publication_record(pubmed)
    assert record.startswith(f"{iris.base}record/") and "#" not in record
    assert iris.publication_record(pubmed) == record  # deterministic
    assert iris.publication_record(Publication(doi=DOI, pmid="10000201", mesh_headings=(MeshHeading(descriptor="Humans"),))) == record
    assert iris.publication_record(crossref) != record  # same DOI, another record
    assert iris.publication(crossref) == iris.publication(pubmed)  # ... but one publication node
    assert IriScheme("http://kb.example.org/").publication_record(pubmed).startswith("http://kb.example.org/record/")


def test_parts_and_author_list_hang_off_the_record() -> None:
    record = IriScheme().publication_record(Publication(doi=DOI))
    assert IriScheme.publication_part(record, "mesh", 1) == f"{record}/mesh/1"
    assert IriScheme.publication_part(record, "abstract", 2) == f"{record}/abstract/2"
    assert IriScheme.publication_part(record, "grant", 10) == f"{record}/grant/10"
    assert IriScheme.author_list(record) == f"{record}/authors"
    assert len({IriScheme.publication_part(record, kind, n) for kind in ("mesh", "abstract", "grant") for n in (1, 2)}) == 6
