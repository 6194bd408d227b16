"""The home page (counts and the search box) and search.

Search finds drugs, targets, conditions, outcomes, adverse events, trials, publications and
authors by name, synonym or identifier (DOI, PMID, NCT id, CURIE): a name or synonym the
vocabulary knows exactly (``Revlimid`` is lenalidomide), a DOI or PMID through the
``publication`` template, then every node whose name contains the text (``page_search``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from kb.errors import KBError
from kb.serve.context import ServeContext
from kb.serve.pages.common import links_for, show
from kb.serve.pages.links import CATEGORIES, Links

__all__ = ["home_page", "search_page", "Hit", "find"]

_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_PMID = re.compile(r"^(?:pmid:?\s*)?(\d{1,9})$", re.IGNORECASE)
_KIND_ORDER = {kind: index for index, kind in enumerate((*CATEGORIES, "trial", "publication", "author"))}
#: The most text a search takes (a longer one is cut: no name in the KB is that long).
MAX_QUERY = 300


@dataclass
class Hit:
    """One search result: the node, its kind and label, the name it matched, whether exactly, and its page."""

    iri: str
    kind: str
    label: str
    matched: str
    exact: bool
    href: str


async def home_page(request: Request, ctx: ServeContext) -> Response:
    """``/``: what the KB holds (the ``stats`` template) and the search box."""
    links = links_for(ctx)
    stats = await ctx.template("stats", {})
    return show(request, "home.html", links, title="Home", nav="home", stats=stats[0] if stats else {})


async def search_page(request: Request, ctx: ServeContext) -> Response:
    """``/search?q=TEXT``: every kind of node whose name, synonym or identifier matches."""
    links = links_for(ctx)
    text = request.query_params.get("q", "").strip()[:MAX_QUERY]
    hits = await find(ctx, links, text) if text else []
    return show(request, "search.html", links, title=f"Search: {text}" if text else "Search", nav="home", q=text, hits=hits)


def _vocabulary_hit(ctx: ServeContext, text: str) -> tuple[str, str, str] | None:
    """(IRI, category, label) of the concept ``text`` names exactly (any category), or None."""
    names = ctx.knowledge_base().names
    for category in CATEGORIES:
        concept = names.resolve(text, category=category)
        if concept is not None:
            return concept.iri, category, concept.label
    return None


async def find(ctx: ServeContext, links: Links, text: str) -> list[Hit]:
    """The search results for ``text``: exact hits (a vocabulary name, a DOI, a PMID) first, then
    names containing it, by kind and label; each node once."""
    hits: list[Hit] = []
    try:
        exact = await run_in_threadpool(_vocabulary_hit, ctx, text)
    except KBError:  # an ambiguous name among the KB's own concepts: the substring search still runs
        exact = None
    if exact:
        iri, category, label = exact
        hits.append(Hit(iri, category, label, text, True, links.href(iri, category)))
    identifier = _DOI.match(text) or _PMID.match(text)
    if identifier:
        params = {"doi": identifier.group(1)} if identifier.re is _DOI else {"pmid": identifier.group(1)}
        try:
            for row in (await ctx.template("publication", params))[:1]:
                hits.append(Hit(str(row["publication"]), "publication", str(row["title"] or row["publication"]), text, True,
                                links.href(row["publication"])))
        except KBError:  # not a valid DOI or PMID after all: the substring search still runs
            pass
    rows = await ctx.template("page_search", {"text": text})
    folded = text.casefold()
    for row in sorted(rows, key=lambda r: (str(r["matched"]).casefold() != folded, _KIND_ORDER.get(str(r["kind"]), 99), str(r["label"]).casefold())):
        iri = str(row["node"])
        if any(hit.iri == iri for hit in hits):
            continue
        kind = str(row["kind"])
        hits.append(Hit(iri, kind, str(row["label"]), str(row["matched"]), str(row["matched"]).casefold() == folded,
                        links.href(iri, kind if kind in CATEGORIES else None)))
    return hits
