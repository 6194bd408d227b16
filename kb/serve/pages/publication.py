"""Publication and author pages.

A publication is at ``/doi/{doi}``, ``/pmid/{pmid}`` or, with neither, at its IRI's path under the
base (``/publication/title/...``): its merged record (the ``publication`` template: each field from
the most preferred source), the trials it reports on, the sources derived from it and the outcome
results it reports. An author (``/person/...``, ``/organization/...``, ``/orcid/...``) lists the
publications that name them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kb.serve.context import ServeContext
from kb.serve.pages.common import links_for, not_found, rdf_format, rdf_response, show
from kb.serve.pages.node import TEKB, describe, first

__all__ = ["publication_page", "author_page"]

_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_CREATOR = "http://purl.org/dc/terms/creator"


async def publication_page(request: Request, ctx: ServeContext, iri: str, *, doi: str | None = None, pmid: str | None = None) -> Response:
    """The page of the publication ``iri`` (found by ``doi`` or ``pmid`` when given)."""
    fmt = rdf_format(request)
    if fmt is not None and not (doi or pmid):
        return await rdf_response(ctx, iri, fmt)
    record: list[dict[str, object]] = []
    if doi or pmid:
        record = await ctx.template("publication", {"doi": doi} if doi else {"pmid": pmid or ""})
        if not record:
            raise not_found(f"publication with {'DOI ' + doi if doi else 'PMID ' + str(pmid)}")
        iri = str(record[0]["publication"])
        if fmt is not None:
            return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    jobs: dict[str, Any] = {"facts": describe(ctx, iri), "incoming": ctx.template("page_links", {"iri": iri, "predicate": _DERIVED})}
    doi = doi or (str(record[0]["doi"]) if record and record[0]["doi"] else None)
    if doi:
        jobs["results"] = ctx.template("outcome_results", {"doi": doi})
    values = dict(zip(jobs, await asyncio.gather(*jobs.values())))
    found = values["facts"]
    if not found and not record:
        raise not_found(f"publication <{iri}>")
    derived = [row for row in values["incoming"] if row["predicate"] == _DERIVED]
    sources = sorted({str(row["source"]) for row in derived})
    findings = [row for row in derived if str(row["subject_type"] or "").startswith(TEKB) and not str(row["subject_type"]).endswith("SourceGraph")]
    trials = found.get(TEKB + "reportsOn")
    title = (record[0]["title"] if record else None) or first(found, "http://purl.org/dc/terms/title") or iri
    return show(request, "publication.html", links, title=title, iri=iri, record=record[0] if record else None,
                authors=record, sources=sources, findings=findings, trials=trials.values if trials else [],
                results=values.get("results", []), facts=list(found.values()))


async def author_page(request: Request, ctx: ServeContext, iri: str) -> Response:
    """The page of the person or organization ``iri``: names and publications."""
    fmt = rdf_format(request)
    if fmt is not None:
        return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    found, incoming = await asyncio.gather(describe(ctx, iri), ctx.template("page_links", {"iri": iri, "predicate": _CREATOR}))
    if not found:
        raise not_found(f"author <{iri}>")
    works: dict[str, dict[str, object]] = {}
    for row in incoming:
        if row["predicate"] == _CREATOR:
            work = works.setdefault(str(row["subject"]), {"iri": row["subject"], "title": row["subject_label"], "sources": []})
            work["title"] = work["title"] or row["subject_label"]
            if row["source"] not in work["sources"]:  # type: ignore[operator]
                work["sources"].append(row["source"])  # type: ignore[attr-defined]
    name = first(found, "http://xmlns.com/foaf/0.1/name") or iri
    return show(request, "author.html", links, title=name, iri=iri, facts=list(found.values()), works=list(works.values()))
