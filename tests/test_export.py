"""Exports: every RDF format re-imports to the same KB (named graphs included where kept)."""

from __future__ import annotations

import io

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kb.export import QUAD_FORMATS, write_rdf
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
    from kb.errors import StoreError

    with pytest.raises(StoreError, match="unknown export format 'rdfa'"):
        write_rdf(example_store, io.BytesIO(), format="rdfa")
