"""The provenance page of one finding: the source, the quote and its location, the method, the
curator and the curation status, with the figures the finding holds.

``/finding/{id}`` (the finding's IRI under the base); every figure on the other pages links here.
Reads ``provenance`` (the same row ``kb query provenance -p finding=IRI`` prints) and ``page_node``
for the finding and each of its parts (arm measurements, comparisons, arm event counts).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kb.serve.context import ServeContext
from kb.serve.pages.common import links_for, not_found, rdf_format, rdf_response, show
from kb.serve.pages.links import predicate_name
from kb.serve.pages.node import TEKB, Fact, describe, first

__all__ = ["finding_page", "part_row"]

_PARTS = ("hasMeasurement", "hasComparison", "hasArmCount")
_NUMBERS = {"value", "estimate", "ciLower", "ciUpper", "ciLevel", "pValue", "percent", "nAffected", "nAtRisk", "n", "nEvents"}
_KEYS = {"ciLower": "ci_lower", "ciUpper": "ci_upper", "ciLevel": "ci_level", "pValue": "p_value", "pValueRelation": "p_relation",
         "armLabel": "arm", "referenceArmLabel": "reference_arm", "nAffected": "n_affected", "nAtRisk": "n_at_risk",
         "notReached": "not_reached"}


def part_row(kind: str, found: dict[str, Fact]) -> dict[str, Any]:
    """A part's facts as a result row (the column names of ``outcome_results``), for display."""
    row: dict[str, Any] = {"kind": kind}
    for predicate, fact in found.items():
        if not predicate.startswith(TEKB) or not fact.values:
            continue
        local = predicate[len(TEKB):]
        text = fact.values[0].text
        value: Any = text
        if local in _NUMBERS:
            try:
                value = int(text) if local in ("nAffected", "nAtRisk", "n", "nEvents") else float(text)
            except ValueError:
                value = text
        elif local == "notReached":
            value = text == "true"
        row[_KEYS.get(local, local)] = value
    if kind == "comparison":
        row["statistic"] = row.get("measure")
        row["value"] = row.get("estimate")
    return row


async def finding_page(request: Request, ctx: ServeContext, iri: str) -> Response:
    """The provenance page of the finding ``iri``."""
    fmt = rdf_format(request)
    if fmt is not None:
        return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    found, provenance = await asyncio.gather(describe(ctx, iri), ctx.template("provenance", {"finding": iri}))
    if not found or not provenance:
        raise not_found(f"finding <{iri}>")
    parts: list[tuple[str, str]] = []
    for local in _PARTS:
        fact = found.get(TEKB + local)
        kind = {"hasMeasurement": "measurement", "hasComparison": "comparison", "hasArmCount": "arm count"}[local]
        parts += [(kind, value.text) for value in fact.values] if fact else []
    described = await asyncio.gather(*(describe(ctx, part) for _, part in parts))
    rows = [part_row(kind, facts) for (kind, _), facts in zip(parts, described)]
    types = [v.text for v in found["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"].values] if "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in found else []
    kind = next((predicate_name(t) for t in types if t.startswith(TEKB)), "finding")
    subject = {name: found.get(TEKB + name) for name in ("inTrial", "analysis", "outcome", "event", "drug", "target")}
    label = first(found, "outcomeText") or first(found, "eventText") or first(found, "drugText") or kind
    return show(request, "finding.html", links, title=f"{label}: provenance", kind=kind, iri=iri, provenance=provenance[0],
                parts=rows, subject={k: v for k, v in subject.items() if v}, facts=list(found.values()),
                grade=first(found, "grade"), trial_label=first(found, "trialLabel"))
