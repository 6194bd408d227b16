"""SPARQLWrapper against a running ``kb serve``: the same answers as ``kb sparql`` on the same
store, in every results format, by GET and by POST."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kb.paths import queries_dir
from tests.serve.conftest import Server, kb_sparql

TEKB = "PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>\n"
SELECTS = {
    "counts": "SELECT (COUNT(*) AS ?quads) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { ?s ?p ?o }",
    "sources": TEKB + "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g a tekb:SourceGraph ; ?p ?o } } ORDER BY ?g ?p ?o",
    # literals with language tags, datatypes, Unicode and quotes; unbound values in OPTIONAL
    "labels": "SELECT ?s ?label ?lang WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label OPTIONAL { FILTER(lang(?label) != '') BIND(lang(?label) AS ?lang) } } ORDER BY ?s ?label",
    # a catalogue template as it stands (its header is a comment): unbound parameters, every row
    "outcome_results template": (queries_dir() / "outcome_results.rq").read_text(encoding="utf-8"),
}
ASKS = {"yes": "ASK { ?s ?p ?o }", "no": "ASK { <http://example.org/nothing> ?p ?o }"}
CONSTRUCTS = {
    "publications": "PREFIX dcterms: <http://purl.org/dc/terms/>\nCONSTRUCT { ?p dcterms:title ?t ; dcterms:date ?d } WHERE { ?p dcterms:title ?t OPTIONAL { ?p dcterms:date ?d } }",
    "describe": "DESCRIBE <https://doi.org/10.1056/nejmoa070596>",
}
#: SPARQLWrapper's own warnings: it asks for */* when JSON is asked of a CONSTRUCT (the endpoint
#: still answers JSON-LD, by format=json), and it builds rdflib's deprecated ConjunctiveGraph.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning:SPARQLWrapper"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning:SPARQLWrapper"),
]
_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}


def _solutions(body: bytes, fmt: str) -> list[tuple[str, ...]]:
    """The solutions of a results document as sorted rows of N-Triples terms (CSV: of its cells)."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return sorted(map(tuple, rows[1:])) + [tuple(rows[0])]
    parsed = ox.parse_query_results(body, _RESULTS[fmt])
    assert isinstance(parsed, ox.QuerySolutions)
    variables = [v.value for v in parsed.variables]
    rows = sorted(tuple("" if s[v] is None else str(s[v]) for v in variables) for s in parsed)
    return rows + [tuple(variables)]


def _wrapper(server: Server, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method == "POST":
        client.setMethod(POST)
    return client


def _raw(client: SPARQLWrapper) -> tuple[bytes, str]:
    """The response body and content type SPARQLWrapper received."""
    result = client.query()
    return result.response.read(), result.response.headers.get("content-type", "")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("name", SELECTS)
def test_select_rows_equal_kb_sparql(server: Server, name: str, fmt: str, method: str) -> None:
    query = SELECTS[name]
    expected = _solutions(kb_sparql(server.store, query, fmt), fmt)
    body, content_type = _raw(_wrapper(server, query, {"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV}[fmt], method))
    assert content_type.split(";")[0] == {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv", "tsv": "text/tab-separated-values"}[fmt]
    assert _solutions(body, fmt) == expected
    assert len(expected) > 1  # a query with rows: an empty answer on both sides would prove nothing


def test_select_converts_as_sparqlwrapper_reads_it(server: Server) -> None:
    """SPARQLWrapper's own conversion (JSON into dicts) reads what kb sparql prints."""
    query = SELECTS["sources"]
    converted: Any = _wrapper(server, query, JSON, "GET").query().convert()
    assert converted == json.loads(kb_sparql(server.store, query, "json"))


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("name", ASKS)
def test_ask_equals_kb_sparql(server: Server, name: str, fmt: str) -> None:
    query = ASKS[name]
    body, _ = _raw(_wrapper(server, query, {"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV}[fmt], "GET"))
    expected = kb_sparql(server.store, query, fmt)
    if fmt in ("json", "xml"):
        assert bool(ox.parse_query_results(body, _RESULTS[fmt])) == bool(ox.parse_query_results(expected, _RESULTS[fmt])) == (name == "yes")
    else:
        assert body.strip() == expected.strip()


def _graph(body: bytes, rdflib_format: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    return graph


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("fmt", "rdflib_format", "media"), [
    (TURTLE, "turtle", "text/turtle"), (N3, "turtle", "text/turtle"), (RDFXML, "xml", "application/rdf+xml"),
    (JSONLD, "json-ld", "application/ld+json"), (XML, "xml", "application/rdf+xml"), (JSON, "json-ld", "application/ld+json"),
])
@pytest.mark.parametrize("name", CONSTRUCTS)
def test_construct_graph_equals_kb_sparql(server: Server, name: str, fmt: str, rdflib_format: str, media: str, method: str) -> None:
    query = CONSTRUCTS[name]
    expected = _graph(kb_sparql(server.store, query), "nt")  # kb sparql prints N-Triples
    assert len(expected) > 3
    body, content_type = _raw(_wrapper(server, query, fmt, method))
    assert content_type.split(";")[0] == media
    assert isomorphic(_graph(body, rdflib_format), expected)


def test_construct_converts_into_an_rdflib_graph(server: Server) -> None:
    converted: Any = _wrapper(server, CONSTRUCTS["publications"], RDFXML, "GET").query().convert()
    assert isomorphic(converted, _graph(kb_sparql(server.store, CONSTRUCTS["publications"]), "nt"))


def test_same_store_for_both(server: Server, module_store: Path) -> None:
    """The comparisons above ran against the store the server serves."""
    assert server.store == module_store
