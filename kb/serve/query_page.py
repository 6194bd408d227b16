"""The query page at ``/query``: a SPARQL text box, the catalogue's templates as examples, and the
result as a table, paged. Plain HTML forms and links: no JavaScript, nothing from the internet.

The form is sent by GET, so a result page has a URL to share and the pager is a pair of links;
each page runs the query again in a worker (under the time limit and the row limit) and shows
:data:`PAGE_SIZE` of its rows. ``?example=NAME`` fills the box with a template's text, which
runs as it stands (its parameters unbound). The same query's full result is a link away in
each SPARQL results format (``/sparql?query=...&format=csv``).
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kb.errors import KBError
from kb.query import iter_templates, load_template
from kb.serve.app import error_status, render
from kb.serve.context import ServeContext

__all__ = ["routes", "PAGE_SIZE", "DEFAULT_QUERY"]

#: Rows shown per page.
PAGE_SIZE = 50
#: What the box holds when nothing was asked yet.
DEFAULT_QUERY = """PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>

# Every source in the KB, with the publication it reports
SELECT ?source ?publication ?title WHERE {
  GRAPH ?source { ?source a tekb:SourceGraph ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?publication }
  OPTIONAL { ?publication dcterms:title ?title }
}
ORDER BY ?source
"""


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


def _linker(ctx: ServeContext) -> Any:
    """A function from an IRI to the URL a result cell links to: its evidence page when the pages
    are installed, else the IRI itself."""
    if importlib.util.find_spec("kb.serve.pages.links") is None:
        return lambda iri: iri
    from kb.rdf import default_base
    from kb.serve.pages.links import Links

    return Links(ctx.config.base or default_base()).href


def routes(ctx: ServeContext) -> list[BaseRoute]:
    """``/query``."""

    async def page(request: Request) -> Response:
        params = request.query_params
        example = params.get("example")
        query = params.get("query")
        context: dict[str, Any] = {
            "nav": "query", "examples": [t for t in iter_templates() if t.form == "select" or t.form == "construct"],
            "result": None, "error": None, "page": _page_number(params.get("page")), "page_size": PAGE_SIZE,
            "row_limit": ctx.config.row_limit, "timeout": ctx.config.query_timeout,
        }
        status = 200
        if example and not query:
            try:
                query = load_template(example).text
            except KBError as error:
                context["error"], status = str(error), 404
        context["query"] = query if query is not None else DEFAULT_QUERY
        if query and query.strip() and context["error"] is None:
            started = time.perf_counter()
            try:
                result = await ctx.table(query)
            except KBError as error:
                context["error"], status = str(error), error_status(error)
            else:
                first = (context["page"] - 1) * PAGE_SIZE
                pages = max(1, -(-len(result.rows) // PAGE_SIZE))
                context["page"] = min(context["page"], pages)
                first = (context["page"] - 1) * PAGE_SIZE
                context.update(
                    result=result, rows=result.rows[first : first + PAGE_SIZE], first=first, pages=pages,
                    seconds=time.perf_counter() - started, link=_linker(ctx),
                    page_url=lambda number: "/query?" + urlencode({"query": query, "page": number}),
                    download=lambda fmt: "/sparql?" + urlencode({"query": query, "format": fmt}),
                )
        return render(request, "query.html", status_code=status, **context)

    return [Route("/query", page, methods=["GET"], name="query")]
