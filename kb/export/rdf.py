"""RDF exports of the whole KB or of one source.

Quad formats (N-Quads, TriG) keep every named graph and stream from the store.
Triple formats (Turtle, N-Triples, RDF/XML) hold the union of the graphs, or one
source's graph, or the graph a CONSTRUCT template builds. They stream too: a triple
held by several graphs is written once, from the first graph (by name) that holds it,
found by an index lookup rather than a set of everything written. JSON-LD keeps the
named graphs and is compacted with ``ontology/context.jsonld``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kb.export import formats_of
from kb.errors import ExportError, StoreError
from kb.namespaces import PREFIXES
from kb.paths import ontology_dir
from kb.store import OxigraphStore, StoreBackend, rdf_format

__all__ = ["RDF_FORMATS", "QUAD_FORMATS", "TRIPLE_FORMATS", "write_rdf", "write_triples", "union_triples"]

RDF_FORMATS = formats_of("rdf")
#: The formats that keep the named graphs; the others hold the union of the graphs.
QUAD_FORMATS = ("nquads", "trig", "jsonld")
TRIPLE_FORMATS = tuple(name for name in RDF_FORMATS if name not in QUAD_FORMATS)


def _graph_key(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else str(graph)


def union_triples(store: StoreBackend) -> Iterator[ox.Triple]:
    """Every triple of the union of the graphs, once, in constant memory.

    A triple is written from the graph that sorts first among those holding it: each
    triple costs one index lookup instead of a place in a set of everything written.
    """
    for quad in store.quads():
        key = _graph_key(quad.graph_name)
        holders = store.quads_matching(quad.subject, quad.predicate, quad.object, None)
        if all(_graph_key(other.graph_name) >= key for other in holders):
            yield quad.triple


def write_rdf(store: StoreBackend, output: IO[bytes] | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
    """Write the KB (or one graph) to ``output`` in ``format``."""
    if format not in RDF_FORMATS:
        raise ExportError(f"unknown export format {format!r}: use one of {', '.join(RDF_FORMATS)}")
    if format == "jsonld":
        _write_jsonld(store, output, graph)
        return
    if format in QUAD_FORMATS:
        if graph is not None:
            quads = (ox.Quad(q.subject, q.predicate, q.object, graph) for q in store.quads(graph))
            _serialize(quads, output, format)
        else:
            store.dump(output, format=format)
        return
    triples = (q.triple for q in store.quads(graph)) if graph is not None else union_triples(store)
    _serialize(triples, output, format)


def write_triples(triples: list[ox.Triple], output: IO[bytes] | Path, *, format: str) -> None:
    """Write a graph (e.g. a CONSTRUCT template's result) in a triple format or as JSON-LD."""
    if format == "jsonld":
        memory = OxigraphStore.memory()
        memory.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        _write_jsonld(memory, output, None)
        return
    if format not in TRIPLE_FORMATS:
        raise StoreError(f"a graph is written as one of {', '.join(TRIPLE_FORMATS + ('jsonld',))}, not {format!r}")
    _serialize(triples, output, format)


def _serialize(items, output: IO[bytes] | Path, format: str) -> None:
    prefixes = PREFIXES if format in ("turtle", "trig", "xml") else None
    try:
        ox.serialize(items, str(output) if isinstance(output, Path) else output, rdf_format(format), prefixes=prefixes)
    except (OSError, ValueError, TypeError) as error:
        raise StoreError(f"export failed: {error}") from error


def _write_jsonld(store: StoreBackend, output: IO[bytes] | Path, graph: ox.NamedNode | None) -> None:
    # rdflib compacts with our context; the KB is small enough for this path (RDF formats stream).
    from rdflib import Dataset

    buffer = io.BytesIO()
    write_rdf(store, buffer, format="nquads", graph=graph)
    dataset = Dataset()
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
    context = json.loads((ontology_dir() / "context.jsonld").read_text(encoding="utf-8"))
    text = dataset.serialize(format="json-ld", context=context.get("@context", context), auto_compact=True)
    if isinstance(output, Path):
        output.write_text(text, encoding="utf-8")
    else:
        output.write(text.encode("utf-8"))
