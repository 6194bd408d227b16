"""What an ingest did, as data: loaded sources, failures, unresolved names and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kb.rdf import UnresolvedName

__all__ = ["LoadStatus", "LoadedSource", "LoadReport"]


class LoadStatus(StrEnum):
    """What loading did to one source."""

    added = "added"
    replaced = "replaced"
    unchanged = "unchanged"


@dataclass(frozen=True)
class LoadedSource:
    """One source that was loaded."""

    source_id: str
    status: LoadStatus
    triples: int
    file: str | None


@dataclass
class LoadReport:
    """The outcome of a batch: loaded sources, failures (where, message), unresolved names, notes.

    ``loaded`` has an entry per record written (or found unchanged), in order. A run may meet
    one source in several files (a later export of the same record): the counts take each
    source once, by :meth:`sources`, so that they add up to the sources the run left in the
    store; the records a later file replaced are :meth:`superseded`.
    """

    loaded: list[LoadedSource] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unresolved: list[UnresolvedName] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The run was stopped by Ctrl-C (KeyboardInterrupt): ``loaded`` is what it committed; a note says what not.
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def record(self, source: LoadedSource) -> None:
        """Add what loading one record did."""
        self.loaded.append(source)

    def sources(self) -> list[LoadedSource]:
        """One entry per source, in first-seen order: the last record written, with its status against
        the store *before* the run (added if the run added it first; unchanged only if every record was)."""
        return [source for _, source in self._final().values()]

    def superseded(self) -> list[LoadedSource]:
        """Records that a later record of the same source in this run replaced or repeated (counted once)."""
        kept = {position for position, _ in self._final().values()}
        return [source for position, source in enumerate(self.loaded) if position not in kept]

    def _final(self) -> dict[str, tuple[int, LoadedSource]]:
        """Each source's entry of :meth:`sources`, with the position in ``loaded`` of the record it stands for."""
        final: dict[str, tuple[int, LoadedSource]] = {}
        for position, source in enumerate(self.loaded):
            held = final.get(source.source_id)
            if held is None:
                final[source.source_id] = (position, source)
                continue
            earlier = held[1]
            if source.status is LoadStatus.unchanged and earlier.status is not LoadStatus.unchanged:
                continue  # the same content again (a copy of the earlier file): the earlier entry stands
            if earlier.status is LoadStatus.added:
                status = LoadStatus.added  # new to the store before the run, whichever record came last
            elif LoadStatus.replaced in (earlier.status, source.status):
                status = LoadStatus.replaced
            else:
                status = LoadStatus.unchanged
            final[source.source_id] = (position, LoadedSource(source.source_id, status, source.triples, source.file))
        return final

    def status_counts(self) -> dict[str, int]:
        """How many sources were added, replaced and left unchanged (each source once: :meth:`sources`)."""
        final = self.sources()
        return {status.value: sum(1 for s in final if s.status is status) for status in LoadStatus}

    def extend(self, other: LoadReport) -> None:
        """Add what ``other`` reports to this report."""
        self.loaded.extend(other.loaded)
        self.failed.extend(other.failed)
        self.unresolved.extend(other.unresolved)
        self.notes.extend(other.notes)
        self.interrupted = self.interrupted or other.interrupted

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``kb ingest --json`` prints): each source once in ``loaded``."""
        superseded = self.superseded()
        return {
            "loaded": [_source(s) for s in self.sources()],
            "superseded": [_source(s) for s in superseded],
            "failed": [{"file": where, "error": error} for where, error in self.failed],
            "unresolved": [{"text": u.text, "category": u.category, "path": u.path} for u in self.unresolved],
            "notes": list(self.notes),
            "interrupted": self.interrupted,
            "counts": self.status_counts() | {
                "failed": len(self.failed), "unresolved": len(self.unresolved), "superseded": len(superseded),
            },
        }


def _source(source: LoadedSource) -> dict[str, Any]:
    return {"source": source.source_id, "status": source.status.value, "triples": source.triples, "file": source.file}
