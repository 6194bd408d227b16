"""What the KB states about a node, grouped for reading, and the page of any node.

The ``page_node`` template gives one row per statement and source; :func:`facts` folds them into
one entry per predicate whose values name every source that states them. A node with no page of
its own kind (an arm, an analysis, a journal, a source graph) is shown by :func:`node_page`: its
statements and the nodes that link to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kb.serve.context import ServeContext
from kb.serve.pages.common import checked_iri, links_for, not_found, rdf_format, rdf_response, show
from kb.serve.pages.links import predicate_name

__all__ = ["Value", "Fact", "facts", "first", "describe", "node_page", "resource_page", "TEKB", "RDF_TYPE"]

TEKB = "https://w3id.org/trial-evidence-kb/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Value:
    """One value of a predicate: its text, whether it is an IRI, its label, and who states it."""

    text: str
    is_iri: bool
    label: str | None
    sources: list[str] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """The text a page shows: the label of an IRI when there is one, else the value."""
        return self.label or self.text


@dataclass
class Fact:
    """A predicate with its values (each once, with every source that states it)."""

    predicate: str
    values: list[Value]

    @property
    def name(self) -> str:
        return predicate_name(self.predicate)


def facts(rows: list[dict[str, object]]) -> dict[str, Fact]:
    """Fold ``page_node`` rows into one :class:`Fact` per predicate, in the rows' order."""
    folded: dict[str, Fact] = {}
    for row in rows:
        predicate = str(row["predicate"])
        fact = folded.setdefault(predicate, Fact(predicate, []))
        text = str(row["value"])
        value = next((v for v in fact.values if v.text == text), None)
        if value is None:
            value = Value(text, bool(row["value_is_iri"]), str(row["value_label"]) if row["value_label"] else None)
            fact.values.append(value)
        elif value.label is None and row["value_label"]:
            value.label = str(row["value_label"])
        source = row.get("source")
        if source and source not in value.sources:
            value.sources.append(str(source))
    return folded


def first(found: dict[str, Fact], predicate: str) -> str | None:
    """The first value of ``predicate`` (a full IRI, or a local name of the KB's ontology), or None."""
    fact = found.get(predicate) or found.get(TEKB + predicate)
    return fact.values[0].text if fact and fact.values else None


async def describe(ctx: ServeContext, iri: str) -> dict[str, Fact]:
    """The facts about ``iri`` (the ``page_node`` template)."""
    return facts(await ctx.template("page_node", {"iri": iri}))


async def node_page(request: Request, ctx: ServeContext, iri: str, *, title: str | None = None) -> Response:
    """The page of any node: what the KB states about it and what links to it (404 when neither)."""
    fmt = rdf_format(request)
    if fmt is not None:
        return await rdf_response(ctx, iri, fmt)
    links = links_for(ctx)
    found = await describe(ctx, iri)
    incoming = await ctx.template("page_links", {"iri": iri})
    if not found and not incoming:
        raise not_found(f"node <{iri}>")
    label = first(found, "http://www.w3.org/2000/01/rdf-schema#label") or first(found, "http://xmlns.com/foaf/0.1/name") \
        or first(found, "http://purl.org/dc/terms/title") or title or iri
    return show(request, "node.html", links, title=label, iri=iri, facts=list(found.values()), incoming=incoming[:500],
                incoming_total=len(incoming))


async def resource_page(request: Request, ctx: ServeContext) -> Response:
    """``/resource?iri=...``: a redirect to the node's own page when it has one, else the node page."""
    iri = request.query_params.get("iri", "").strip()
    if not iri:
        raise not_found("node: give ?iri=")
    checked = checked_iri(iri)
    target = links_for(ctx).href(checked)
    if not target.startswith("/resource?"):
        return RedirectResponse(target, status_code=303)
    return await node_page(request, ctx, checked)
