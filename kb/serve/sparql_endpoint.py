"""The SPARQL 1.1 Protocol endpoint at ``/sparql``.

- Queries by GET (``?query=``), by POST form (``application/x-www-form-urlencoded``, ``query=``)
  and by POST ``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri`` set the
  dataset (they override the query's ``FROM``/``FROM NAMED``, as the protocol says); without
  either, the default graph is the union of all graphs, as ``kb sparql`` reads it.
- Results by content negotiation or ``format=`` (:mod:`kb.serve.formats`); ``X-KB-Rows`` says
  how many solutions or triples came back and ``X-KB-Truncated: true`` that the row limit cut them.
- The same checks as ``kb sparql`` (:func:`kb.sparql.check_query`: nesting, read-only,
  ``SERVICE`` only when the server allows it), then the query runs in a worker under the time limit.
- Updates by POST form (``update=``) or ``application/sparql-update``: 403 unless the server has a
  write token and the request carries it as ``Authorization: Bearer TOKEN``.
- GET without a query: the SPARQL 1.1 Service Description (Turtle by default).

Status codes: 400 malformed or refused request, 403 update without the token, 405 update by GET,
406 no acceptable format, 415 unknown request body type, 503 time limit passed or store busy.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

import pyoxigraph as ox
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from kb.errors import QueryError
from kb.serve.app import error_response
from kb.serve.context import NotAcceptableError, ServeContext
from kb.serve.formats import GRAPH_FORMATS, RESULTS_FORMATS, NotAcceptable, negotiate
from kb.serve.workers import SparqlJob

__all__ = ["routes", "service_description"]

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
#: Text formats are served with their charset (the JSON and XML types carry their own encoding).
_TEXT_TYPES = ("text/", "application/n-triples")


class ProtocolError(QueryError):
    """A request the SPARQL Protocol does not allow (HTTP 400 unless ``status`` says otherwise)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def routes(ctx: ServeContext) -> list[BaseRoute]:
    """``/sparql`` (GET and POST)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await _answer(ctx, request)
        except ProtocolError as error:
            headers = {"Allow": "POST"} if error.status == 405 else None
            response = error_response(request, error, status=error.status)
            response.headers.update(headers or {})
            return response
        except NotAcceptable as error:
            return error_response(request, NotAcceptableError(str(error)))

    return [Route("/sparql", endpoint, methods=["GET", "POST"], name="sparql")]


async def _answer(ctx: ServeContext, request: Request) -> Response:
    url_params = request.query_params
    form: FormData | None = None
    body_query: str | None = None
    body_update: str | None = None
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == _FORM:
            form = await request.form()
        elif media in (_QUERY, _UPDATE):
            text = _decode(await request.body())
            body_query, body_update = (text, None) if media == _QUERY else (None, text)
        else:
            raise ProtocolError(f"a POST to /sparql carries {_FORM}, {_QUERY} or {_UPDATE}, not {media or 'no content type'!r}", 415)
    queries = _values("query", url_params, form) + ([body_query] if body_query is not None else [])
    updates = _values("update", url_params, form) + ([body_update] if body_update is not None else [])
    if queries and updates:
        raise ProtocolError("a request carries a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise ProtocolError("give one query (or one update) per request")
    if updates:
        if request.method != "POST":
            raise ProtocolError("an update is sent by POST (SPARQL 1.1 Protocol)", 405)
        return await _update(ctx, request, updates[0], url_params, form)
    if not queries:
        if request.method == "POST":
            raise ProtocolError("the POST carries no query: send query=... or an application/sparql-query body")
        return _describe(ctx, request)
    query = queries[0]
    from kb.sparql import check_query

    check_query(query, allow_service=ctx.config.allow_service)  # refused here, before a worker is taken
    defaults = _values("default-graph-uri", url_params, form)
    named = _values("named-graph-uri", url_params, form)
    dataset_given = bool(defaults or named)
    named_formats = _values("format", url_params, form) or _values("output", url_params, form)
    requested = named_formats[0] if named_formats else None
    job = SparqlJob(
        query,
        accept=request.headers.get("accept"),
        format=requested,
        default_graphs=tuple(defaults) if dataset_given else None,
        named_graphs=tuple(named) if dataset_given else None,
    )
    reply = await ctx.sparql(job)
    headers = {"X-KB-Rows": str(reply.count), "Vary": "Accept"}
    if reply.truncated:
        headers["X-KB-Truncated"] = "true"
        headers["X-KB-Row-Limit"] = str(ctx.config.row_limit)
    return Response(reply.body, media_type=_content_type(reply.media_type), headers=headers)


def _values(name: str, url_params: QueryParams, form: FormData | None) -> list[str]:
    """Every value of ``name`` in the URL and the form body."""
    found = list(url_params.getlist(name))
    if form is not None:
        found.extend(value for value in form.getlist(name) if isinstance(value, str))
    return found


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"the request body is not UTF-8 (byte {error.start})") from None


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith(_TEXT_TYPES) else media_type


def _authorized(ctx: ServeContext, request: Request) -> bool:
    """Whether the request carries the server's write token (compared in constant time)."""
    token = ctx.config.write_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return token is not None and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def _update(ctx: ServeContext, request: Request, update: str, url_params: QueryParams, form: FormData | None) -> Response:
    if ctx.config.write_token is None:
        raise ProtocolError("updates are refused: this server is read-only (start kb serve with --write-token to accept them)", 403)
    if not _authorized(ctx, request):
        raise ProtocolError("updates need the server's write token: send 'Authorization: Bearer TOKEN'", 403)
    for name in ("using-graph-uri", "using-named-graph-uri"):
        if _values(name, url_params, form):
            raise ProtocolError(f"{name} is not supported: name the graphs in the update (USING, WITH, GRAPH)")
    from kb.sparql import check_federation, check_nesting

    check_nesting(update)
    check_federation(update, allow_service=ctx.config.allow_service)
    reply = await ctx.update(update)
    return PlainTextResponse(f"update applied in {reply.seconds * 1000:.0f} ms\n")


_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: The W3C format IRIs of what the endpoint writes.
_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


def service_description(endpoint: str, *, update: bool, federation: bool) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    >>> len(service_description("http://127.0.0.1:8000/sparql", update=False, federation=False)) > 10
    True
    """
    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(_SD + name)

    service, dataset, graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, _RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, _RDF_TYPE, sd("Graph")),
        ox.Triple(service, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("trial-evidence-kb")),
    ]
    if update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if federation:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples.extend(ox.Triple(service, sd("resultFormat"), ox.NamedNode(_FORMATS + name)) for name in _FORMAT_IRIS)
    return triples


def _describe(ctx: ServeContext, request: Request) -> Response:
    requested = request.query_params.get("format")
    fmt = negotiate(GRAPH_FORMATS, request.headers.get("accept"), requested)
    endpoint = str(request.url.replace(query="", fragment=""))
    triples = service_description(endpoint, update=ctx.config.write_token is not None, federation=ctx.config.allow_service)
    prefixes = {"sd": _SD, "formats": _FORMATS, "dcterms": "http://purl.org/dc/terms/"} if fmt.name == "turtle" else None
    body = ox.serialize(triples, None, fmt.rdf, prefixes=prefixes) or b""
    return Response(body, media_type=_content_type(fmt.media_type), headers={"Vary": "Accept"})


def result_formats() -> Sequence[str]:
    """The media types the endpoint answers in (SELECT/ASK, then CONSTRUCT/DESCRIBE)."""
    return [fmt.media_type for fmt in (*RESULTS_FORMATS, *GRAPH_FORMATS)]

