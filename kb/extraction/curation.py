"""The curation loop: which drafts are still to check, by publication, and what supersedes a proposal.

Supersession is decided at read time by the ``drafts`` template (``queries/drafts.rq``): an
extraction proposal (method ``automatic_extraction``) is superseded when a curated source (any
other method) derives a finding of the same kind - outcome result, adverse event, mechanism
claim - from the same publication. Nothing is deleted, so ingesting a curated file, removing it
or re-extracting are all idempotent; ``docs/decisions/0010-extraction-drafts.md`` says why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.extraction.model import METHOD

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["PublicationDrafts", "draft_summary"]


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
