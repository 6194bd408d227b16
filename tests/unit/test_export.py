"""Exports: every RDF format re-imports to the same KB (named graphs included where kept)."""

from __future__ import annotations

import io

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kb.export.rdf import QUAD_FORMATS, write_rdf
from kb.store import KBStore

_RDFLIB_FORMATS = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld", "turtle": "turtle", "nt": "nt", "xml": "xml"}


def store_as_dataset(store: KBStore) -> Dataset:
    buffer = io.BytesIO()
    store.dump(buffer, format="nquads")
    dataset = Dataset()
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
    return dataset


def graphs_by_name(dataset: Dataset) -> dict[str, Graph]:
    result = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            result[str(graph.identifier)] = copy
    return result


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_quad_exports_reimport_into_our_store_isomorphically(example_store: KBStore, fmt: str) -> None:
    buffer = io.BytesIO()
    write_rdf(example_store, buffer, format=fmt)
    copy = KBStore.memory()
    copy.load(buffer.getvalue(), format=fmt)
    original, reloaded = graphs_by_name(store_as_dataset(example_store)), graphs_by_name(store_as_dataset(copy))
    assert original.keys() == reloaded.keys()
    for name, graph in original.items():
        assert isomorphic(graph, reloaded[name]), name


@pytest.mark.parametrize("fmt", QUAD_FORMATS)
def test_quad_exports_parse_with_rdflib_per_graph(example_store: KBStore, fmt: str) -> None:
    """A second, independent parser (rdflib) reads every named graph back isomorphically."""
    buffer = io.BytesIO()
    write_rdf(example_store, buffer, format=fmt)
    parsed = Dataset()
    parsed.parse(data=buffer.getvalue().decode("utf-8"), format=_RDFLIB_FORMATS[fmt])
    original, reloaded = graphs_by_name(store_as_dataset(example_store)), graphs_by_name(parsed)
    assert original.keys() == reloaded.keys()
    for name, graph in original.items():
        assert isomorphic(graph, reloaded[name]), name


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml"])
def test_triple_exports_hold_the_union(example_store: KBStore, fmt: str) -> None:
    buffer = io.BytesIO()
    write_rdf(example_store, buffer, format=fmt)
    parsed = Graph().parse(data=buffer.getvalue().decode("utf-8"), format=_RDFLIB_FORMATS[fmt])
    union = Graph()
    for graph in graphs_by_name(store_as_dataset(example_store)).values():
        for triple in graph:
            union.add(triple)
    assert isomorphic(parsed, union)


def test_one_source_exports_only_its_graph(example_store: KBStore) -> None:
    graph = next(g for g in example_store.named_graphs() if "/graph/source/" in g.value)
    buffer = io.BytesIO()
    write_rdf(example_store, buffer, format="nquads", graph=graph)
    lines = [line for line in buffer.getvalue().decode("utf-8").splitlines() if line]
    assert len(lines) == example_store.count(graph)
    assert all(line.endswith(f"<{graph.value}> .") for line in lines)


def test_unknown_format_is_a_clear_error(example_store: KBStore) -> None:
    from kb.errors import ExportError

    with pytest.raises(ExportError, match="unknown export format 'rdfa'"):
        write_rdf(example_store, io.BytesIO(), format="rdfa")


def test_union_triples_streams_each_triple_once(example_store: KBStore) -> None:
    from kb.export.rdf import union_triples

    streamed = list(union_triples(example_store))
    assert len(streamed) == len(set(streamed))
    # The same set a copy of everything would give; shared nodes (journals, vocabulary) appear once.
    assert set(streamed) == {quad.triple for quad in example_store.quads()}
    assert len(streamed) < sum(1 for _ in example_store.quads())


def test_a_triple_in_two_graphs_is_written_once() -> None:
    import pyoxigraph as ox

    store = KBStore.memory()
    triple = (ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"))
    store.bulk_extend([ox.Quad(*triple, ox.NamedNode(f"http://example.org/g{n}")) for n in (2, 1, 3)])
    store.bulk_extend([ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("only"), ox.NamedNode("http://example.org/g3"))])
    buffer = io.BytesIO()
    write_rdf(store, buffer, format="nt")
    lines = [line for line in buffer.getvalue().decode("utf-8").splitlines() if line]
    assert sorted(lines) == sorted(['<http://example.org/s> <http://example.org/p> "o" .', '<http://example.org/s> <http://example.org/p> "only" .'])


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml", "jsonld"])
def test_construct_template_exports_the_drugs_evidence(example_store: KBStore, fmt: str) -> None:
    from kb.export.rdf import write_triples
    from kb.namespaces import TEKB
    from kb.query import construct_template
    from kb.vocab import get_vocabulary
    from rdflib import RDF, URIRef

    triples = construct_template(example_store, "drug_evidence", {"drug": "Revlimid"}, vocabulary=get_vocabulary())
    buffer = io.BytesIO()
    write_triples(triples, buffer, format=fmt)
    graph = Graph().parse(data=buffer.getvalue().decode("utf-8"), format=_RDFLIB_FORMATS[fmt])
    assert len(graph) == len(triples)
    lenalidomide = URIRef("http://purl.obolibrary.org/obo/CHEBI_63791")
    # Every finding in the graph belongs to a trial with an arm receiving lenalidomide, or is its mechanism claim.
    trials = {t for arm in graph.subjects(URIRef(TEKB.receivesDrug), lenalidomide) for t in graph.objects(arm, URIRef(TEKB.inTrial))}
    assert trials
    for kind in (TEKB.OutcomeResult, TEKB.AdverseEventResult):
        findings = set(graph.subjects(RDF.type, URIRef(kind)))
        assert findings, kind
        assert all(set(graph.objects(f, URIRef(TEKB.inTrial))) <= trials for f in findings)
    claims = set(graph.subjects(RDF.type, URIRef(TEKB.MechanismClaim)))
    assert claims and all((c, URIRef(TEKB.drug), lenalidomide) in graph for c in claims)
    # Arm counts and measurements come with their findings.
    assert any(True for _ in graph.subjects(URIRef(TEKB.percent), None))
    assert any(True for _ in graph.subjects(URIRef(TEKB.estimate), None))


def test_construct_graph_is_not_a_quad_format(example_store: KBStore) -> None:
    from kb.errors import StoreError
    from kb.export.rdf import write_triples

    with pytest.raises(StoreError, match="not 'nquads'"):
        write_triples([], io.BytesIO(), format="nquads")
