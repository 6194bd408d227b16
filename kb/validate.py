"""SHACL validation of the KB against ``ontology/shapes.ttl``."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import SH

from kb.paths import ontology_dir
from kb.store import StoreBackend

__all__ = ["ValidationReport", "shapes_graph", "validate_graph", "validate_store"]


@dataclass(frozen=True)
class ValidationReport:
    """Whether the KB conforms, how many results SHACL reported, and its text report."""

    conforms: bool
    violations: int
    text: str


def _union_graph(store: StoreBackend) -> Graph:
    graph = Graph()
    data = "".join(f"{quad.triple} .\n" for quad in store.quads())
    graph.parse(data=data, format="nt")
    return graph


def shapes_graph() -> Graph:
    """The SHACL shapes a KB must conform to."""
    return Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


def validate_graph(graph: Graph) -> ValidationReport:
    """Validate one RDF graph (a KB's union of graphs, or a hand-made one in a test) with pyshacl."""
    from pyshacl import validate  # heavy import, only when validating

    conforms, results_graph, text = validate(
        graph, shacl_graph=shapes_graph(), inference="none", abort_on_first=False, allow_warnings=True
    )
    violations = sum(1 for _ in results_graph.subjects(SH.resultSeverity, SH.Violation))
    return ValidationReport(bool(conforms), violations, text)


def validate_store(store: StoreBackend) -> ValidationReport:
    """Validate the union of all graphs (sources and vocabulary) with pyshacl."""
    return validate_graph(_union_graph(store))
