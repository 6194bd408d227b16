"""The SPARQL 1.1 Protocol details: the three ways to send a query, the dataset parameters,
content negotiation and format=, the service description, CORS, errors, the access log."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from tests.serve.conftest import Server

WEBER = "https://w3id.org/trial-evidence-kb/id/graph/source/weber-2007-mm009"
ASH = "https://w3id.org/trial-evidence-kb/id/graph/source/ash-2005-mm010-interim"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def _count(response: httpx.Response) -> int:
    return int(_rows(response)[0]["n"])


def test_get_post_form_and_post_body_agree(server: Server) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = httpx.get(server.sparql, params={"query": GRAPHS}, headers=accept)
    by_form = httpx.post(server.sparql, data={"query": GRAPHS}, headers=accept)
    by_body = httpx.post(server.sparql, content=GRAPHS.encode(), headers={**accept, "Content-Type": "application/sparql-query"})
    assert sorted(map(str, _rows(by_get))) == sorted(map(str, _rows(by_form))) == sorted(map(str, _rows(by_body)))
    assert len(_rows(by_get)) >= 5


def test_default_graph_uri_sets_the_default_graph(server: Server) -> None:
    union = _count(httpx.get(server.sparql, params={"query": COUNT, "format": "json"}))
    weber = _count(httpx.get(server.sparql, params={"query": COUNT, "default-graph-uri": WEBER, "format": "json"}))
    both = _count(httpx.post(server.sparql, data={"query": COUNT, "default-graph-uri": [WEBER, ASH], "format": "json"}))
    assert 0 < weber < both < union
    # the protocol's dataset overrides the query's FROM
    from_ash = "SELECT (COUNT(*) AS ?n) FROM <" + ASH + "> WHERE { ?s ?p ?o }"
    assert _count(httpx.get(server.sparql, params={"query": from_ash, "default-graph-uri": WEBER, "format": "json"})) == weber
    assert 0 < _count(httpx.get(server.sparql, params={"query": from_ash, "format": "json"})) == both - weber


def test_named_graph_uri_limits_the_named_graphs(server: Server) -> None:
    named = _rows(httpx.get(server.sparql, params={"query": GRAPHS, "named-graph-uri": [WEBER, ASH], "format": "json"}))
    assert sorted(row["g"] for row in named) == sorted([WEBER, ASH])
    # named graphs only: the default graph is empty
    assert _count(httpx.get(server.sparql, params={"query": COUNT, "named-graph-uri": WEBER, "format": "json"})) == 0


def test_bad_dataset_iri_is_400(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT, "default-graph-uri": "not an iri"})
    assert response.status_code == 400 and "default-graph-uri" in response.text


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),  # a browser
    (None, "application/sparql-results+json"),
])
def test_select_content_negotiation(server: Server, accept: str | None, media: str) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(("accept", "fmt", "media", "rdflib_format"), [
    ("text/turtle", None, "text/turtle", "turtle"),
    ("application/n-triples", None, "application/n-triples", "nt"),
    ("application/rdf+xml", None, "application/rdf+xml", "xml"),
    ("application/ld+json", None, "application/ld+json", "json-ld"),
    ("text/html", "jsonld", "application/ld+json", "json-ld"),
    (None, "application/n-triples", "application/n-triples", "nt"),
])
def test_construct_content_negotiation(server: Server, accept: str | None, fmt: str | None, media: str, rdflib_format: str) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + WEBER + "> { ?s ?p ?o } }"
    params = {"query": query, **({"format": fmt} if fmt else {})}
    response = httpx.get(server.sparql, params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == int(response.headers["X-KB-Rows"]) > 100


def test_not_acceptable_is_406(server: Server) -> None:
    assert httpx.get(server.sparql, params={"query": COUNT}, headers={"Accept": "image/png"}).status_code == 406
    response = httpx.get(server.sparql, params={"query": COUNT, "format": "turtle"})
    assert response.status_code == 406 and "turtle" in response.text


def test_service_description(server: Server) -> None:
    response = httpx.get(server.sparql)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = next(graph.subjects(rdflib.RDF.type, rdflib.URIRef(sd + "Service")))
    assert graph.value(service, rdflib.URIRef(sd + "endpoint")) == rdflib.URIRef(server.sparql)
    languages = set(graph.objects(service, rdflib.URIRef(sd + "supportedLanguage")))
    assert languages == {rdflib.URIRef(sd + "SPARQL11Query")}  # no write token: no update
    formats = set(graph.objects(service, rdflib.URIRef(sd + "resultFormat")))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats and len(formats) == 8
    as_json = httpx.get(server.sparql, headers={"Accept": "application/ld+json"})
    assert as_json.headers["content-type"] == "application/ld+json" and json.loads(as_json.text)


@pytest.mark.parametrize(("request_kwargs", "status", "words"), [
    ({"method": "GET", "params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "syntax error"),
    ({"method": "GET", "params": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}, 400, "federation is off"),
    ({"method": "GET", "params": {"query": "SELECT * WHERE { " + "{ " * 600 + "}" * 600 + " }"}}, 400, "nests brackets"),
    ({"method": "GET", "params": {"query": ["ASK {}", "ASK {}"]}}, 400, "one query"),
    ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
    ({"method": "POST", "content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "application/sparql-query"),
    ({"method": "POST", "data": {"format": "json"}}, 400, "no query"),
    ({"method": "POST", "content": b"ASK { \xff }", "headers": {"Content-Type": "application/sparql-query"}}, 400, "UTF-8"),
    ({"method": "PUT", "content": b"ASK {}"}, 405, ""),
])
def test_bad_requests(server: Server, request_kwargs: dict[str, object], status: int, words: str) -> None:
    response = httpx.request(url=server.sparql, **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert words in response.text


def test_cors(server: Server) -> None:
    preflight = httpx.options(server.sparql, headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = httpx.get(server.sparql, params={"query": COUNT}, headers={"Origin": "https://yasgui.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_access_log_is_json_lines(server: Server) -> None:
    httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }", "marker": "access-log-test"}, headers={"User-Agent": "log-test/1"})
    entries = [e for e in server.access_log() if "access-log-test" in str(e.get("query"))]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["method"] == "GET" and entry["path"] == "/sparql" and entry["status"] == 200 and entry["agent"] == "log-test/1"
    assert isinstance(entry["bytes"], int) and entry["bytes"] > 0 and isinstance(entry["ms"], float)
    assert str(entry["client"]).startswith("127.0.0.1:") and str(entry["time"]).endswith("Z")


def test_results_parse_as_oxigraph_reads_them(server: Server) -> None:
    """Unicode, language tags and datatypes survive the trip (XML and TSV parsed by Oxigraph)."""
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) != '' || regex(?l, '[^ -~]')) }"
    for fmt, parser in (("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV), ("json", ox.QueryResultsFormat.JSON)):
        body = httpx.get(server.sparql, params={"query": query, "format": fmt}).content
        parsed = ox.parse_query_results(body, parser)
        assert isinstance(parsed, ox.QuerySolutions)
        assert len(list(parsed)) > 0



def test_long_query_by_get(server: Server) -> None:
    """A query of 100 KB in the URL (say a long template, URL-encoded) is answered, not refused by the HTTP parser."""
    query = ("# " + "x" * 100 + "\n") * 1000 + "ASK { ?s ?p ?o }"
    with urllib.request.urlopen(server.sparql + "?" + urllib.parse.urlencode({"query": query, "format": "json"})) as answer:
        assert json.loads(answer.read())["boolean"] is True
