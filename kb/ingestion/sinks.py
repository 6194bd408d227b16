"""Where mapped source graphs go: a store (one transaction per source), or a list in tests.

The bulk sinks (a store through its bulk loader, N-Quads files) are in :mod:`kb.ingestion.bulk`.
A :class:`FileScopedSink` keeps each file's sources apart until the file has ended, so the
runner reads its files once; the others (:class:`StoreSink`) get files read twice.

A sink receives each source's graph once it has been validated and mapped. The store sink
swaps the graph in as one transaction, so a source is either wholly the old one or wholly
the new one; a source whose content hash is already stored is left untouched, so ingesting
the same file twice leaves the store unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from kb.ingestion.report import LoadedSource, LoadStatus
from kb.models import FindingsDocument, Publication
from kb.namespaces import FABIO, PRISM
from kb.rdf import IriScheme, SourceGraph
from kb.rdf.terms import iri
from kb.store import StoreBackend
from kb.vocab import Vocabulary
from kb.vocab.stored import ensure_vocabulary, stored_hash

__all__ = ["Sink", "FileScopedSink", "StoreSink", "ListSink", "FLUSH_EVERY", "known_publication"]

#: Statements written between flushes of an on-disk store. RocksDB keeps writes in memory
#: tables until they fill; flushing every ~100k statements keeps a 30,000-record ingest at a
#: flat ~150 MiB instead of growing by ~200 KiB a record (benchmarks/ingest_memory.py).
FLUSH_EVERY = 100_000


@runtime_checkable
class Sink(Protocol):
    """Receives mapped source graphs, one at a time."""

    def known_publication(self, publication: Publication) -> str | None:
        """The node already held for ``publication`` (matched on DOI, then PMID), if any."""
        ...

    def write(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        """Keep one source's graph; :class:`~kb.errors.KBError` if it cannot (nothing kept)."""
        ...

    def finish(self) -> None:
        """Called once after the last source."""
        ...


@runtime_checkable
class FileScopedSink(Protocol):
    """A sink that keeps each file's sources apart until the file has been read to its end.

    The runner reads such a sink's files once: ``begin_file``, a ``write`` per record, then
    ``end_file`` when the reader reached the end, or ``abort_file`` when it failed (the file's
    sources are then forgotten, as if never written).
    """

    def unchanged(self, document: FindingsDocument, file: str | None) -> LoadedSource | None:
        """A report for ``document`` when the sink holds its content already (not mapped then)."""
        ...

    def begin_file(self, file: str | None) -> None: ...

    def end_file(self) -> None: ...

    def abort_file(self) -> None: ...

    def discard(self) -> None:
        """The run is abandoned (an interrupt): drop what was kept and not yet written."""
        ...


def known_publication(
    store: StoreBackend, publication: Publication, held: Mapping[tuple[str, str], str] | None = None
) -> str | None:
    """The node already given to ``publication``: matched on DOI, then on PMID.

    ``held`` maps ``("doi"|"pmid", value)`` to nodes not in ``store`` yet (a run's spool); for each
    identifier it is asked before the store. This is what makes the same article from PubMed,
    Crossref and a RIS file one node, in whichever order they arrive (docs/rdf-mapping.md,
    "Merging publications").
    """
    for kind, predicate, value in (("doi", PRISM.doi, publication.doi), ("pmid", FABIO.hasPubMedId, publication.pmid)):
        if value is None:
            continue
        if held is not None and (kind, value) in held:
            return held[(kind, value)]
        for quad in store.quads_matching(None, iri(predicate), ox.Literal(value), None):
            if isinstance(quad.subject, ox.NamedNode):
                return quad.subject.value
    return None


class StoreSink:
    """Writes each source graph to a store in one transaction; the vocabulary graph before the first."""

    def __init__(self, store: StoreBackend, *, iris: IriScheme, vocabulary: Vocabulary, flush_every: int | None = None) -> None:
        self.store = store
        self.iris = iris
        self.vocabulary = vocabulary
        self.flush_every = flush_every or FLUSH_EVERY  # read at run time, so it can be tuned
        self._vocabulary_ready = False  # written before the first source: a run that loads nothing writes nothing
        self._unflushed = 0

    def known_publication(self, publication: Publication) -> str | None:
        """The store's node for ``publication``, if it has one."""
        return known_publication(self.store, publication)

    def write(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        """Swap ``mapped`` in, unless the store holds the same content already."""
        if not self._vocabulary_ready:
            ensure_vocabulary(self.store, self.iris, self.vocabulary)
            self._vocabulary_ready = True
        stored = stored_hash(self.store, mapped.graph)
        if stored == mapped.content_hash:
            return LoadedSource(mapped.source_id, LoadStatus.unchanged, self.store.count(mapped.graph), file)
        self.store.replace_graph(mapped.graph, mapped.triples)
        self._unflushed += len(mapped.triples)
        if self._unflushed >= self.flush_every:
            self.store.flush()
            self._unflushed = 0
        status = LoadStatus.added if stored is None else LoadStatus.replaced
        return LoadedSource(mapped.source_id, status, len(mapped.triples), file)

    def finish(self) -> None:
        """Nothing to do: every source was committed as it came."""


class ListSink:
    """Keeps mapped graphs in a list (for tests and dry runs); publications merge as in a store.

    It is file-scoped: a file that fails halfway leaves nothing in the list.
    """

    def __init__(self) -> None:
        self.graphs: list[SourceGraph] = []
        self._publications: dict[tuple[str, str], str] = {}
        self.finished = False
        self._file_start = 0
        self._file_publications: list[tuple[str, str]] = []

    def unchanged(self, document: FindingsDocument, file: str | None) -> LoadedSource | None:
        """Never: a list keeps every graph it is given."""
        return None

    def begin_file(self, file: str | None) -> None:
        """Remember where the file's graphs begin."""
        self._file_start = len(self.graphs)
        self._file_publications = []

    def end_file(self) -> None:
        """Keep the file's graphs."""
        self._file_publications = []

    def discard(self) -> None:
        """Nothing to do: the list holds only files that ended."""

    def abort_file(self) -> None:
        """Forget the file's graphs and the publications they named."""
        del self.graphs[self._file_start:]
        for key in self._file_publications:
            self._publications.pop(key, None)
        self._file_publications = []

    def known_publication(self, publication: Publication) -> str | None:
        """The node an earlier graph gave ``publication``, matched on DOI, then PMID."""
        for kind, value in (("doi", publication.doi), ("pmid", publication.pmid)):
            if value is not None and (kind, value) in self._publications:
                return self._publications[(kind, value)]
        return None

    def write(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        """Append ``mapped``; remember the publications it names."""
        self.graphs.append(mapped)
        for triple in mapped.triples:
            if isinstance(triple.subject, ox.NamedNode) and isinstance(triple.object, ox.Literal):
                key = None
                if triple.predicate == iri(PRISM.doi):
                    key = ("doi", triple.object.value)
                elif triple.predicate == iri(FABIO.hasPubMedId):
                    key = ("pmid", triple.object.value)
                if key is not None and key not in self._publications:
                    self._publications[key] = triple.subject.value
                    self._file_publications.append(key)
        return LoadedSource(mapped.source_id, LoadStatus.added, len(mapped.triples), file)

    def finish(self) -> None:
        """Mark the list complete."""
        self.finished = True


