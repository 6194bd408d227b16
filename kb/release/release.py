"""``kb release``: a dated, citable, versioned dump of the KB in one directory.

A release directory holds::

    kb-<version>.nq.gz        every graph, deterministic N-Quads (kb.release.dump)
    kgx/nodes.tsv ...         the KGX files (when an infores CURIE is given)
    tables/evidence.csv       the evidence tables (kb export evidence-csv / adverse-events-csv)
    tables/adverse-events.csv
    CHANGELOG.md              sources added, replaced, removed against the previous release
    changelog.json
    release.json              the manifest: counts, every source's content hash and quads, files
    void.ttl                  the VoID/DCAT description (kb.release.void)
    SHA256SUMS                every other file's SHA-256, for ``sha256sum -c``

It is written into a temporary folder beside the target and renamed into place when complete, so
a failed release leaves nothing behind and a reader never sees half of one. An existing target is
refused unless ``force`` (then it is replaced, and never used as the previous release).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from kb.release.changelog import first_release_diff, write_changelog
from kb.release.diff import ReleaseDiff, diff_manifests
from kb.release.dump import DumpReport, load_dump, write_dump
from kb.release.manifest import (
    MANIFEST, FileEntry, GraphEntry, Manifest, PreviousRelease, ReleaseError, counts_of, read_manifest, software_version,
    source_entries,
)
from kb.release.void import VOID_FILE, describe, media_type, write_void

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = [
    "ReleaseReport", "write_release", "find_previous", "dump_name", "checksum", "load_release", "load_into_new_store", "built_beside",
    "DEFAULT_TITLE",
]

DEFAULT_TITLE = "trial-evidence-kb"
SUMS_FILE = "SHA256SUMS"
#: A version goes into file names and IRIs: letters, digits and . _ + - only, starting with a letter or digit.
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
_TABLES = (("evidence-csv", "tables/evidence.csv"), ("adverse-events-csv", "tables/adverse-events.csv"))


@dataclass(frozen=True)
class ReleaseReport:
    """What :func:`write_release` wrote: the directory, its manifest, the changelog's diff and what was left out."""

    directory: Path
    manifest: Manifest
    diff: ReleaseDiff
    notes: tuple[str, ...] = ()


def dump_name(version: str) -> str:
    """The N-Quads file of a release: ``kb-<version>.nq.gz``."""
    return f"kb-{version}.nq.gz"


