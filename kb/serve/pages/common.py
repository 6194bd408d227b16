"""What every evidence page uses: the links of a server, rendering, content negotiation, 404s.

A page's URL also answers with the node's RDF (the statements about it, from every graph) when
the client prefers Turtle, N-Triples, JSON-LD or RDF/XML (``Accept``) or asks with
``?format=turtle|ntriples|jsonld|rdfxml``; a browser gets the HTML page.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from kb.errors import ParameterError, UnknownTermError
from kb.rdf.iris import default_base
from kb.serve.context import ServeContext
from kb.serve.formats import GRAPH_FORMATS, Format, negotiate, parse_accept
from kb.serve.pages import display
from kb.serve.pages.links import Links, class_name, predicate_name
from kb.serve.workers import SparqlJob

__all__ = ["checked_iri", "links_for", "show", "rdf_format", "rdf_response", "not_found", "install_filters", "HTML_TYPES"]

HTML_TYPES = ("text/html", "application/xhtml+xml")

# The statements about one node; the node is bound as a term (kb.sparql.bind_values), never pasted.
_DESCRIBE = "CONSTRUCT { ?node ?predicate ?object } WHERE { ?node ?predicate ?object }"


def links_for(ctx: ServeContext) -> Links:
    """The :class:`Links` of this server: its base IRI, and the vocabulary for concepts' categories."""
    base = ctx.config.base or default_base()
    vocabularies: list[Any] = []  # read once per page (each read checks the store's files for a newer version)

    def category_of(iri: str) -> str | None:
        if not vocabularies:
            vocabularies.append(ctx.knowledge_base().vocabulary)
        concept = vocabularies[0].get(iri)
        return concept.category if concept is not None else None

    return Links(base, category_of)


def install_filters(env: Any) -> None:
    """Register the display helpers as Jinja2 filters (once per environment)."""
    env.filters.update(
        figure=display.figure, p_value=display.p_value, number=display.number, status_of=display.status_of,
        analysis_name=display.analysis_name, statistic_name=display.statistic_name,
        predicate_name=predicate_name, class_name=class_name,
    )


def show(request: Request, name: str, links: Links, *, status_code: int = 200, **context: Any) -> Response:
    """Render the page template ``name`` (``pages/NAME``) with ``link`` (IRI -> page path) at hand."""
    from kb.serve.app import render

    response = render(request, f"pages/{name}", status_code=status_code, link=links.href, **context)
    response.headers["Vary"] = "Accept"
    return response


def rdf_format(request: Request) -> Format | None:
    """The RDF format the client asks for, or None when it wants the HTML page.

    ``?format=`` wins (``html`` for the page); else the ``Accept`` range with the highest q that
    names HTML or an RDF media type decides; wildcards alone (``*/*``) get the page.
    """
    requested = request.query_params.get("format")
    if requested:
        if requested.strip().lower() in ("html", "text/html"):
            return None
        return negotiate(GRAPH_FORMATS, None, requested)
    ranges = sorted(parse_accept(request.headers.get("accept", "")), key=lambda item: -item[1])
    for media, quality in ranges:
        if quality <= 0 or "*" in media:
            continue
        if media in HTML_TYPES:
            return None
        for fmt in GRAPH_FORMATS:
            if media == fmt.media_type or (media in fmt.also and media != "text/plain"):
                return fmt
    return None


async def rdf_response(ctx: ServeContext, iri: str, fmt: Format) -> Response:
    """The statements about ``iri`` (every graph's) in ``fmt``; 404 when the KB says nothing about it."""
    from kb.sparql import bind_values

    query = bind_values(_DESCRIBE, {"node": ox.NamedNode(iri)})
    reply = await ctx.sparql(SparqlJob(query, format=fmt.name))
    if reply.count == 0:
        raise UnknownTermError(f"the KB says nothing about <{iri}>")
    return Response(reply.body, media_type=reply.media_type, headers={"Vary": "Accept"})


def checked_iri(text: str) -> str:
    """``text`` as an absolute IRI (``<...>`` and CURIEs allowed), or a :class:`ParameterError` (400)."""
    text = text.strip().removeprefix("<").removesuffix(">")
    if not text.startswith(("http://", "https://", "urn:")):
        from kb.curie import expand_curie, looks_like_curie

        if looks_like_curie(text):
            text = expand_curie(text)
    try:
        if not text.startswith(("http://", "https://", "urn:")):
            raise ValueError("not an http(s) or urn IRI")
        return ox.NamedNode(text).value  # Oxigraph rejects spaces, '<', '>' and the like
    except ValueError as error:
        raise ParameterError(f"{text!r} is not an IRI: {error}") from None


def not_found(what: str) -> UnknownTermError:
    """The error a page raises for a node the KB does not hold (rendered as a 404 page)."""
    return UnknownTermError(f"the KB holds no {what}")
