"""Forest plots as images: ``/plot/forest.svg`` and ``/plot/forest.png``.

``?drug=D&outcome=O[&measure=hazard_ratio][&method=dl|pm][&select=latest|earliest]``: D and O by
name, synonym, CURIE or IRI, exactly as ``kb synthesize`` takes them; the image is
:func:`kb.synthesis.forest_plot` of :func:`kb.synthesis.synthesize`.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from kb.errors import ParameterError
from kb.serve.context import ServeContext

__all__ = ["forest_plot_image", "MEDIA_TYPES"]

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _draw(ctx: ServeContext, fmt: str, drug: str, outcome: str, measure: str, method: str, select: str) -> bytes:
    from kb.synthesis import forest_plot, synthesize

    result = synthesize(ctx.knowledge_base(), drug, outcome, measure=measure, method=method, select=select)
    return forest_plot(result, fmt)


async def forest_plot_image(request: Request, ctx: ServeContext) -> Response:
    """The forest plot the query parameters ask for, as SVG or PNG."""
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA_TYPES:
        raise ParameterError(f"a forest plot is .svg or .png, not .{fmt}")
    params = request.query_params
    drug, outcome = params.get("drug", "").strip(), params.get("outcome", "").strip()
    if not drug or not outcome:
        raise ParameterError("give ?drug=NAME&outcome=NAME (names, synonyms, CURIEs or IRIs)")
    body = await run_in_threadpool(_draw, ctx, fmt, drug, outcome, params.get("measure", "hazard_ratio"),
                                   params.get("method", "dl"), params.get("select", "latest"))
    # The image changes when an ingest changes the estimates: cached briefly, not forever.
    return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "max-age=60"})
