"""The curation loop: drafts into the KB, which drafts are still to check, by publication, and what supersedes a proposal.

Supersession is decided at read time by the ``drafts`` template (``queries/drafts.rq``): an
extraction proposal (method ``automatic_extraction``) is superseded when a curated source (any
other method) derives a finding of the same kind - outcome result, adverse event, mechanism
claim - from the same publication. Nothing is deleted, so ingesting a curated file, removing it
or re-extracting are all idempotent; ``docs/decisions/0010-extraction-drafts.md`` says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.extraction.drafts import Draft, draft_document
from kb.extraction.model import METHOD, Extractor
from kb.models import Publication

if TYPE_CHECKING:
    from kb.ingestion import LoadReport
    from kb.knowledge_base import KnowledgeBase

__all__ = ["PublicationDrafts", "draft_summary", "StoredAbstract", "ExtractRun", "stored_abstracts", "extract_stored"]


@dataclass
class PublicationDrafts:
    """What is still draft for one publication."""

    publication: str
    doi: str | None
    pmid: str | None
    #: Proposals no curated source supersedes yet, by kind (outcome_result, adverse_event, mechanism).
    pending: Counter[str] = field(default_factory=Counter)
    superseded: int = 0
    #: Curated findings whose status is still draft (awaiting verification against the full text).
    curated_drafts: int = 0
    draft_sources: set[str] = field(default_factory=set)
    superseded_by: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        """The publication as a reader names it: doi:..., else pmid:..., else its IRI."""
        return f"doi:{self.doi}" if self.doi else f"pmid:{self.pmid}" if self.pmid else self.publication

    def as_dict(self) -> dict[str, Any]:
        return {
            "publication": self.label, "doi": self.doi, "pmid": self.pmid, "pending": sum(self.pending.values()),
            "pending_by_kind": dict(sorted(self.pending.items())), "superseded": self.superseded,
            "curated_drafts": self.curated_drafts, "draft_sources": sorted(self.draft_sources),
            "superseded_by": sorted(self.superseded_by),
        }


def draft_summary(kb: KnowledgeBase, *, doi: str | None = None, pmid: str | None = None, pending_only: bool = False) -> list[PublicationDrafts]:
    """Per publication: pending and superseded proposals, and curated findings still in draft.

    ``pending_only`` keeps the publications with a pending proposal. Ordered by pending count
    (most first), then by the publication.
    """
    params = {key: value for key, value in (("doi", doi), ("pmid", pmid)) if value}
    found: dict[str, PublicationDrafts] = {}
    for row in kb.query("drafts", params):
        entry = found.setdefault(row.publication, PublicationDrafts(row.publication, row.doi, row.pmid))
        if row.method != METHOD:
            entry.curated_drafts += 1
            continue
        entry.draft_sources.add(row.source)
        if row.superseded_by:
            entry.superseded += 1
            entry.superseded_by.add(row.superseded_by)
        else:
            entry.pending[row.kind] += 1
    summary = [entry for entry in found.values() if entry.pending or not pending_only]
    return sorted(summary, key=lambda entry: (-sum(entry.pending.values()), entry.label))


# -- reading abstracts from the KB and loading drafts ---------------------------------------------

@dataclass(frozen=True)
class StoredAbstract:
    """A publication's abstract as one source stores it (``dcterms:abstract``), with the publication's ids."""

    publication: Publication
    text: str
    origin: str
    node: str


_PREFIXES = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
"""
_SELECT = """SELECT ?publication ?abstract ?source ?kind (MIN(?doi) AS ?a_doi) (MIN(?pmid) AS ?a_pmid) (MIN(?title) AS ?a_title)
       (GROUP_CONCAT(DISTINCT ?nct; separator=" ") AS ?ncts)
WHERE {
"""
_BODY = """  GRAPH ?g { ?publication dcterms:abstract ?abstract }
  ?g tekb:sourceId ?source .
  OPTIONAL { ?g tekb:sourceKind ?kind }
  OPTIONAL { ?publication prism:doi ?doi }
  OPTIONAL { ?publication fabio:hasPubMedId ?pmid }
  OPTIONAL { ?publication dcterms:title ?title }
  OPTIONAL { ?publication tekb:registryId ?nct }
}
GROUP BY ?publication ?abstract ?source ?kind
ORDER BY ?publication ?source
"""
#: The selecting pattern of each way of naming publications; the value is bound, never written in.
_SELECTORS = {
    "all": "",
    "doi": "  ?publication prism:doi ?want .\n",
    "pmid": "  ?publication fabio:hasPubMedId ?want .\n",
    "source": "  ?g tekb:sourceId ?want .\n",
}
#: Which source's abstract is read when several sources give one: the bibliographic records first.
_KIND_ORDER = ("pubmed", "medline", "crossref", "csl", "ris", "bibtex", "findings")


