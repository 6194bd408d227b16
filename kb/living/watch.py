"""Saved searches, stored in the KB itself: one named graph each, ``{base}graph/watch/{name}``.

A saved search's graph holds the search (``tekb:SavedSearch``: its name, service and query as
JSON, when it was added) and what its last *recorded* run returned: when that run ended
(``tekb:lastRun``), how many records the service said matched (``tekb:resultCount``), and one
``tekb:SearchHit`` per record (``tekb:returnedRecord``) with its identifier, the source graph it
became and, for registry studies, the status, whether results were posted and the last-update date.

**A run that finds nothing new writes nothing**, its time included: :func:`save` compares the
graph it would write with the stored one, quad for quad, and leaves the store alone when they are
equal. So ``tekb:lastRun`` is the end of the last run that changed something (or the first run),
and the next incremental window starts there, asking again for a few days a previous run already
saw: harmless, because records the KB holds unchanged are skipped by their content hash
(``docs/living-review.md``).

The graph uses no blank nodes, and its triples are a function of the saved search alone, so the
same state always gives the same quads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pyoxigraph as ox

from kb.errors import KBError
from kb.living.search import Hit
from kb.namespaces import DCTERMS, RDF, RDFS, TEKB, XSD
from kb.rdf import IriScheme
from kb.rdf.terms import iri
from kb.store import StoreBackend, Term

__all__ = [
    "SavedSearch", "WatchError", "check_name", "watch_graph", "search_iri", "search_triples", "read_saved", "list_saved",
    "save", "remove_saved",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class WatchError(KBError):
    """A saved search that does not exist, exists already, or has a name that cannot be one."""


@dataclass(frozen=True)
class SavedSearch:
    """A saved search and what its last recorded run returned (``hits``, in identifier order)."""

    name: str
    service: str
    query: dict[str, str]
    created: datetime
    last_run: datetime | None = None
    count: int | None = None
    hits: tuple[Hit, ...] = field(default=())


def check_name(name: str) -> str:
    """``name`` when it can name a saved search (letters, digits, ``.``, ``_``, ``-``; at most 64); else WatchError.

    >>> check_name("myeloma-len_2026")
    'myeloma-len_2026'
    """
    if not _NAME.match(name):
        raise WatchError(f"saved search name {name!r}: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)")
    return name


def watch_graph(iris: IriScheme, name: str) -> ox.NamedNode:
    """The named graph of the saved search ``name``."""
    return iri(f"{iris.base}graph/watch/{check_name(name)}")


def search_iri(iris: IriScheme, name: str) -> ox.NamedNode:
    """The node of the saved search ``name``."""
    return iri(f"{iris.base}search/{check_name(name)}")


def _literal(value: str | int | bool | datetime | date) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=iri(XSD.boolean))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=iri(XSD.integer))
    if isinstance(value, datetime):
        text = value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return ox.Literal(text, datatype=iri(XSD.dateTime))
    if isinstance(value, date):
        return ox.Literal(value.isoformat(), datatype=iri(XSD.date))
    return ox.Literal(value)


def _day(text: str) -> ox.Literal:
    """A registry date: ``xsd:date`` when it is a full ISO date, else the text as given (``2026-03``)."""
    try:
        return _literal(date.fromisoformat(text))
    except ValueError:
        return ox.Literal(text)


def search_triples(iris: IriScheme, saved: SavedSearch) -> list[ox.Triple]:
    """The triples of ``saved``'s graph, sorted (the same saved search always gives the same list)."""
    node = search_iri(iris, saved.name)
    triples = [
        ox.Triple(node, iri(RDF.type), iri(TEKB.SavedSearch)),
        ox.Triple(node, iri(RDFS.label), ox.Literal(saved.name)),
        ox.Triple(node, iri(TEKB.searchService), ox.Literal(saved.service)),
        ox.Triple(node, iri(TEKB.searchQuery), ox.Literal(json.dumps(saved.query, sort_keys=True, ensure_ascii=False))),
        ox.Triple(node, iri(DCTERMS.created), _literal(saved.created)),
    ]
    if saved.last_run is not None:
        triples.append(ox.Triple(node, iri(TEKB.lastRun), _literal(saved.last_run)))
    if saved.count is not None:
        triples.append(ox.Triple(node, iri(TEKB.resultCount), _literal(saved.count)))
    for hit in saved.hits:
        member = iri(f"{node.value}/record/{hit.record_id}")
        triples += [
            ox.Triple(node, iri(TEKB.returnedRecord), member),
            ox.Triple(member, iri(RDF.type), iri(TEKB.SearchHit)),
            ox.Triple(member, iri(DCTERMS.identifier), ox.Literal(hit.record_id)),
        ]
        if hit.source_id:
            triples.append(ox.Triple(member, iri(DCTERMS.source), iri(iris.source_graph(hit.source_id))))
        if hit.status:
            triples.append(ox.Triple(member, iri(TEKB.registryStatus), ox.Literal(hit.status)))
        if hit.has_results is not None:
            triples.append(ox.Triple(member, iri(TEKB.hasResults), _literal(hit.has_results)))
        if hit.updated:
            triples.append(ox.Triple(member, iri(DCTERMS.modified), _day(hit.updated)))
    return sorted(set(triples), key=str)


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(term: Term) -> str | None:
    """The lexical form of a literal or the IRI of a node; None for anything else (a quoted triple)."""
    return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else None


