"""A release's changelog against the previous release: Markdown for people, JSON for machines.

Both come from one :class:`~kb.release.diff.ReleaseDiff`; the first release's changelog lists
every source as added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.release.diff import ReleaseDiff, SourceChange
from kb.release.manifest import Manifest

__all__ = ["CHANGELOG_MD", "CHANGELOG_JSON", "changelog_json", "changelog_markdown", "write_changelog", "first_release_diff"]

CHANGELOG_MD = "CHANGELOG.md"
CHANGELOG_JSON = "changelog.json"


def first_release_diff(new: Manifest) -> ReleaseDiff:
    """The diff of a first release: every source added, against nothing."""
    from kb.release.diff import diff_manifests

    empty = Manifest(title="no release", version="", issued="", software_version="", mapping_version="", counts={}, sources=[])
    return diff_manifests(empty, new)


def changelog_json(diff: ReleaseDiff) -> dict[str, Any]:
    """The changelog as JSON-ready data: the diff, and which release it is against (None for the first)."""
    previous = diff.new.previous
    return {
        "version": diff.new.version,
        "issued": diff.new.issued,
        "previous": previous.model_dump(mode="json") if previous is not None else None,
        **{key: value for key, value in diff.as_json().items() if key not in ("old", "new")},
        "quads": {"old": diff.old.counts.get("quads") if previous else None, "new": diff.new.counts.get("quads")},
    }


def _quads(entry: SourceChange) -> str:
    if entry.old_quads is None:
        return f"{entry.new_quads} quads"
    if entry.new_quads is None:
        return f"{entry.old_quads} quads"
    delta = entry.new_quads - entry.old_quads
    return f"{entry.old_quads} → {entry.new_quads} quads ({delta:+d})"


def _code(text: str) -> str:
    """``text`` as Markdown inline code (a source id may hold any character but a backtick is rare)."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def changelog_markdown(diff: ReleaseDiff) -> str:
    """The changelog as Markdown: a heading per kind of change, one line per source with its quads."""
    new, previous = diff.new, diff.new.previous
    lines = [f"# Changelog: {new.title}, version {new.version}", "", f"Released {new.issued}."]
    if previous is None:
        lines += ["", "The first release: every source is new."]
    else:
        lines += ["", f"Against version {previous.version} (released {previous.issued}, `{previous.directory}`): {diff.summary()}."]
    for change, heading in (("added", "Sources added"), ("replaced", "Sources replaced"), ("removed", "Sources removed")):
        entries = diff.of(change)  # type: ignore[arg-type]
        lines += ["", f"## {heading} ({len(entries)})", ""]
        if not entries:
            lines.append("None.")
        for entry in entries:
            reason = f"; {entry.reason}" if entry.reason and entry.reason != "content hash changed" else ""
            lines.append(f"- {_code(entry.source)}: {_quads(entry)}{reason}")
    if diff.graphs:
        lines += ["", f"## Other graphs ({len(diff.graphs)})", ""]
        for graph in diff.graphs:
            sizes = f"{graph.old_quads} → {graph.new_quads} quads" if graph.change == "changed" else f"{graph.old_quads or graph.new_quads} quads"
            lines.append(f"- {graph.change}: <{graph.graph}> ({sizes})")
    old_quads = diff.old.counts.get("quads") if previous is not None else None
    totals = f"{old_quads} → {new.counts.get('quads')}" if old_quads is not None else f"{new.counts.get('quads')}"
    lines += ["", f"Quads in all: {totals}; sources: {len(new.sources)}.", ""]
    return "\n".join(lines)


def write_changelog(diff: ReleaseDiff, directory: Path) -> None:
    """Write ``CHANGELOG.md`` and ``changelog.json`` into ``directory``."""
    (directory / CHANGELOG_MD).write_text(changelog_markdown(diff), encoding="utf-8")
    text = json.dumps(changelog_json(diff), indent=2, ensure_ascii=False) + "\n"
    (directory / CHANGELOG_JSON).write_text(text, encoding="utf-8")