def stored_abstracts(kb: KnowledgeBase, by: str = "all", values: Sequence[str] = ()) -> list[StoredAbstract]:
    """The abstract of each publication named (``by`` ``doi``, ``pmid`` or ``source`` id; ``all``): one per publication.

    :raises KBError: for a malformed DOI or PMID.
    """
    import pyoxigraph as ox

    from kb.errors import KBError
    from kb.identifiers import normalize_doi, normalize_pmid

    query = _PREFIXES + _SELECT + _SELECTORS[by] + _BODY
    rows: list[tuple[Any, ...]] = []
    normalize = {"doi": normalize_doi, "pmid": normalize_pmid}.get(by, str)
    for value in values if by != "all" else [None]:
        bindings = {}
        if value is not None:
            try:
                bindings["want"] = ox.Literal(normalize(value))
            except ValueError as error:
                raise KBError(f"{by} {value!r}: {error}") from error
        result = kb.sparql(query, bindings)
        rows.extend(result.rows)  # type: ignore[union-attr]  # a SELECT gives rows
    chosen: dict[str, tuple[tuple[int, str], StoredAbstract]] = {}
    for publication, abstract, source, kind, doi, pmid, title, ncts in rows:
        rank = (_KIND_ORDER.index(kind.value) if kind is not None and kind.value in _KIND_ORDER else len(_KIND_ORDER), source.value)
        held = chosen.get(publication.value)
        if held is not None and held[0] <= rank:
            continue
        record = Publication(
            doi=doi.value if doi is not None else None, pmid=pmid.value if pmid is not None else None,
            title=title.value if title is not None else None, registry_ids=tuple(ncts.value.split()) if ncts is not None else (),
        )
        chosen[publication.value] = (rank, StoredAbstract(record, abstract.value, source.value, publication.value))
    return [item for _, item in chosen.values()]


@dataclass
class ExtractRun:
    """What extracting publications of a KB did: the drafts, the load report, the draft sources removed."""

    drafts: list[Draft]
    report: LoadReport | None
    emptied: list[str] = field(default_factory=list)


def extract_stored(kb: KnowledgeBase, abstracts: Sequence[StoredAbstract], extractor: Extractor, *, load: bool = True) -> ExtractRun:
    """Extract each stored abstract and (``load``) write its draft source, replacing the previous one.

    A publication in which nothing is found has no draft source: an older one (an earlier
    extractor version's) is removed, so the KB holds the newest extraction only.
    """
    drafts = [
        draft_document(extractor.extract(item.text, text_id=item.origin), item.publication, origin=item.origin)
        for item in abstracts
    ]
    if not load:
        return ExtractRun(drafts, None)
    kept = [d for d in drafts if d.count or d.document.trials]
    emptied = []
    for draft in drafts:
        if draft not in kept and kb.store.has_graph(kb.source_graph(draft.source_id)):
            kb.remove_source(draft.source_id)
            emptied.append(draft.source_id)
    report = kb.load([(None, draft.document) for draft in kept])
    return ExtractRun(drafts, report, emptied)