def read_saved(store: StoreBackend, iris: IriScheme, name: str) -> SavedSearch | None:
    """The saved search ``name`` as stored, or None."""
    graph = watch_graph(iris, name)
    node = search_iri(iris, name)
    values: dict[str, str] = {}
    members: dict[str, dict[str, str]] = {}
    for quad in store.quads_matching(None, None, None, graph):
        subject, text = quad.subject, _text(quad.object)
        if text is None:
            continue
        if subject == node:
            values.setdefault(quad.predicate.value, text)
        elif isinstance(subject, ox.NamedNode):
            members.setdefault(subject.value, {})[quad.predicate.value] = text
    service, query = values.get(str(TEKB.searchService)), values.get(str(TEKB.searchQuery))
    if service is None or query is None:
        return None
    try:
        parsed = json.loads(query)
    except ValueError as error:
        raise WatchError(f"saved search {name!r}: its stored query is not JSON ({error}); 'kb watch remove {name}' and add it again") from None
    count = values.get(str(TEKB.resultCount))
    prefix = iris.source_graph("")
    hits = []
    for member in members.values():
        record = member.get(str(DCTERMS.identifier))
        if record is None:
            continue
        source = member.get(str(DCTERMS.source))
        results = member.get(str(TEKB.hasResults))
        hits.append(Hit(
            record,
            source[len(prefix):] if source is not None and source.startswith(prefix) else None,
            member.get(str(TEKB.registryStatus)),
            None if results is None else results == "true",
            member.get(str(DCTERMS.modified)),
        ))
    return SavedSearch(
        name=name,
        service=service,
        query={str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {},
        created=_when(values.get(str(DCTERMS.created))) or datetime.fromtimestamp(0, timezone.utc),
        last_run=_when(values.get(str(TEKB.lastRun))),
        count=int(count) if count is not None and count.isdigit() else None,
        hits=tuple(sorted(hits, key=lambda hit: hit.record_id)),
    )


def list_saved(store: StoreBackend, iris: IriScheme) -> list[SavedSearch]:
    """Every saved search in the store, by name.

    Found by index lookup (``?search rdf:type tekb:SavedSearch`` in any graph), not by listing
    every named graph: a KB holds one per source.
    """
    prefix = f"{iris.base}graph/watch/"
    graphs = {quad.graph_name for quad in store.quads_matching(None, iri(RDF.type), iri(TEKB.SavedSearch), None)}
    names = sorted(g.value[len(prefix):] for g in graphs if isinstance(g, ox.NamedNode) and g.value.startswith(prefix))
    found = [read_saved(store, iris, name) for name in names if _NAME.match(name)]
    return [saved for saved in found if saved is not None]


def save(store: StoreBackend, iris: IriScheme, saved: SavedSearch) -> bool:
    """Write ``saved``'s graph when it differs from the stored one; True if written (one transaction)."""
    graph = watch_graph(iris, saved.name)
    wanted = search_triples(iris, saved)
    held = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_matching(None, None, None, graph)}, key=str)
    if held == wanted:
        return False
    store.replace_graph(graph, wanted)
    return True


def remove_saved(store: StoreBackend, iris: IriScheme, name: str) -> int:
    """Delete the saved search ``name`` (its graph only: the sources it brought in stay); the statements removed."""
    graph = watch_graph(iris, name)
    if not store.has_graph(graph):
        raise WatchError(f"no saved search {name!r}{_known(store, iris)}")
    return store.remove_graph(graph)


def _known(store: StoreBackend, iris: IriScheme) -> str:
    names = [saved.name for saved in list_saved(store, iris)]
    return f" (saved searches: {', '.join(names)})" if names else " (there are none: 'kb watch add' saves one)"


def sorted_hits(hits: Iterable[Hit]) -> tuple[Hit, ...]:
    """``hits`` in identifier order, each identifier once (the first kept)."""
    kept: dict[str, Hit] = {}
    for hit in hits:
        kept.setdefault(hit.record_id, hit)
    return tuple(kept[key] for key in sorted(kept))
