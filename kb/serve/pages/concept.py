"""Pages of vocabulary concepts: drugs, targets, conditions, outcomes and adverse events.

``/drug/CHEBI:63791`` (any name, synonym or CURIE works: ``/drug/Revlimid`` redirects there), and
a name no vocabulary knew at ingest, kept with a local IRI, at its own path
(``/concept/drug/zetamab-x``). Each page reads the catalogue's templates, so it agrees with
``kb query``: a drug's mechanism claims (``mechanisms``), trials (``page_drug_trials``), outcome
results in every report and cut-off (``outcome_results``), adverse events against the comparator
arm (``adverse_events``), and for each outcome with ratio estimates the synthesis of
:mod:`kb.synthesis` with its forest plot (``/plot/forest.svg``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kb.errors import KBError
from kb.serve.context import ServeContext
from kb.serve.pages.common import links_for, not_found, rdf_format, rdf_response, show
from kb.serve.pages.links import CATEGORIES
from kb.serve.pages.node import describe

__all__ = ["concept_page", "local_concept_page", "SynthesisView", "syntheses"]

_TITLES = {"drug": "Drug", "target": "Target", "condition": "Condition", "outcome": "Outcome", "adverse_event": "Adverse event"}


@dataclass
class SynthesisView:
    """One outcome and measure of a drug's page: the synthesis (or why there is none) and its plot URLs."""

    outcome: str
    measure: str
    result: Any
    error: str | None
    svg: str
    png: str


def _resolve(ctx: ServeContext, ref: str, category: str) -> tuple[str, str]:
    """(IRI, label) of the concept ``ref`` names in ``category`` (name, synonym, CURIE or IRI)."""
    concept = ctx.knowledge_base().names.resolve(ref, category=category, strict=True)
    assert concept is not None  # strict resolution raises instead
    return concept.iri, concept.label


async def concept_page(request: Request, ctx: ServeContext, category: str, ref: str) -> Response:
    """``/{category}/{ref}``: the concept ``ref`` names; redirects to the canonical path when ``ref`` is
    a synonym, a name or another spelling of the CURIE."""
    iri, label = await run_in_threadpool(_resolve, ctx, ref, category)
    links = links_for(ctx)
    canonical = links.href(iri, category)
    # Compared decoded (the request's path is), so a CURIE that needs escaping cannot redirect in a loop.
    if unquote(canonical) != request.url.path and not canonical.startswith("/resource?"):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(canonical + query, status_code=301)
    return await _page(request, ctx, category, iri, label)


async def local_concept_page(request: Request, ctx: ServeContext, category: str, iri: str) -> Response:
    """``/concept/{category}/{slug}``: a name no vocabulary knew, kept by the KB with a local IRI."""
    if category not in CATEGORIES:
        raise not_found(f"concept category {category!r} (categories: {', '.join(CATEGORIES)})")
    found = await describe(ctx, iri)
    if not found:
        raise not_found(f"concept <{iri}>")
    label = next((f.values[0].text for p, f in found.items() if p.endswith("#label")), iri)
    return await _page(request, ctx, category, iri, label, found)


async def _page(request: Request, ctx: ServeContext, category: str, iri: str, label: str, found: Any = None) -> Response:
    fmt = rdf_format(request)
    if fmt is not None:
        return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    param = {"iri": iri}
    jobs: dict[str, Any] = {"facts": describe(ctx, iri) if found is None else _done(found)}
    if category == "drug":
        jobs["mechanisms"] = ctx.template("mechanisms", {"drug": iri})
        jobs["trials"] = ctx.template("page_drug_trials", {"drug": iri})
        jobs["results"] = ctx.template("outcome_results", {"drug": iri})
        jobs["adverse_events"] = ctx.template("adverse_events", {"drug": iri})
    elif category == "target":
        jobs["mechanisms"] = ctx.template("mechanisms", {"target": iri})
        jobs["target_results"] = ctx.template("drugs_for_target", {"target": iri})
    elif category == "outcome":
        jobs["results"] = ctx.template("outcome_results", {"outcome": iri})
    elif category == "adverse_event":
        jobs["adverse_events"] = ctx.template("adverse_events", {"event": iri})
    else:
        jobs["linked"] = ctx.template("page_links", param)
    values = dict(zip(jobs, await asyncio.gather(*jobs.values())))
    context: dict[str, Any] = {"category": category, "kind": _TITLES[category], "iri": iri, "title": label, **values}
    context["facts"] = list(values["facts"].values())
    if "results" in values:
        context["results_by_outcome"] = _group(values["results"], "outcome")
    if "trials" in values:
        context["trial_list"] = _trials(values["trials"])
        context["trial_iris"] = {t["label"]: t["iri"] for t in context["trial_list"]}
    if category == "drug":
        context["syntheses"] = await syntheses(ctx, iri, values["results"])
    return show(request, "concept.html", links, **context)


async def _done(value: Any) -> Any:
    return value


def _group(rows: Iterable[dict[str, object]], key: str) -> dict[str, list[dict[str, object]]]:
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row.get(key) or ""), []).append(row)
    return grouped


def _trials(rows: list[dict[str, object]]) -> list[dict[str, Any]]:
    """One entry per trial: its IRI, label, registry id, whether pooled, its arms and sources."""
    trials: dict[str, dict[str, Any]] = {}
    for row in rows:
        trial = trials.setdefault(str(row["trial"]), {"iri": row["trial"], "label": row["trial_label"] or row["trial"],
                                                       "registry_id": row["registry_id"], "pooled": row["pooled"], "arms": [], "sources": []})
        trial["registry_id"] = trial["registry_id"] or row["registry_id"]
        if row["arm_label"] and row["arm_label"] not in trial["arms"]:
            trial["arms"].append(row["arm_label"])
        if row["source"] not in trial["sources"]:
            trial["sources"].append(row["source"])
    return list(trials.values())


async def syntheses(ctx: ServeContext, drug_iri: str, results: list[dict[str, object]]) -> list[SynthesisView]:
    """The synthesis of every outcome and ratio measure the drug's comparisons report."""
    from kb.synthesis import RATIO_MEASURES, synthesize

    pairs = sorted({(str(r["outcome"]), str(r["statistic"])) for r in results
                    if r["kind"] == "comparison" and r["statistic"] in RATIO_MEASURES and r["outcome"]})
    views = []
    for outcome, measure in pairs:
        query = urlencode({"drug": drug_iri, "outcome": outcome, "measure": measure})
        try:
            result = await run_in_threadpool(synthesize, ctx.knowledge_base(), drug_iri, outcome, measure=measure)
            error = None
        except KBError as failure:
            result, error = None, str(failure)
        views.append(SynthesisView(outcome, measure, result, error, f"/plot/forest.svg?{query}", f"/plot/forest.png?{query}"))
    return views
