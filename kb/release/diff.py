"""What changed between two manifests (two releases, or a release and the live KB).

A source is *added* (only in the new one), *removed* (only in the old one), *replaced* (its
content hash changed: the record was ingested again with other content, or mapped by another
version of the mapping or vocabulary) or *unchanged*. A source whose content hash is the same but
whose statements differ (its quad count or, between two releases, its graph digest) is also
*replaced*, with that reason: a diff never calls changed statements unchanged. Graphs that are
not sources (vocabularies, saved searches) are compared by digest, else by size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kb.release.manifest import GraphEntry, Manifest, SourceEntry

__all__ = ["SourceChange", "GraphChange", "ReleaseDiff", "diff_manifests"]

Change = Literal["added", "replaced", "removed", "unchanged"]


@dataclass(frozen=True)
class SourceChange:
    """One source's change, with its quads before and after (None where it is absent)."""

    source: str
    change: Change
    old_quads: int | None
    new_quads: int | None
    old_hash: str | None = None
    new_hash: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class GraphChange:
    """A graph that is not a source and was added, removed or changed."""

    graph: str
    change: Literal["added", "removed", "changed"]
    old_quads: int | None
    new_quads: int | None


@dataclass
class ReleaseDiff:
    """Every source's change between ``old`` and ``new`` (by source id), and the other graphs that changed."""

    old: Manifest
    new: Manifest
    sources: list[SourceChange] = field(default_factory=list)
    graphs: list[GraphChange] = field(default_factory=list)

    def of(self, change: Change) -> list[SourceChange]:
        """The sources with that change, by id."""
        return [entry for entry in self.sources if entry.change == change]

    @property
    def changed(self) -> bool:
        """Whether any source or other graph differs."""
        return bool(self.graphs) or any(entry.change != "unchanged" for entry in self.sources)

    def summary(self) -> str:
        """``2 added, 1 replaced, 0 removed, 3 unchanged``."""
        return ", ".join(f"{len(self.of(change))} {change}" for change in ("added", "replaced", "removed", "unchanged"))

    def as_json(self) -> dict[str, Any]:
        """The diff as JSON-ready data (for ``--json`` and ``changelog.json``)."""

        def side(manifest: Manifest) -> dict[str, Any]:
            return {"version": manifest.version, "issued": manifest.issued, "title": manifest.title,
                    "sources": len(manifest.sources), "quads": manifest.counts.get("quads")}

        def rows(change: Change) -> list[dict[str, Any]]:
            return [{k: v for k, v in asdict(entry).items() if k != "change"} for entry in self.of(change)]

        return {
            "old": side(self.old),
            "new": side(self.new),
            "added": rows("added"),
            "replaced": rows("replaced"),
            "removed": rows("removed"),
            "unchanged": len(self.of("unchanged")),
            "other_graphs": [asdict(entry) for entry in self.graphs],
        }


def _source_change(old: SourceEntry | None, new: SourceEntry | None) -> SourceChange:
    if old is None:
        assert new is not None
        return SourceChange(new.source, "added", None, new.quads, None, new.content_hash)
    if new is None:
        return SourceChange(old.source, "removed", old.quads, None, old.content_hash, None)
    quads = (old.quads, new.quads, old.content_hash, new.content_hash)
    if old.content_hash != new.content_hash:
        reason = "content hash changed" if old.content_hash and new.content_hash else "an unfinished ingest on one side (no content hash)"
        return SourceChange(old.source, "replaced", *quads, reason=reason)
    if old.quads != new.quads:
        return SourceChange(old.source, "replaced", *quads, reason="same content hash, other statements (quad count changed)")
    if old.digest is not None and new.digest is not None and old.digest != new.digest:
        return SourceChange(old.source, "replaced", *quads, reason="same content hash, other statements (graph digest changed)")
    return SourceChange(old.source, "unchanged", *quads)


def _graph_change(old: GraphEntry | None, new: GraphEntry | None) -> GraphChange | None:
    if old is None:
        assert new is not None
        return GraphChange(new.graph, "added", None, new.quads)
    if new is None:
        return GraphChange(old.graph, "removed", old.quads, None)
    differs = old.digest != new.digest if old.digest is not None and new.digest is not None else old.quads != new.quads
    return GraphChange(old.graph, "changed", old.quads, new.quads) if differs else None


def diff_manifests(old: Manifest, new: Manifest) -> ReleaseDiff:
    """Compare two manifests source by source (ids in order), then their other graphs.

    >>> from kb.release.manifest import Manifest, SourceEntry
    >>> def m(*sources):
    ...     return Manifest(title="t", version="v", issued="2026-01-01T00:00:00Z", software_version="0", mapping_version="m",
    ...                     counts={}, sources=[SourceEntry(source=s, graph=s, content_hash=h, quads=q) for s, h, q in sources])
    >>> d = diff_manifests(m(("a", "1", 5), ("b", "2", 5)), m(("b", "3", 6), ("c", "4", 7)))
    >>> [(c.source, c.change) for c in d.sources]
    [('a', 'removed'), ('b', 'replaced'), ('c', 'added')]
    """
    before, after = old.source_map(), new.source_map()
    result = ReleaseDiff(old, new)
    for source in sorted(before.keys() | after.keys()):
        result.sources.append(_source_change(before.get(source), after.get(source)))
    old_graphs = {entry.graph: entry for entry in old.graphs}
    new_graphs = {entry.graph: entry for entry in new.graphs}
    for graph in sorted(old_graphs.keys() | new_graphs.keys()):
        change = _graph_change(old_graphs.get(graph), new_graphs.get(graph))
        if change is not None:
            result.graphs.append(change)
    return result