def checksum(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_version(version: str) -> None:
    if not _VERSION_RE.match(version):
        raise ReleaseError(f"version {version!r} cannot name a release: use letters, digits and . _ + - (e.g. 1.0, 2026-11, 1.1-rc1)")


def _issued(when: datetime | None) -> str:
    moment = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def find_previous(directory: Path, given: Path | None) -> tuple[Manifest, Path, str] | None:
    """The release to compare against: ``given`` (``--previous``), else the newest release beside ``directory``.

    "Newest" is the latest issue time among the folders beside ``directory`` that hold a release
    manifest (``directory`` itself excluded); folders whose manifest does not read are skipped.
    Returns the manifest, its directory and how it was found (``given`` / ``newest beside``).

    :raises ReleaseError: when ``given`` is not a release.
    """
    if given is not None:
        return read_manifest(given), given, "given"
    parent = directory.parent
    if not parent.is_dir():
        return None
    found: list[tuple[str, str, Path, Manifest]] = []
    for child in parent.iterdir():
        if child.name.startswith(".") or not child.is_dir() or child.resolve() == directory.resolve() or not (child / MANIFEST).exists():
            continue
        try:
            manifest = read_manifest(child)
        except ReleaseError:
            continue  # not a release of ours, or a damaged one: never the previous release
        found.append((manifest.issued, manifest.version, child, manifest))
    if not found:
        return None
    _, _, where, manifest = max(found, key=lambda item: (item[0], item[1]))
    return manifest, where, "newest beside"


def _refuse_target(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ReleaseError(f"cannot write a release to {directory}: it is a file")
    if directory.exists() and not force:
        raise ReleaseError(f"{directory} exists: give another directory, or --force to replace it")
    if directory.parent.exists() and not directory.parent.is_dir():
        raise ReleaseError(f"cannot write a release to {directory}: {directory.parent} is not a directory")


def write_release(
    kb: KnowledgeBase,
    directory: Path,
    version: str,
    *,
    previous: Path | None = None,
    force: bool = False,
    infores: str | None = None,
    url: str | None = None,
    title: str = DEFAULT_TITLE,
    issued: datetime | None = None,
) -> ReleaseReport:
    """Write a release of ``kb`` into ``directory`` (see the module's docstring for what it holds).

    ``previous`` names the release the changelog compares against; without it, the newest
    release beside ``directory``; with none, the changelog lists every source as added.
    ``infores`` (``infores:NAME``) is needed for the KGX files (left out without it, with a note).
    ``url`` is where the release will be published (default ``{KB base}release/{version}/``).

    :raises ReleaseError: for a bad version, an existing ``directory`` (without ``force``), or a
        ``previous`` that is not a release; nothing is written then.
    :raises KBError: when the store cannot be read or a file cannot be written (nothing is left behind).
    """
    _check_version(version)
    directory = Path(directory)
    _refuse_target(directory, force)
    url = url or f"{kb.iris.base}release/{version}/"
    if not url.endswith("/"):
        url += "/"
    found = find_previous(directory, previous)
    with built_beside(directory, ".partial", f"cannot write a release to {directory}") as partial:
        try:
            report = _write_into(kb, partial, version, found, infores=infores, url=url, title=title, issued=_issued(issued))
            _move_into_place(partial, directory)
        except OSError as error:
            raise ReleaseError(f"cannot write the release {directory}: {error.strerror or error}") from error
    return ReleaseReport(directory, report.manifest, report.diff, report.notes)


@contextmanager
def built_beside(target: Path, suffix: str, cannot: str) -> Iterator[Path]:
    """A new private folder beside ``target`` (same file system, so a rename moves what is built
    there into place at once), deleted with whatever is left in it when the block ends.

    :raises ReleaseError: ``cannot`` and the reason, when the folder cannot be made.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent))
    except OSError as error:
        raise ReleaseError(f"{cannot}: {error.strerror or error}") from error
    try:
        yield partial
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _move_into_place(partial: Path, directory: Path) -> None:
    """Rename the finished release to ``directory``; an existing one (``--force``) is moved aside first, then deleted."""
    os.chmod(partial, 0o777 & ~_umask())  # mkdtemp made it private
    if directory.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=directory.parent))
        os.replace(directory, aside / directory.name)
        os.replace(partial, directory)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(partial, directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_into(
    kb: KnowledgeBase, out: Path, version: str, found: tuple[Manifest, Path, str] | None, *, infores: str | None, url: str,
    title: str, issued: str,
) -> ReleaseReport:
    from kb.rdf.document import MAPPING_VERSION

    notes: list[str] = []
    dump = dump_name(version)
    dumped = write_dump(kb.store, out / dump)
    if infores:
        kb.export("kgx", out / "kgx", infores=infores)
    else:
        notes.append("KGX files left out: give --infores infores:NAME (or KB_INFORES) to include them")
    (out / "tables").mkdir()
    for fmt, name in _TABLES:
        kb.export(fmt, out / name)
    counts, findings = counts_of(kb)
    counts["quads"] = dumped.quads  # what the dump holds (the stats row sums the sizes graphs record)
    sources, graphs = _entries(kb, dumped)
    previous = None
    if found is not None:
        manifest, where, how = found
        previous = PreviousRelease(version=manifest.version, issued=manifest.issued, url=manifest.url, directory=str(where), found=how)
    manifest = Manifest(title=title, version=version, url=url, issued=issued, software_version=software_version(),
                        mapping_version=MAPPING_VERSION, counts=counts, findings=findings, sources=sources, graphs=graphs,
                        previous=previous)
    diff = diff_manifests(found[0], manifest) if found is not None else first_release_diff(manifest)
    write_changelog(diff, out)
    files = [_file_entry(out, path) for path in sorted(_files(out))]
    manifest = manifest.model_copy(update={"files": files})
    manifest.write(out / MANIFEST)
    described = manifest.model_copy(update={"files": [*files, _file_entry(out, out / MANIFEST)]})
    write_void(describe(described, url, dump=dump, previous_url=previous.url if previous else None), out / VOID_FILE)
    _write_sums(out)
    diff.new = manifest
    return ReleaseReport(out, manifest, diff, tuple(notes))


def _entries(kb: KnowledgeBase, dumped: DumpReport) -> tuple[list, list[GraphEntry]]:
    sizes = {entry.graph: entry.quads for entry in dumped.graphs}
    digests = {entry.graph: entry.digest for entry in dumped.graphs}
    sources = source_entries(kb, sizes, digests)
    source_graphs = {entry.graph for entry in sources}
    graphs = [GraphEntry(graph=entry.graph, quads=entry.quads, digest=entry.digest) for entry in dumped.graphs if entry.graph not in source_graphs]
    return sources, graphs


def _files(out: Path) -> list[Path]:
    """Every file of the release but the manifest, the description and the checksum list (written after)."""
    skip = {MANIFEST, VOID_FILE, SUMS_FILE}
    return [path for path in out.rglob("*") if path.is_file() and path.relative_to(out).as_posix() not in skip]


def _file_entry(out: Path, path: Path) -> FileEntry:
    name = path.relative_to(out).as_posix()
    return FileEntry(path=name, bytes=path.stat().st_size, sha256=checksum(path), media_type=media_type(name)[0])


def _write_sums(out: Path) -> None:
    """``SHA256SUMS`` in ``sha256sum``'s format (two spaces, binary-safe names), every file in name order."""
    lines = [f"{checksum(path)}  {path.relative_to(out).as_posix()}\n" for path in sorted(out.rglob("*")) if path.is_file() and path.name != SUMS_FILE]
    (out / SUMS_FILE).write_text("".join(lines), encoding="utf-8")


def load_release(kb: KnowledgeBase, location: Path, *, verify: bool = True) -> tuple[int, Manifest | None]:
    """Load a release's N-Quads dump (``location``: the release directory, or the dump file) into an empty ``kb``.

    Given a directory, the dump is the one its manifest names and, with ``verify``, its SHA-256
    must match the manifest's before anything is loaded. Returns the quads loaded and the manifest
    (None for a bare dump file).

    :raises ReleaseError: when the dump is missing or its checksum does not match.
    :raises KBError: when the store is not empty or the dump does not load (the store is left empty).
    """
    manifest: Manifest | None = None
    path = location
    if location.is_dir():
        manifest = read_manifest(location)
        path = location / dump_name(manifest.version)
        if not path.exists():
            raise ReleaseError(f"the release {location} has no dump {path.name}")
        if verify:
            expected = next((entry.sha256 for entry in manifest.files if entry.path == path.name), None)
            if expected is None:
                raise ReleaseError(f"{location / MANIFEST} lists no checksum for {path.name}")
            actual = checksum(path)
            if actual != expected:
                raise ReleaseError(f"{path}: SHA-256 {actual} does not match the manifest's {expected}: the file is damaged")
    elif not location.exists():
        raise ReleaseError(f"no release or dump at {location}")
    return load_dump(kb.store, path), manifest


def load_into_new_store(location: Path, target: Path, *, base: str | None = None, verify: bool = True) -> tuple[int, Manifest | None]:
    """Load a release's dump (:func:`load_release`) into a new embedded store at ``target`` (absent or an
    empty folder): built beside it and renamed into place once complete, so a failed load leaves no store.
    """
    from kb.knowledge_base import KnowledgeBase

    with built_beside(target, ".loading", f"cannot create the store {target}") as partial:
        with KnowledgeBase.open(partial / "store", base=base) as kb:
            loaded = load_release(kb, location, verify=verify)
        if target.exists():
            target.rmdir()  # empty: the caller chose a new store
        os.replace(partial / "store", target)
    return loaded
