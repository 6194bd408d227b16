"""Loading records into a store: one source graph per record, all or nothing per source.

A document is validated and mapped in memory first; only then is its graph swapped in,
in one transaction. A source whose content hash is already stored is left untouched,
so ingesting the same file twice leaves the store unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox

from kb.errors import KBError, SourceNotFoundError
from kb.models import FindingsDocument, Publication
from kb.namespaces import FABIO, PRISM, RDFS, TEKB
from kb.paths import ontology_dir
from kb.rdf import IriScheme, UnresolvedName, document_to_graph
from kb.rdf.terms import iri, string
from kb.store import KBStore
from kb.vocab import Vocabulary
from kb.vocab_store import load_vocabulary

#: Statements written between flushes of an on-disk store. RocksDB keeps writes in memory
#: tables until they fill; flushing every ~100k statements keeps a 30,000-record ingest at a
#: flat ~150 MiB instead of growing by ~200 KiB a record (benchmarks/ingest_memory.py).
FLUSH_EVERY = 100_000

__all__ = [
    "LoadStatus", "LoadedSource", "LoadReport", "load_documents", "ensure_vocabulary", "list_sources",
    "remove_source", "SourceSummary", "known_publication",
]


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
    """The outcome of a batch: loaded sources, failures (file, message), unresolved names."""

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


def _stored_hash(store: KBStore, graph: ox.NamedNode) -> str | None:
    for quad in store.oxigraph.quads_for_pattern(graph, iri(TEKB.contentHash), None, graph):
        return quad.object.value
    return None


def _ontology_triples() -> tuple[bytes, list[ox.Triple]]:
    path = ontology_dir() / "tekb.ttl"
    data = path.read_bytes()
    try:
        return data, [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as error:
        raise KBError(f"{path}: invalid Turtle: {error}") from error


def known_publication(store: KBStore, publication: Publication) -> str | None:
    """The node the store already has for ``publication``: matched on DOI, then on PMID.

    This is what makes the same article from PubMed, Crossref and a RIS file one node, in
    whichever order they arrive (docs/rdf-mapping.md, "Merging publications").
    """
    for predicate, value in ((PRISM.doi, publication.doi), (FABIO.hasPubMedId, publication.pmid)):
        if value is None:
            continue
        for quad in store.oxigraph.quads_for_pattern(None, iri(predicate), ox.Literal(value), None):
            if isinstance(quad.subject, ox.NamedNode):
                return quad.subject.value
    return None


def ensure_vocabulary(store: KBStore, iris: IriScheme, vocabulary: Vocabulary) -> bool:
    """Put the ontology and ``vocabulary`` in the vocabulary graph if they changed; True if written.

    The graph holds exactly the vocabulary names are resolved with, so what a query labels and
    what an ingest resolved cannot drift apart.
    """
    ontology_bytes, ontology = _ontology_triples()
    vocabulary_triples = list(vocabulary.iter_triples())
    digest = hashlib.sha256(ontology_bytes)
    for line in sorted(str(triple) for triple in vocabulary_triples):
        digest.update(line.encode("utf-8"))
    graph = iri(iris.vocabulary_graph())
    if _stored_hash(store, graph) == digest.hexdigest():
        return False
    triples = [*ontology, *vocabulary_triples]
    triples.append(ox.Triple(graph, iri(RDFS.label), string("ontology and normalization vocabularies")))
    triples.append(ox.Triple(graph, iri(TEKB.contentHash), string(digest.hexdigest())))
    store.replace_graph(graph, triples)
    return True


def load_documents(
    store: KBStore,
    documents: Iterable[tuple[str | None, FindingsDocument]],
    *,
    iris: IriScheme,
    vocabulary: Vocabulary,
    generated_at: datetime | None = None,
) -> LoadReport:
    """Load each ``(file name, document)``; a failing source is reported and the rest go on."""
    report = LoadReport()
    vocabulary_ready = False  # written before the first source, so a run that loads nothing writes nothing
    unflushed = 0
    vocabulary = load_vocabulary(store, iris, vocabulary)  # plus what 'kb vocab add' put in the store

    def resolve(text: str, category: str) -> str | None:
        concept = vocabulary.resolve(text, category=category)
        return concept.iri if concept else None

    for file_name, document in documents:
        try:
            mapped = document_to_graph(
                document,
                iris=iris,
                resolve=resolve,
                source_file=Path(file_name).name if file_name else None,
                generated_at=generated_at,
                known_publication=lambda publication: known_publication(store, publication),
                vocabulary_fingerprint=vocabulary.fingerprint,
            )
            if not vocabulary_ready:
                ensure_vocabulary(store, iris, vocabulary)
                vocabulary_ready = True
            stored = _stored_hash(store, mapped.graph)
            if stored == mapped.content_hash:
                report.loaded.append(LoadedSource(mapped.source_id, LoadStatus.unchanged, store.count(mapped.graph), file_name))
                continue
            store.replace_graph(mapped.graph, mapped.triples)
            unflushed += len(mapped.triples)
            if unflushed >= FLUSH_EVERY:
                store.flush()
                unflushed = 0
        except KBError as error:
            report.failed.append((file_name or document.source.id, str(error)))
            continue
        status = LoadStatus.added if stored is None else LoadStatus.replaced
        report.loaded.append(LoadedSource(mapped.source_id, status, len(mapped.triples), file_name))
        report.unresolved.extend(mapped.unresolved)
    return report


@dataclass(frozen=True)
class SourceSummary:
    """One source in the store."""

    source_id: str
    graph: str
    kind: str | None
    file: str | None
    derived_from: str | None
    generated_at: str | None
    triples: int


_SOURCES_QUERY = """
PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?id ?kind ?file ?from ?at WHERE {
  GRAPH ?g { ?g tekb:sourceId ?id .
    OPTIONAL { ?g tekb:sourceKind ?kind } OPTIONAL { ?g tekb:sourceFile ?file }
    OPTIONAL { ?g prov:wasDerivedFrom ?from } OPTIONAL { ?g prov:generatedAtTime ?at } }
} ORDER BY ?id
"""


def list_sources(store: KBStore) -> list[SourceSummary]:
    """Every source graph in the store, with its provenance and size."""
    result = store.select(_SOURCES_QUERY)
    summaries = []
    for row in result.dicts():
        graph = row["g"]
        summaries.append(
            SourceSummary(
                source_id=row["id"].value,
                graph=graph.value,
                kind=row["kind"].value if row["kind"] else None,
                file=row["file"].value if row["file"] else None,
                derived_from=row["from"].value if row["from"] else None,
                generated_at=row["at"].value if row["at"] else None,
                triples=store.count(graph),
            )
        )
    return summaries


def remove_source(store: KBStore, source_id: str, *, iris: IriScheme) -> int:
    """Delete exactly one source's statements; return how many were removed."""
    graph = iri(iris.source_graph(source_id))
    if not store.has_graph(graph):
        known = ", ".join(s.source_id for s in list_sources(store)) or "none"
        raise SourceNotFoundError(f"no source {source_id!r} in the store (sources: {known})")
    return store.remove_graph(graph)
