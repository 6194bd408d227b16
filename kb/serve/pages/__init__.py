"""The evidence pages of ``kb serve``: server-rendered HTML that needs no JavaScript.

:func:`routes` gives ``kb.serve.app.create_app`` the pages' routes:

- ``/``: counts and the search box; ``/search?q=``: drugs, targets, conditions, outcomes,
  adverse events, trials, publications and authors by name, synonym or identifier;
- pages at the paths of the KB's IRIs (``{base}trial/NCT00056160`` is ``/trial/NCT00056160``),
  concepts at ``/drug/CHEBI:63791`` (``/target/``, ``/condition/``, ``/outcome/``,
  ``/adverse_event/``), publications at ``/doi/...`` and ``/pmid/...``, ORCID authors at
  ``/orcid/...``, and any other IRI at ``/resource?iri=...`` (:mod:`kb.serve.pages.links`);
  each answers with the node's RDF when asked (``Accept: text/turtle``, ``?format=jsonld``);
- ``/plot/forest.svg|png?drug=&outcome=``: forest plots of :mod:`kb.synthesis`.

Every figure links to its finding's provenance page (source, quote and location, method,
curator, curation status); ``draft`` figures are marked apart from ``verified`` ones by a CSS
class and a visible label. Every lookup is a catalogue template run through
:class:`~kb.serve.context.ServeContext` (parameters bound as terms), so the pages show what
``kb query`` prints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kb.serve.context import ServeContext
from kb.serve.pages.links import CATEGORIES, DOI_PREFIX, ORCID_PREFIX

__all__ = ["routes"]

Handler = Callable[[Request], Awaitable[Response]]


def _raw_rest(request: Request, prefix: str) -> str:
    """The request path after ``prefix``, as the client sent it (percent-escapes kept: the KB's IRIs
    hold them, ``kb.rdf.iris``)."""
    raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    path = raw.decode("latin-1").split("?", 1)[0]
    return path[len(prefix):] if path.startswith(prefix) else unquote(request.url.path)[len(prefix):]


def routes(ctx: ServeContext) -> list[BaseRoute]:
    """The evidence pages' routes over ``ctx`` (mounted after the endpoint's, the API's and /static)."""
    from kb.serve.app import templates
    from kb.serve.pages import concept, finding, home, node, plots, publication, trial
    from kb.serve.pages.common import install_filters, links_for

    install_filters(templates.env)

    def base_iri(request: Request) -> str:
        return links_for(ctx).iri_of(_raw_rest(request, "/"))

    async def home_route(request: Request) -> Response:
        return await home.home_page(request, ctx)

    async def search_route(request: Request) -> Response:
        return await home.search_page(request, ctx)

    async def resource_route(request: Request) -> Response:
        return await node.resource_page(request, ctx)

    async def plot_route(request: Request) -> Response:
        return await plots.forest_plot_image(request, ctx)

    def concept_route(category: str) -> Handler:
        async def handle(request: Request) -> Response:
            return await concept.concept_page(request, ctx, category, request.path_params["ref"])
        return handle

    async def local_concept_route(request: Request) -> Response:
        return await concept.local_concept_page(request, ctx, request.path_params["category"], base_iri(request))

    async def trial_route(request: Request) -> Response:
        return await trial.trial_page(request, ctx, base_iri(request))

    async def trial_named_route(request: Request) -> Response:
        return await trial.trial_named(request, ctx, request.path_params["name"])

    async def finding_route(request: Request) -> Response:
        return await finding.finding_page(request, ctx, base_iri(request))

    async def author_route(request: Request) -> Response:
        return await publication.author_page(request, ctx, base_iri(request))

    async def orcid_route(request: Request) -> Response:
        return await publication.author_page(request, ctx, ORCID_PREFIX + _raw_rest(request, "/orcid/"))

    async def doi_route(request: Request) -> Response:
        doi = unquote(_raw_rest(request, "/doi/"))
        return await publication.publication_page(request, ctx, DOI_PREFIX + doi, doi=doi)

    async def pmid_route(request: Request) -> Response:
        return await publication.publication_page(request, ctx, "", pmid=request.path_params["pmid"])

    async def local_publication_route(request: Request) -> Response:
        return await publication.publication_page(request, ctx, base_iri(request))

    async def node_route(request: Request) -> Response:
        return await node.node_page(request, ctx, base_iri(request))

    # A proxy that forwards the base IRI's whole path (https://w3id.org/trial-evidence-kb/id/trial/X
    # to /trial-evidence-kb/id/trial/X) reaches the same pages.
    base_path = urlsplit(links_for(ctx).base).path
    prefixed: list[BaseRoute] = []
    if base_path.strip("/"):
        async def prefixed_route(request: Request) -> Response:
            rest = _raw_rest(request, base_path)
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse("/" + rest + query, status_code=308)

        prefixed.append(Route(base_path.rstrip("/") + "/{rest:path}", prefixed_route, name="base_path"))

    return [
        *prefixed,
        Route("/", home_route, name="home"),
        Route("/search", search_route, name="search"),
        Route("/resource", resource_route, name="resource"),
        Route("/plot/forest.{fmt}", plot_route, name="forest_plot"),
        *(Route(f"/{category}/{{ref:path}}", concept_route(category), name=f"{category}_page") for category in CATEGORIES),
        Route("/concept/{category}/{slug:path}", local_concept_route, name="local_concept_page"),
        Route("/trial-named/{name:path}", trial_named_route, name="trial_named"),
        Route("/trial/{rest:path}", trial_route, name="trial_page"),
        Route("/finding/{rest:path}", finding_route, name="finding_page"),
        Route("/person/{rest:path}", author_route, name="person_page"),
        Route("/organization/{rest:path}", author_route, name="organization_page"),
        Route("/orcid/{rest:path}", orcid_route, name="orcid_page"),
        Route("/doi/{rest:path}", doi_route, name="doi_page"),
        Route("/pmid/{pmid}", pmid_route, name="pmid_page"),
        Route("/publication/{rest:path}", local_publication_route, name="publication_page"),
        # Any other IRI under the base (an analysis, a journal, a source graph, an agent).
        Route("/{kind}/{rest:path}", node_route, name="node_page"),
    ]
