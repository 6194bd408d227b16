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
    """The outcome of a batch: loaded sources, failures (where, message), unresolved names, notes."""

    loaded: list[LoadedSource] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unresolved: list[UnresolvedName] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def status_counts(self) -> dict[str, int]:
        """How many sources were added, replaced and left unchanged."""
        return {status.value: sum(1 for s in self.loaded if s.status is status) for status in LoadStatus}

    def extend(self, other: LoadReport) -> None:
        """Add what ``other`` reports to this report."""
        self.loaded.extend(other.loaded)
        self.failed.extend(other.failed)
        self.unresolved.extend(other.unresolved)
        self.notes.extend(other.notes)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``kb ingest --json`` prints)."""
        return {
            "loaded": [{"source": s.source_id, "status": s.status.value, "triples": s.triples, "file": s.file} for s in self.loaded],
            "failed": [{"file": where, "error": error} for where, error in self.failed],
            "unresolved": [{"text": u.text, "category": u.category, "path": u.path} for u in self.unresolved],
            "notes": list(self.notes),
            "counts": self.status_counts() | {"failed": len(self.failed), "unresolved": len(self.unresolved)},
        }
