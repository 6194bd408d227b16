"""The endpoint writes SELECT results through SPARQL JSON (to stop at the row limit); every format
must come out as Oxigraph writes the live result: checked on awkward terms, in process."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.serve.config import ServeConfig
from kb.serve.formats import RESULTS_FORMATS
from kb.serve.jobs import SparqlJob
from kb.serve.results import plain_value
from kb.serve.worker_process import _Worker
from kb.sparql import declares_dataset

EX = "http://example.org/"
QUERY = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } } ORDER BY ?s ?p ?o"


@pytest.fixture
def kb() -> KnowledgeBase:
    handle = KnowledgeBase.memory()
    graph = ox.NamedNode(EX + "g")
    objects = [
        ox.Literal("plain"), ox.Literal("Grüße, \"quoted\"\nnew line\ttab", language="de"), ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("0.25", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), ox.Literal("x", datatype=ox.NamedNode(EX + "custom")),
        ox.BlankNode("b1"), ox.NamedNode(EX + "o?a=1&b=%3C2%3E"), ox.Literal("🙂 κ-B 中文"), ox.Literal(""),
    ]
    store = handle.store
    for index, obj in enumerate(objects):
        store.bulk_extend([ox.Quad(ox.NamedNode(f"{EX}s{index}"), ox.NamedNode(EX + "p"), obj, graph)])
    store.bulk_extend([ox.Quad(ox.BlankNode("b1"), ox.NamedNode(EX + "p"), ox.Literal("on a blank node"), graph)])
    return handle


def _native(kb: KnowledgeBase, fmt: ox.QueryResultsFormat) -> bytes:
    result = kb.raw_sparql(QUERY)
    return bytes(result.serialize(None, fmt) or b"")


@pytest.mark.parametrize("fmt", RESULTS_FORMATS, ids=[f.name for f in RESULTS_FORMATS])
def test_every_results_format_as_oxigraph_writes_it(kb: KnowledgeBase, fmt: object) -> None:
    from kb.serve.formats import Format

    assert isinstance(fmt, Format)
    worker = _Worker(ServeConfig(Path("unused"), row_limit=1000))
    reply = worker.sparql(SparqlJob(QUERY, format=fmt.name), kb)
    native = _native(kb, fmt.results)
    if fmt.name == "json":  # our JSON text is spaced differently: compare what it says
        assert list(ox.parse_query_results(reply.body, fmt.results)) == list(ox.parse_query_results(native, fmt.results))  # type: ignore[arg-type]
    else:
        assert reply.body == native
    assert reply.count == 10 and not reply.truncated


def test_row_limit_cuts_after_the_limit(kb: KnowledgeBase) -> None:
    reply = _Worker(ServeConfig(Path("unused"), row_limit=4)).sparql(SparqlJob(QUERY, format="csv"), kb)
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8"), newline="")))
    assert reply.truncated and reply.count == 4 and len(rows) == 5


def test_plain_values() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert plain_value(ox.Literal("0.25", datatype=ox.NamedNode(xsd + "decimal"))) == 0.25
    assert plain_value(ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean"))) is True
    assert plain_value(ox.Literal("abc", datatype=ox.NamedNode(xsd + "integer"))) == "abc"  # ill-typed: its text
    assert plain_value(ox.BlankNode("x")) == "_:x"
    assert plain_value(ox.Literal("2007-11", datatype=ox.NamedNode(xsd + "gYearMonth"))) == "2007-11"


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * FROM <http://a> WHERE { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <http://a> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("PREFIX ex: <http://example.org/>\nselect * from ex:g { ?s ?p ?o }", True),
    ("SELECT ?from WHERE { ?from ?p ?o }", False),
    ("SELECT * WHERE { ?s ex:from ?o }", False),
    ("SELECT * WHERE { ?s ?p 'FROM <x>' } # FROM <y>", False),
    ("SELECT * WHERE { ?s <http://example.org/FROM> ?o }", False),
    # A dataset clause stands outside every group, wherever the WHERE group starts.
    ("CONSTRUCT { ?s ?p ?o } FROM <http://a> { ?s ?p ?o }", True),
    ("CONSTRUCT { ?s ?p ?o } FROM <http://a> WHERE { ?s ?p ?o }", True),
    ("DESCRIBE <http://x> FROM <http://a>", True),
    ("ASK FROM <http://a> { ?s ?p ?o }", True),
    ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } } FILTER(?s != <http://a>) }", False),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?from", False),
])
def test_declares_dataset(query: str, expected: bool) -> None:
    assert declares_dataset(query) is expected
