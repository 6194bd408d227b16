"""A release's manifest (``release.json``): what it holds, per source, so later releases and
``kb diff`` compare without loading the dump again.

The manifest of the live KB (:func:`live_manifest`) has the same shape without files or graph
digests, so a release and the store compare the same way.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb.errors import KBError
from kb.namespaces import TEKB_NS

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = [
    "MANIFEST", "FORMAT", "SourceEntry", "GraphEntry", "FileEntry", "FindingCount", "PreviousRelease", "Manifest",
    "read_manifest", "live_manifest", "software_version", "ReleaseError",
]

#: The manifest's file name in a release directory.
MANIFEST = "release.json"
_CONTENT_HASH = ox.NamedNode(TEKB_NS + "contentHash")
#: The manifest format; a reader refuses any other.
FORMAT = "trial-evidence-kb release 1"


class ReleaseError(KBError):
    """A release cannot be written, read or compared (the message names the directory or file)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceEntry(_Model):
    """One source graph: its id, graph IRI, content hash (None for an unfinished ingest), quads and digest."""

    source: str
    graph: str
    content_hash: str | None
    quads: int = Field(ge=0)
    #: SHA-256 of the graph's sorted N-Quads lines in the dump (None in a live manifest).
    digest: str | None = None


class GraphEntry(_Model):
    """A graph that is not a source (vocabularies, saved searches): its IRI (``""``: default graph), quads, digest."""

    graph: str
    quads: int = Field(ge=0)
    digest: str | None = None


class FileEntry(_Model):
    """A file of the release: its path inside the release directory, size, SHA-256 and media type."""

    path: str
    bytes: int = Field(ge=0)
    sha256: str
    media_type: str


class FindingCount(_Model):
    """Findings of one kind with one curation status."""

    kind: str
    status: str
    count: int = Field(ge=0)


class PreviousRelease(_Model):
    """The release a changelog compares against: its version, issue time, URL, directory and how it was found."""

    version: str
    issued: str
    url: str | None = None
    directory: str
    #: "given" (--previous) or "newest beside" (the newest release in the same folder).
    found: str


class Manifest(_Model):
    """What a release (or the live KB) holds."""

    format: str = FORMAT
    title: str
    version: str
    #: Where the release is published (its dataset IRI in the VoID description); None for the live KB.
    url: str | None = None
    #: When the release was made (UTC, ISO 8601 seconds); the live KB's is the time it was read.
    issued: str
    software_version: str
    mapping_version: str
    #: sources, publications, trials, outcome_results, ..., quads, triples.
    counts: dict[str, int]
    findings: list[FindingCount] = Field(default_factory=list)
    sources: list[SourceEntry]
    graphs: list[GraphEntry] = Field(default_factory=list)
    files: list[FileEntry] = Field(default_factory=list)
    previous: PreviousRelease | None = None

    def source_map(self) -> dict[str, SourceEntry]:
        """The sources by id."""
        return {entry.source: entry for entry in self.sources}

    def write(self, path: Path) -> None:
        """Write the manifest as indented JSON (keys in a fixed order: the model's)."""
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(location: Path) -> Manifest:
    """The manifest of the release at ``location`` (its directory, or its ``release.json``).

    :raises ReleaseError: naming the file, when it is missing, not JSON, or not a manifest (with the field).
    """
    path = location / MANIFEST if location.is_dir() else location
    if not path.exists():
        what = "no release there" if location.is_dir() else "no such file"
        raise ReleaseError(f"cannot read the release at {location}: {what} ({MANIFEST} missing; 'kb release' writes one)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ReleaseError(f"cannot read {path}: {error}") from error
    except json.JSONDecodeError as error:
        raise ReleaseError(f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from error
    if isinstance(data, dict) and data.get("format") != FORMAT:
        raise ReleaseError(f"{path}: not a release manifest of this kind (format {data.get('format')!r}, expected {FORMAT!r})")
    try:
        return Manifest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReleaseError(f"{path}: {where}: {first['msg']} ({error.error_count()} error(s))") from error


def software_version() -> str:
    """The installed trial-evidence-kb's version."""
    try:
        return package_version("trial-evidence-kb")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def counts_of(kb: KnowledgeBase, *, distinct_triples: bool = True) -> tuple[dict[str, int], list[FindingCount]]:
    """The KB's counts (``kb stats --triples``; without ``triples`` unless ``distinct_triples``) and
    its findings by kind and curation status."""
    row = kb.stats(distinct_triples=distinct_triples)
    counts = {name: int(value) for name, value in row._asdict().items()}
    findings = [FindingCount(kind=r.kind, status=r.status, count=r.findings) for r in kb.query("findings_by_status")]
    return counts, findings


def source_entries(kb: KnowledgeBase, sizes: dict[str, int], digests: dict[str, str] | None = None) -> list[SourceEntry]:
    """Every source graph (the ``sources`` template) with the content hash it records, its quads
    (``sizes``, by graph IRI) and its digest (if given)."""
    entries = []
    for row in kb.query("sources"):
        graph = ox.NamedNode(row.graph)
        marker = next(iter(kb.store.quads_matching(graph, _CONTENT_HASH, None, graph)), None)  # one index lookup
        content_hash = marker.object.value if marker is not None and isinstance(marker.object, ox.Literal) else None
        entries.append(SourceEntry(source=row.source, graph=row.graph, content_hash=content_hash, quads=sizes.get(row.graph, 0),
                                   digest=digests.get(row.graph) if digests is not None else None))
    return entries


#: Quads per named graph, counted inside the store (1 s of CPU at 640k quads, against 8 s counting
#: graph by graph in Python). A fixed query with nothing bound into it, internal to the diff (it
#: is no catalogue template: its counts change with every mapping version, so no golden holds).
_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def graph_sizes(kb: KnowledgeBase) -> dict[str, int]:
    """The quads of every graph the KB wrote (named under its base's ``graph/``), counted, by IRI.

    Graphs outside the KB's own (a SPARQL server's system graphs) are left out.
    """
    own = f"{kb.iris.base}graph/"
    sizes = {}
    for graph, count in kb.store.select(_GRAPH_SIZES).rows:
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(own) and isinstance(count, ox.Literal):
            sizes[graph.value] = int(count.value)
    return sizes


def live_manifest(kb: KnowledgeBase, *, issued: str) -> Manifest:
    """The manifest of the KB as it is now (version ``live``): no files, no graph digests.

    Quads are counted in the store, per graph (:func:`graph_sizes`: one scan) and in all;
    distinct triples (another scan, which a diff does not need) are left out.
    """
    from kb.rdf.document import MAPPING_VERSION

    counts, findings = counts_of(kb, distinct_triples=False)
    sizes = graph_sizes(kb)
    counts["quads"] = sum(sizes.values())
    sources = source_entries(kb, sizes)
    source_graphs = {entry.graph for entry in sources}
    graphs = [GraphEntry(graph=graph, quads=quads) for graph, quads in sorted(sizes.items()) if graph not in source_graphs]
    where = str(kb.store.path) if kb.store.path is not None else ":memory:"
    return Manifest(title=f"the live KB at {where}", version="live", issued=issued, software_version=software_version(),
                    mapping_version=MAPPING_VERSION, counts=counts, findings=findings, sources=sources, graphs=graphs)
