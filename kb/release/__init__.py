"""Versioned releases of the KB: ``kb release``, ``kb diff`` and ``kb load`` (``docs/releases.md``).

- :func:`write_release`: a dated directory with a deterministic N-Quads dump, the KGX files, the
  evidence tables, a VoID/DCAT description, a manifest and a changelog against the previous release;
- :func:`diff_manifests`: what changed between two releases, or a release and :func:`live_manifest`;
- :func:`load_release`: a release's dump back into an empty store.
"""

from kb.release.diff import GraphChange, ReleaseDiff, SourceChange, diff_manifests
from kb.release.manifest import Manifest, ReleaseError, live_manifest, read_manifest
from kb.release.release import ReleaseReport, find_previous, load_into_new_store, load_release, write_release

__all__ = [
    "GraphChange", "ReleaseDiff", "SourceChange", "diff_manifests", "Manifest", "ReleaseError", "live_manifest", "read_manifest",
    "ReleaseReport", "find_previous", "load_release", "load_into_new_store", "write_release",
]
