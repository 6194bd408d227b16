"""The remote backend: a SPARQL 1.1 server (Oxigraph server, Virtuoso, GraphDB, Fuseki ...).

Reads by the SPARQL 1.1 Protocol, writes by SPARQL 1.1 Update, whole graphs and bulk quads by the
Graph Store HTTP Protocol where the server has one (decision 0005; docs/remote-store.md). Settings
from the URL and the environment, credentials only from the environment and never shown; every
failure is a StoreError (QueryError for a rejected query) naming the endpoint.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from kb.errors import QueryError, StoreError
from kb.sparql import bind_values
from kb.store.backend import Dataset, GraphName, SelectResult, Term, is_remote
from kb.store.oxigraph import rdf_format

__all__ = ["RemoteSettings", "RemoteStore", "is_remote"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_JSON = "application/sparql-results+json"
#: Graphs Virtuoso keeps for itself: never a KB source, left out of graph lists and counts.
_VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                           "http://www.w3.org/2002/07/owl#", "http://localhost:8890/")
_FORM_RE = re.compile(r"#[^\n]*|\"\"\".*?\"\"\"|'''.*?'''|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|<[^<>\s]*>|"
                      r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.DOTALL)


def _shown(url: str) -> str:
    parts = urlsplit(url)  # no user:password@ in messages
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else parts.netloc))


@dataclass(frozen=True)
class RemoteSettings:
    """Where a server's endpoints are and how to talk to them.

    ``flavour`` chooses the defaults: ``oxigraph`` (a URL without a path: ``/query``, ``/update``,
    ``/store``), ``virtuoso`` (a URL ending in ``/sparql``: one endpoint, digest authentication) or
    ``generic`` (the URL for queries and updates). The ``KB_STORE_*`` variables override them; the
    table is in ``docs/remote-store.md``.
    """

    url: str
    query: str
    update: str
    graph_store: str | None
    flavour: str
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    timeout: float = 60.0
    batch: int = 50_000
    page: int = 10_000

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str] | None = None) -> RemoteSettings:
        env = os.environ if environ is None else environ
        parts = urlsplit(url)
        user, password = parts.username, parts.password
        base = urlunsplit(parts._replace(netloc=_shown(url).split("/")[2], query="", fragment="")).rstrip("/")
        path = parts.path.rstrip("/")
        flavour = env.get("KB_STORE_FLAVOUR") or ("oxigraph" if not path else "virtuoso" if path.endswith(("/sparql", "/sparql-auth")) else "generic")
        if flavour not in ("oxigraph", "virtuoso", "generic"):
            raise StoreError(f"KB_STORE_FLAVOUR must be oxigraph, virtuoso or generic, not {flavour!r}")
        if flavour == "oxigraph":
            query, update, graph_store = f"{base}/query", f"{base}/update", f"{base}/store"
            if path.endswith(("/query", "/update", "/store")):
                root = base.rsplit("/", 1)[0]
                query, update, graph_store = f"{root}/query", f"{root}/update", f"{root}/store"
        else:
            query, update, graph_store = base, base, None
        graph_store = env.get("KB_STORE_GRAPH_STORE_URL", graph_store)
        try:
            return cls(
                url=base, query=env.get("KB_STORE_QUERY_URL") or query, update=env.get("KB_STORE_UPDATE_URL") or update,
                graph_store=None if graph_store in (None, "", "none") else graph_store, flavour=flavour,
                user=env.get("KB_STORE_USER") or user, password=env.get("KB_STORE_PASSWORD") or password,
                auth=env.get("KB_STORE_AUTH") or ("digest" if flavour == "virtuoso" else "basic"),
                timeout=float(env.get("KB_STORE_TIMEOUT") or 60), batch=int(env.get("KB_STORE_BATCH") or 50_000),
                page=int(env.get("KB_STORE_PAGE") or 10_000),
            )
        except ValueError as error:
            raise StoreError(f"bad remote store setting: {error}") from None


class RemoteStore:
    """A knowledge-base store on a SPARQL 1.1 server, queried as the union of its named graphs."""

    path: Path | None = None

    def __init__(self, settings: RemoteSettings, *, read_only: bool = False, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.url = settings.url
        self.read_only = read_only
        self._session = session or requests.Session()
        if settings.user:
            password = settings.password or ""
            self._session.auth = (requests.auth.HTTPDigestAuth(settings.user, password) if settings.auth == "digest"
                                  else requests.auth.HTTPBasicAuth(settings.user, password))
        self._closed = False

    @classmethod
    def open(cls, url: str, *, read_only: bool = False, check: bool = True) -> RemoteStore:
        """Connect to the server at ``url``; with ``check``, ask it one query to fail early and clearly."""
        store = cls(RemoteSettings.from_url(url), read_only=read_only)
        if check:
            store._check_union()
        return store

    def __repr__(self) -> str:
        return f"<RemoteStore {self.settings.flavour} at {_shown(self.settings.query)}>"

    def close(self) -> None:
        self._closed = True
        self._session.close()

    def flush(self) -> None:
        """Nothing is buffered: every write is a request the server has answered."""

    def optimize(self) -> None: """Nothing: the server compacts its own storage."""

    def _check_union(self) -> None:
        """Fail when the server has named graphs but does not query their union by default."""
        if self.ask("ASK { GRAPH ?g { ?s ?p ?o } }") and not self.ask("ASK { ?s ?p ?o }"):
            raise StoreError(f"the server at {_shown(self.settings.query)} does not query the union of its named graphs "
                             "by default; configure it so (docs/remote-store.md), e.g. oxigraph serve --union-default-graph")

    # -- HTTP --------------------------------------------------------------------------------------
    def _request(self, role: str, url: str, *, method: str = "POST", retries: int = 0, **kwargs: Any) -> requests.Response:
        if self._closed:
            raise StoreError(f"the store at {_shown(self.url)} is closed")
        for attempt in range(retries + 1):
            try:
                response = self._session.request(method, url, timeout=self.settings.timeout, **kwargs)
                if response.status_code not in (502, 503, 504) or attempt == retries:
                    break
            except requests.Timeout:
                if attempt == retries:
                    raise StoreError(f"the SPARQL {role} endpoint {_shown(url)} did not answer within {self.settings.timeout:g}s") from None
            except requests.RequestException as error:
                if attempt == retries:
                    reason = str(error).split(":")[-1].strip(" '\")>") or type(error).__name__
                    raise StoreError(f"cannot reach the SPARQL {role} endpoint {_shown(url)}: {reason}") from None
            time.sleep(0.2 * 2 ** attempt)
        if response.status_code < 300:
            return response
        text = response.text.strip()
        detail = next((line.strip() for line in text.splitlines() if line.strip()), f"HTTP {response.status_code}")[:300]
        if response.status_code in (401, 403):
            raise StoreError(f"the SPARQL {role} endpoint {_shown(url)} refused the request (HTTP {response.status_code}): "
                             "set KB_STORE_USER and KB_STORE_PASSWORD to an account allowed to " + ("update" if role != "query" else "query"))
        if role == "query" and response.status_code == 400:
            raise QueryError(f"the SPARQL query endpoint {_shown(url)} rejected the query: {detail}")
        prefix = "write failed, store unchanged: " if role != "query" else ""
        raise StoreError(f"{prefix}the SPARQL {role} endpoint {_shown(url)} answered HTTP {response.status_code}: {detail}")

    def _post_query(self, text: str, accept: str) -> requests.Response:
        params = {"union-default-graph": ""} if self.settings.flavour == "oxigraph" else None
        return self._request("query", self.settings.query, data={"query": text}, params=params,
                             headers={"Accept": accept}, retries=2)

    def _post_update(self, update: str) -> None:
        self._check_writable()
        self._request("update", self.settings.update, data={"update": update})

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the store at {_shown(self.url)} is open read-only")

    # -- reading -----------------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        """Run a SELECT query over the union of graphs, with variables bound to RDF terms."""
        text = bind_values(query, bindings or {})
        if _query_form(text) != "SELECT":
            raise QueryError("expected a SELECT query")
        return self._select(text)

    def _select(self, text: str) -> SelectResult:
        document = self._json(self._post_query(text, _JSON))
        variables = tuple(document.get("head", {}).get("vars", []))
        try:
            rows = tuple(tuple(_term(binding[name]) if name in binding else None for name in variables)
                         for binding in document["results"]["bindings"])
        except (KeyError, TypeError, ValueError, SyntaxError) as error:
            raise StoreError(f"the SPARQL query endpoint {_shown(self.settings.query)} sent results kb cannot read: {error}") from None
        return SelectResult(variables, rows)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the union of graphs."""
        return bool(self._json(self._post_query(bind_values(query, bindings or {}), _JSON)).get("boolean"))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query over the union of graphs."""
        response = self._post_query(bind_values(query, bindings or {}), "application/n-triples")
        return list(self._triples(response, self.settings.query))

    def raw_query(self, query: str, bindings: Mapping[str, Term] | None = None, *, dataset: Dataset | None = None) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run any query: pyoxigraph's results or triples; ``FROM`` is the server's to honour, a ``dataset`` given apart is refused."""
        if dataset is not None:
            raise QueryError("a dataset given apart from the query is not supported on a remote store: use FROM / FROM NAMED")
        text = bind_values(query, bindings or {})
        form = _query_form(text)
        if form == "SELECT":
            return ox.parse_query_results(_results_json(self._select(text)), ox.QueryResultsFormat.JSON)  # type: ignore[return-value]
        if form == "ASK":
            return ox.parse_query_results(json.dumps({"head": {}, "boolean": self.ask(text)}).encode(), ox.QueryResultsFormat.JSON)  # type: ignore[return-value]
        return self.construct(text)

    def _json(self, response: requests.Response) -> dict[str, Any]:
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise StoreError(f"the SPARQL query endpoint {_shown(self.settings.query)} did not answer with SPARQL JSON results "
                             f"(Content-Type {response.headers.get('Content-Type')!r})")
        return document

    def _triples(self, response: requests.Response, url: str) -> Iterator[ox.Triple]:
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        rdf = ox.RdfFormat.from_media_type(kind) or ox.RdfFormat.N_TRIPLES
        try:
            for item in ox.parse(response.content, rdf):
                yield item.triple if isinstance(item, ox.Quad) else item
        except SyntaxError as error:
            raise StoreError(f"the SPARQL endpoint {_shown(url)} sent {kind or 'RDF'} kb cannot read: {error}") from None

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs, or those of one graph (a graph at a time, in pages)."""
        for name in ([graph] if graph is not None else self.named_graphs()):
            yield from self._graph_quads(name)

    def _graph_quads(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        if self.settings.graph_store is None:  # SELECT in pages (servers cap result rows); ORDER BY keeps pages stable
            page, offset, rows = self.settings.page, 0, SelectResult((), ()).rows
            while offset == 0 or len(rows) == page:
                query = f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o LIMIT {page} OFFSET {offset}"
                rows, offset = self._select(query).rows, offset + page
                yield from (ox.Quad(*row[:3], graph) for row in rows)  # type: ignore[arg-type, misc, call-arg]
            return
        try:
            response = self._request("graph store", self.settings.graph_store, method="GET", params={"graph": graph.value},
                                     headers={"Accept": "application/n-triples"}, retries=2)
        except StoreError as error:
            if "HTTP 404" in str(error):  # no such graph
                return
            raise
        for triple in self._triples(response, self.settings.graph_store):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def quads_matching(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything); blank nodes are matched here, not on the server."""
        if isinstance(graph, ox.DefaultGraph):
            return iter(())
        pattern = {"s": subject, "p": predicate, "o": object, "g": graph}
        bound = {name: term for name, term in pattern.items() if isinstance(term, (ox.NamedNode, ox.Literal))}
        local = {name: term for name, term in pattern.items() if term is not None and name not in bound}
        result = self._select(bind_values(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter('?g')} }}", bound))
        quads = (ox.Quad(*row) for row in result.rows)  # type: ignore[arg-type, misc]
        return (q for q in quads if all(getattr(q, _FIELDS[name]) == term for name, term in local.items()))

    def _graph_filter(self, variable: str) -> str:
        if self.settings.flavour != "virtuoso":
            return ""
        return "FILTER(" + " && ".join(f'!STRSTARTS(STR({variable}), "{prefix}")' for prefix in _VIRTUOSO_SYSTEM_GRAPHS) + ")"

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs that hold a quad (Virtuoso's own graphs left out)."""
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter('?g')} }}").rows
        return [row[0] for row in rows if isinstance(row[0], ox.NamedNode)]

    def has_graph(self, graph: ox.NamedNode) -> bool:
        """Whether ``graph`` holds any quad."""
        return self.ask(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")

    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Number of quads in the named graphs, or in one graph."""
        where = f"GRAPH {graph} {{ ?s ?p ?o }}" if graph is not None else f"GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter('?g')}"
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}").rows
        value = rows[0][0] if rows else None
        return int(value.value) if isinstance(value, ox.Literal) else 0

    def distinct_triples(self) -> int:
        """Distinct triples across the named graphs (Virtuoso's own left out): DISTINCT inside GRAPH ?g, a scan on the server."""
        return next((int(r[0].value) for r in self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter('?g')} }} }}").rows if isinstance(r[0], ox.Literal)), 0)

    def dump(self, output: IO[bytes] | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Serialize the named graphs (or one graph) to ``output``, a graph at a time."""
        rdf = rdf_format(format)
        items: Iterable[ox.Quad] | Iterable[ox.Triple]
        if rdf.supports_datasets:
            items = self.quads(graph)
        elif graph is not None:
            items = (quad.triple for quad in self.quads(graph))
        else:
            raise StoreError(f"export failed: {format} holds one graph; name one, or use nquads or trig")
        try:
            ox.serialize(items, str(output) if isinstance(output, Path) else output, rdf)
        except (OSError, ValueError) as error:
            raise StoreError(f"export failed: {error}") from error

    # -- writing -----------------------------------------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``: one SPARQL Update request (DROP, then INSERT)."""
        self._check_writable()
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        self._post_update(" ;\n".join([f"DROP SILENT GRAPH {graph}", *_inserts(quads)]))

    def remove_graph(self, graph: ox.NamedNode) -> int:
        """Delete ``graph`` and all its statements; return how many were removed."""
        self._check_writable()
        removed = self.count(graph)
        self._post_update(f"DROP SILENT GRAPH {graph}")
        return removed

    def load(self, source: IO[bytes] | bytes | str | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Parse an RDF document here and add it in batches (quad formats keep their graphs)."""
        rdf = rdf_format(format)
        target = graph if graph is not None else ox.DefaultGraph()
        try:
            if isinstance(source, Path):
                parsed = ox.parse(path=str(source), format=rdf)
            else:
                parsed = ox.parse(source.encode() if isinstance(source, str) else source, rdf)
            quads = [item if isinstance(item, ox.Quad) and graph is None else ox.Quad(item.subject, item.predicate, item.object, target)
                     for item in parsed]
        except SyntaxError as error:
            raise StoreError(f"cannot parse {format} input: {error}") from error
        except OSError as error:
            raise StoreError(f"load failed: {error}") from error
        self.bulk_extend(quads)

    def bulk_load(self, source: IO[bytes] | bytes | Path, *, format: str) -> None:
        """As :meth:`load`: batches of ``KB_STORE_BATCH`` quads, each its own request (no transaction)."""
        self.load(source, format=format)

    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Delete several graphs (absent ones are ignored) in one Update request."""
        if update := " ;\n".join(f"DROP SILENT GRAPH {graph}" for graph in graphs):
            self._post_update(update)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads, ``KB_STORE_BATCH`` per request (Graph Store POST of N-Quads where there is one)."""
        self._check_writable()
        iterator = iter(quads)
        while batch := list(islice(iterator, self.settings.batch)):
            if self.settings.graph_store is not None and not any(isinstance(q.graph_name, ox.DefaultGraph) for q in batch):
                body = ox.serialize(batch, format=ox.RdfFormat.N_QUADS)
                self._request("graph store", self.settings.graph_store, data=body,
                              headers={"Content-Type": "application/n-quads"})
            else:
                self._post_update(" ;\n".join(_inserts(batch)))


_FIELDS = {"s": "subject", "p": "predicate", "o": "object", "g": "graph_name"}
#: Triples per INSERT DATA operation: Virtuoso compiles each to SQL and refuses very long ones.
_PER_OPERATION = 500


def _inserts(quads: list[ox.Quad]) -> list[str]:
    """SPARQL Update operations adding ``quads``: INSERT DATA blocks, and one INSERT ... WHERE {} for
    the quads with blank nodes (Virtuoso refuses them in INSERT DATA; one operation keeps them one node)."""
    blank = [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
    plain = [q for q in quads if not (isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))]
    operations = [f"INSERT DATA {{ {_blocks(plain[i:i + _PER_OPERATION])} }}" for i in range(0, len(plain), _PER_OPERATION)]
    if blank:
        operations.append(f"INSERT {{ {_blocks(blank)} }} WHERE {{}}")
    return operations


def _blocks(quads: list[ox.Quad]) -> str:
    graphs: dict[str, list[str]] = {}
    for quad in quads:
        key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        graphs.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    return "\n".join("\n".join(lines) if not key else f"GRAPH {key} {{\n" + "\n".join(lines) + "\n}" for key, lines in graphs.items())


def _query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside comments, strings and IRIs."""
    for match in _FORM_RE.finditer(text):
        if match.group(1):
            return match.group(1).upper()
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def _blank(label: str) -> ox.BlankNode:
    """A blank node from a server's label (Virtuoso's ``nodeID://b10000`` is not a valid one)."""
    try:
        return ox.BlankNode(label)
    except ValueError:
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9]", "_", label.removeprefix("nodeID://")) or "b")


def _term(binding: Mapping[str, Any]) -> Term:
    """A pyoxigraph term from one SPARQL JSON results binding."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return _blank(value)
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang") or binding.get("lang")
        if language:
            return ox.Literal(value, language=language)
        datatype = binding.get("datatype")
        if datatype and datatype != _XSD + "string":
            if datatype == _XSD + "boolean":  # Virtuoso answers booleans as 1 and 0
                value = {"1": "true", "0": "false"}.get(value, value)
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)
    if kind == "triple":
        subject, predicate, object_ = (_term(value[key]) for key in ("subject", "predicate", "object"))
        return ox.Triple(subject, predicate, object_)  # type: ignore[arg-type]
    raise ValueError(f"unknown term type {kind!r}")


def _encode(term: Term) -> dict[str, Any]:
    """One term as a SPARQL JSON results binding."""
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _encode(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    if not isinstance(term, ox.Literal):
        return {"type": "uri" if isinstance(term, ox.NamedNode) else "bnode", "value": term.value}
    extra = {"xml:lang": term.language} if term.language else {} if term.datatype.value == _XSD + "string" else {"datatype": term.datatype.value}
    return {"type": "literal", "value": term.value, **extra}


def _results_json(result: SelectResult) -> bytes:
    """``result`` as standard SPARQL JSON results (what pyoxigraph reads back)."""
    bindings = [{name: _encode(term) for name, term in zip(result.variables, row) if term is not None} for row in result.rows]
    return json.dumps({"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}).encode()
