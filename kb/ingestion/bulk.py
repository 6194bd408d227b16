"""Bulk ingest: mapped sources are spooled as N-Quads and written through the store's bulk loader.

A file is read once. While it is read, each good record is mapped and its quads are appended
to a spool file on disk (constant memory); the publication lookup answers from the store and
from what this run has spooled. Only when the file has been read to its end does its part of
the spool join the batch; a file that turns out malformed halfway has its part cut off the
spool (``abort_file``), so it loads nothing. A batch of many sources (``batch_quads`` quads,
at file ends) is then committed through the bulk loader, which is fast but not transactional.

**The crash rule.** A source graph is complete when it holds its ``tekb:contentHash`` marker;
the marker is written last, after the graph's quads, in one transaction for the whole batch.
Committing a batch is:

1. a journal (``{base}graph/ingest/pending``: ``prov:hadMember`` each graph of the batch) is
   written in one transaction;
2. the graphs the batch replaces, and any graph of the batch that has quads but no marker, are
   dropped in one transaction;
3. the spooled quads, markers left out, are bulk-loaded (not atomic);
4. the batch's markers are written in one transaction; then the journal is dropped.

A run killed at any point leaves every source either complete (old or new content, with its
marker) or marker-less. The next run first reads the journal, if one is there, and drops
every listed graph without a marker (and the journal); any source it meets whose graph has
quads but no marker is dropped and written again. A source whose stored marker equals the
record's content hash is skipped before it is mapped. Ingesting the same files twice, or
again after a crash, leaves the store as an uninterrupted run does (up to
``prov:generatedAtTime`` of the sources the second run wrote). A killed run leaves its spool
(``$TMPDIR/kb-ingest-*.nq``) behind; nothing reads it again.

The mapping mints IRIs and literals only, never blank nodes (the bulk loader would rename them).
:class:`kb.ingestion.emit.NQuadsEmitSink` writes the same quads to one N-Quads file per input
file instead of a store (``kb ingest FORMAT FILES --emit nquads -o DIR``).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kb.errors import StoreError
from kb.ingestion.report import LoadedSource, LoadStatus
from kb.ingestion.sinks import known_publication
from kb.ingestion.spool import Spooler, _Chunk
from kb.models import FindingsDocument, Publication
from kb.namespaces import PROV
from kb.rdf import IriScheme, SourceGraph
from kb.rdf.document import content_hash
from kb.rdf.terms import iri
from kb.store import StoreBackend
from kb.vocab import Vocabulary
from kb.vocab.stored import ensure_vocabulary, stored_hash

__all__ = [
    "BATCH_QUADS", "LOAD_QUADS", "BulkStoreSink", "Spooler", "HOOK_ENV", "HOOK_STOP_ENV", "BATCH_ENV", "OPTIMIZE_ENV", "IngestInterrupted",
    "journal_graph", "recover",
]

#: Quads spooled before a batch is committed (checked at the end of each file).
BATCH_QUADS = 500_000
#: Overrides :data:`BATCH_QUADS` (an integer).
BATCH_ENV = "KB_INGEST_BATCH_QUADS"
#: Quads per call of the bulk loader. Oxigraph's loader holds what one call gives it in memory
#: (its sorted runs for every index): about 0.9 KiB a quad, whatever the store's size (+76 MiB
#: for 86k quads, +183 MiB for 200k), so this sets the ingest's peak RSS; a batch (a big file is
#: one) is loaded in spool chunks of about this many quads. 100,000 keeps the peak of a large run
#: within ~1.3x of a run that loads less than one chunk (0006, "Figures"), at no measurable CPU cost.
LOAD_QUADS = 100_000
#: ``0`` leaves the store uncompacted at the end of a run (see :meth:`BulkStoreSink.finish`; for
#: measuring, or many small runs on a big store: compacting costs O(store) each time).
OPTIMIZE_ENV = "KB_INGEST_OPTIMIZE"
#: A test hook: a file to which each commit step appends ``<step> <batch> <sources>``
#: (steps ``journal``, ``quads``, ``markers``; batches count from 1; ``optimize <last batch> 0`` once
#: the store was compacted at the end of the run).
HOOK_ENV = "KB_INGEST_HOOK"
#: With :data:`HOOK_ENV`: ``<step> <batch>`` after which the run hangs (so a test can kill it there).
HOOK_STOP_ENV = "KB_INGEST_HOOK_STOP"

_MEMBER = iri(PROV.hadMember)


class IngestInterrupted(StoreError):
    """A bulk ingest stopped on a write error (a full disk): ``committed`` sources are in the store,
    complete; ``not_committed`` were spooled only. The same ingest again loads the rest (crash rule)."""

    def __init__(self, error: BaseException, committed: list[str], not_committed: list[str], file: str | None, *, committing: bool = False) -> None:
        while error.__cause__ is not None and not isinstance(error, OSError):  # the OS's reason, where there is one
            error = error.__cause__
        reason = f"[Errno {error.errno}] {error.strerror}" if isinstance(error, OSError) and error.strerror else str(error).strip()
        shown = ", ".join(not_committed[:5]) + (f" and {len(not_committed) - 5} more" if len(not_committed) > 5 else "")
        where = (f" while writing the batch that ends with {file}" if committing else f" while reading {file}") if file else ""
        super().__init__(f"ingest stopped{where}: {reason}; {len(committed)} source(s) were committed before it, {len(not_committed)} were not"
                         + (f" ({shown})" if shown else "") + "; once the cause is fixed, the same kb ingest skips the committed sources and loads the rest")
        self.committed, self.not_committed, self.file = committed, not_committed, file


def journal_graph(iris: IriScheme) -> ox.NamedNode:
    """The graph listing the source graphs of a batch being committed (absent between runs)."""
    return iri(f"{iris.base}graph/ingest/pending")


def recover(store: StoreBackend, iris: IriScheme) -> list[ox.NamedNode]:
    """Drop what a killed bulk ingest left incomplete: listed graphs without their marker.

    Returns the graphs dropped. Does nothing (and writes nothing) when there is no journal.
    """
    journal = journal_graph(iris)
    listed = [quad.object for quad in store.quads_matching(journal, _MEMBER, None, journal)]
    if not listed:
        return []
    incomplete = [g for g in listed if isinstance(g, ox.NamedNode) and stored_hash(store, g) is None and store.has_graph(g)]
    store.drop_graphs([*incomplete, journal])
    return incomplete


class BulkStoreSink(Spooler):
    """Writes sources to a store in batches through its bulk loader; see the module's crash rule."""

    def __init__(
        self,
        store: StoreBackend,
        *,
        iris: IriScheme,
        vocabulary: Vocabulary,
        batch_quads: int | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(iris=iris, vocabulary=vocabulary)
        self.store = store
        self.batch_quads = batch_quads or int(os.environ.get(BATCH_ENV) or BATCH_QUADS)
        self.spool_dir = spool_dir
        self.batches = 0  # committed so far
        self._recovered = False
        self._vocabulary_ready = False
        self._chunks: list[_Chunk] = []
        self._markers: dict[ox.NamedNode, ox.Quad] = {}  # the batch's, last one per graph wins
        self._batch_quads = 0
        self._batch_sources = 0
        # the current file's state at its start, for abort_file
        self._mark: tuple[int, int, int, int] = (0, 0, 0, 0)  # chunks, offset and quads of the last, batch quads
        self._file_markers: dict[ox.NamedNode, ox.Quad | None] = {}
        self._file_drops: list[tuple[_Chunk, ox.NamedNode]] = []
        self._file_quads = 0
        self.committed: list[str] = []  # source ids of committed batches, for IngestInterrupted
        self._batch_ids: list[str] = []  # spooled for the batch, from files that ended
        self._file_ids: list[str] = []  # spooled from the current file
        self._stopped: IngestInterrupted | None = None

    # -- Sink ------------------------------------------------------------------------------------
    def known_publication(self, publication: Publication) -> str | None:
        """The node this run (spooled, not yet loaded) or the store already has for ``publication``."""
        return known_publication(self.store, publication, held=self._publications)

    def unchanged(self, document: FindingsDocument, file: str | None) -> LoadedSource | None:
        """A report when the store (or this run) holds this record's content already."""
        self._check_stopped()
        graph = iri(self.iris.source_graph(document.source.id))
        if graph in self._hashes:
            return self._unchanged_in_run(document, graph, file)
        held = stored_hash(self.store, graph)
        if held is None or held != content_hash(document, self.vocabulary.fingerprint):
            return None  # a new source is hashed once, when it is mapped
        self._file_sources += 1
        return LoadedSource(document.source.id, LoadStatus.unchanged, self.store.count(graph), file)

    def write(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        """Spool ``mapped``; it reaches the store when its file has ended and its batch commits.

        :raises IngestInterrupted: when the spool cannot be written; then at every call, and at the file's end.
        """
        self._check_stopped()
        try:
            loaded = self._spool_source(mapped, file)
        except OSError as error:
            self._file_ids.append(mapped.source_id)
            raise self._stop(error, file) from error
        self._file_ids.append(mapped.source_id)
        return loaded

    def _spool_source(self, mapped: SourceGraph, file: str | None) -> LoadedSource:
        self._recover()
        graph = mapped.graph
        if graph in self._hashes:  # written earlier in this run, with other content
            status = LoadStatus.replaced
            if graph in self._markers:  # still spooled: load the new quads after dropping those
                self._new_chunk()
            self._drop(graph)
        else:
            stored = stored_hash(self.store, graph)
            status = LoadStatus.added if stored is None else LoadStatus.replaced
            if stored is not None or self.store.has_graph(graph):  # replaced, or incomplete
                self._drop(graph)
        if not self._chunks or self._chunks[-1].quads >= LOAD_QUADS:
            self._new_chunk()
        chunk = self._chunks[-1]
        marker, count = self._spool(mapped, chunk.stream)
        chunk.quads += count
        if graph not in self._file_markers:
            self._file_markers[graph] = self._markers.get(graph)
        if marker is not None:
            self._markers[graph] = marker
        self._set_hash(mapped)
        self._batch_quads += count + 1
        self._file_quads += count + 1
        return LoadedSource(mapped.source_id, status, len(mapped.triples), file)

    def finish(self) -> None:
        """Commit what is spooled; then, if the run loaded anything, compact the store once.

        The bulk loader adds SST files per call (44 at 3.18M quads, 23 after compaction, every
        template 35-40% faster); compacting is after the last batch's markers, so a crash during
        it loses nothing (the store is complete, only not compacted).
        """
        self._check_stopped()
        self._commit()
        if self.batches and os.environ.get(OPTIMIZE_ENV) != "0":
            try:
                self.store.optimize()
            except (OSError, StoreError) as error:
                raise StoreError(f"every source was written, but compacting the store afterwards failed "
                                 f"(queries are slower until a later ingest compacts it): {error}") from error
            self._hook("optimize", 0)

    # -- the file scope ------------------------------------------------------------------------
    def begin_file(self, file: str | None) -> None:
        """Remember where the spool stood, so that :meth:`abort_file` can cut the file off."""
        super().begin_file(file)
        self._check_stopped()
        self._recover()
        self._file_ids = []
        last = self._chunks[-1] if self._chunks else None
        if last is not None:
            try:
                last.stream.flush()
            except OSError as error:
                raise self._stop(error, file) from error
        self._mark = (len(self._chunks), last.stream.tell() if last else 0, last.quads if last else 0, self._batch_quads)
        self._file_markers = {}
        self._file_drops = []
        self._file_quads = 0

    def end_file(self) -> None:
        """Keep the file's sources; commit the batch once it is big enough."""
        self._check_stopped()
        self._batch_ids += self._file_ids
        self._file_ids = []
        if self._file_sources and not self._vocabulary_ready:
            try:
                ensure_vocabulary(self.store, self.iris, self.vocabulary)
            except (OSError, StoreError) as error:
                raise self._stop(error, self._file, committing=True) from error
            self._vocabulary_ready = True
        self._file_sources = 0
        if self._batch_quads >= self.batch_quads:
            self._commit()

    def abort_file(self) -> None:
        """Forget the file's sources: cut the spool back to where the file began."""
        self._file_ids = []
        if self._stopped is not None:  # the spool is gone already
            return
        chunks, offset, chunk_quads, quads = self._mark
        for chunk in self._chunks[chunks:]:
            chunk.stream.close()
            chunk.path.unlink(missing_ok=True)
        del self._chunks[chunks:]
        if self._chunks:
            last = self._chunks[-1]
            last.stream.flush()
            last.stream.seek(offset)
            last.stream.truncate()
            last.quads = chunk_quads
        for chunk, graph in self._file_drops:
            chunk.drops.discard(graph)
        for graph, previous in self._file_markers.items():
            if previous is None:
                self._markers.pop(graph, None)
            else:
                self._markers[graph] = previous
        self._batch_quads = quads
        self._undo_file()

    def discard(self) -> None:
        """Delete the spool: sources of files that ended but were not committed are not written."""
        for chunk in self._chunks:
            chunk.stream.close()
            chunk.path.unlink(missing_ok=True)
        self._chunks, self._markers, self._batch_quads = [], {}, 0

    # -- committing ------------------------------------------------------------------------------
    def _new_chunk(self) -> None:
        handle, name = tempfile.mkstemp(prefix="kb-ingest-", suffix=".nq", dir=self.spool_dir)
        self._chunks.append(_Chunk(Path(name), os.fdopen(handle, "w", encoding="utf-8", newline="\n")))

    def _drop(self, graph: ox.NamedNode) -> None:
        if not self._chunks:
            self._new_chunk()
        chunk = self._chunks[-1]
        if graph not in chunk.drops:
            chunk.drops.add(graph)
            self._file_drops.append((chunk, graph))

    def _recover(self) -> None:
        if not self._recovered:
            recover(self.store, self.iris)
            self._recovered = True

    def _check_stopped(self) -> None:
        if self._stopped is not None:
            raise self._stopped

    def _stop(self, error: BaseException, file: str | None, *, committing: bool = False) -> IngestInterrupted:
        """Give up the run after a write error: delete the spool, and say what was committed and what not."""
        not_committed = list(dict.fromkeys([*self._batch_ids, *self._file_ids]))
        self._batch_ids, self._file_ids = [], []
        self.discard()
        self._stopped = IngestInterrupted(error, list(dict.fromkeys(self.committed)), not_committed, file, committing=committing)
        return self._stopped

    def _commit(self) -> None:
        """Journal, drops, bulk load, markers, in that order (the module's crash rule).

        :raises IngestInterrupted: when the store cannot be written (the next run repairs the batch).
        """
        try:
            self._commit_batch()
        except (OSError, StoreError) as error:
            raise self._stop(error, self._file, committing=True) from error
        self.committed += self._batch_ids
        self._batch_ids = []

    def _commit_batch(self) -> None:
        chunks, markers = self._chunks, self._markers
        self._chunks, self._markers, self._batch_quads = [], {}, 0
        try:
            graphs = set(markers) | {graph for chunk in chunks for graph in chunk.drops}
            if not graphs:
                return
            self.batches += 1
            journal = journal_graph(self.iris)
            self.store.replace_graph(journal, [ox.Triple(journal, _MEMBER, graph) for graph in sorted(graphs, key=str)])
            self._hook("journal", len(markers))
            for chunk in chunks:
                chunk.stream.close()
                if chunk.drops:
                    self.store.drop_graphs(sorted(chunk.drops, key=str))
                self.store.bulk_load(chunk.path, format="nquads")
            self._hook("quads", len(markers))
            if markers:
                self.store.load("".join(f"{quad} .\n" for quad in markers.values()).encode("utf-8"), format="nquads")
            self.store.drop_graphs([journal])
            self._hook("markers", len(markers))
        finally:
            for chunk in chunks:
                chunk.stream.close()
                chunk.path.unlink(missing_ok=True)

    def _hook(self, step: str, sources: int) -> None:
        """The test hook (:data:`HOOK_ENV`): say which step of which batch is done, then pause."""
        target = os.environ.get(HOOK_ENV)
        if not target:
            return
        with open(target, "a", encoding="utf-8") as log:
            log.write(f"{step} {self.batches} {sources}\n")
        if os.environ.get(HOOK_STOP_ENV) == f"{step} {self.batches}":
            time.sleep(600)
