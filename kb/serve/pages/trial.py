"""The trial page: design, arms, every report with its analysis and cut-off, results side by side.

``/trial/NCT00056160`` (the trial's IRI under the base). Reads ``page_node`` (the design as each
source states it), ``trial_reports`` (each source and analysis), ``outcome_results`` and
``adverse_events`` (every figure, each with its report, analysis and cut-off) and
``registry_results`` (the registry's figures beside the papers', when the KB holds the registry
record). A pooled population's page lists the trials it pools.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kb.serve.context import ServeContext
from kb.serve.pages.common import links_for, not_found, rdf_format, rdf_response, show
from kb.serve.pages.node import TEKB, Fact, describe, first, node_page

__all__ = ["trial_page", "trial_named"]

#: The design facts shown, in order (local names of the KB's ontology, or full IRIs).
DESIGN = (
    "http://www.w3.org/2000/01/rdf-schema#label", "acronym", "registryId", "http://purl.org/dc/terms/title", "phase",
    "randomized", "blinding", "condition", "conditionQualifier", "enrollment", "interventionModel", "primaryPurpose",
    "overallStatus", "startDate", "completionDate", "location", "sponsor", "pools",
)


async def trial_page(request: Request, ctx: ServeContext, iri: str) -> Response:
    """The page of the trial ``iri`` (an arm's IRI shows the arm's node page)."""
    if "/arm/" in iri:
        return await node_page(request, ctx, iri)
    fmt = rdf_format(request)
    if fmt is not None:
        return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    found = await describe(ctx, iri)
    if not found:
        raise not_found(f"trial <{iri}>")
    design = [found.get(p if p.startswith("http") else TEKB + p) for p in DESIGN]
    arm_iris = [v.text for v in found[TEKB + "hasArm"].values] if TEKB + "hasArm" in found else []
    key = first(found, "registryId") or first(found, "acronym")
    jobs: dict[str, Any] = {"arms": asyncio.gather(*(describe(ctx, arm) for arm in arm_iris))}
    if key:
        jobs["reports"] = ctx.template("trial_reports", {"trial": key})
        jobs["results"] = ctx.template("outcome_results", {"trial": key})
        jobs["adverse_events"] = ctx.template("adverse_events", {"trial": key})
        jobs["registry"] = ctx.template("registry_results", {"trial": key})
    values = dict(zip(jobs, await asyncio.gather(*jobs.values())))
    arms = [{"iri": arm, "facts": facts, "interventions": await _interventions(ctx, facts)} for arm, facts in zip(arm_iris, values["arms"])]
    results = values.get("results", [])
    by_outcome: dict[str, list[dict[str, object]]] = {}
    for row in results:
        by_outcome.setdefault(str(row["outcome"] or ""), []).append(row)
    registry = values.get("registry", [])
    has_registry = any(str(row.get("source") or "").startswith("ctgov-") for row in registry)
    label = first(found, "http://www.w3.org/2000/01/rdf-schema#label") or key or iri
    return show(request, "trial.html", links, title=label, iri=iri, key=key, design=[d for d in design if d],
                arms=arms, reports=values.get("reports", []), results_by_outcome=by_outcome,
                adverse_events=values.get("adverse_events", []), registry=registry if has_registry else [],
                has_registry=has_registry, facts=list(found.values()))


async def _interventions(ctx: ServeContext, arm: dict[str, Fact]) -> list[dict[str, Any]]:
    """An arm's interventions as each source states them: drug (or placebo), dose, schedule, route."""
    fact = arm.get(TEKB + "hasIntervention")
    if fact is None:
        return []
    described = await asyncio.gather(*(describe(ctx, value.text) for value in fact.values))
    interventions = []
    for value, found in zip(fact.values, described):
        drug = found.get(TEKB + "drug")
        interventions.append({
            "drug": drug.values[0] if drug and drug.values else None,
            "label": first(found, "http://www.w3.org/2000/01/rdf-schema#label"),
            "placebo": first(found, "placebo") == "true",
            "details": [text for text in (first(found, "dose"), first(found, "schedule"), first(found, "route")) if text],
            "sources": value.sources,
        })
    return interventions


async def trial_named(request: Request, ctx: ServeContext, name: str) -> Response:
    """``/trial-named/{name}``: the page of the trial whose label, acronym or registry id is ``name``
    (result rows name trials by label), else the search for it."""
    rows = await ctx.template("page_search", {"text": name})
    wanted = name.strip().casefold()
    hits = {str(r["node"]) for r in rows if r["kind"] == "trial" and wanted in (str(r["label"]).casefold(), str(r["matched"]).casefold())}
    if len(hits) == 1:
        return RedirectResponse(links_for(ctx).href(hits.pop()), status_code=303)
    from urllib.parse import urlencode

    return RedirectResponse("/search?" + urlencode({"q": name}), status_code=303)
