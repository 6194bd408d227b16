"""Ingestion as a library: a runner that maps records from readers and fetchers into a sink.

:class:`IngestRunner` takes its parts (a reader or fetcher, a sink, the IRI scheme and the
vocabulary); :class:`BulkStoreSink` writes to a store in batches through its bulk loader (what
``KnowledgeBase.ingest`` uses), :class:`StoreSink` one transaction per source,
:class:`NQuadsEmitSink` N-Quads files, :class:`ListSink` keeps graphs in a list.
Reports are data (:class:`LoadReport`). ``KnowledgeBase.ingest`` is the usual way in.
"""

from kb.ingestion.bulk import BulkStoreSink
from kb.ingestion.emit import NQuadsEmitSink
from kb.ingestion.report import LoadedSource, LoadReport, LoadStatus
from kb.ingestion.runner import Advance, IngestRunner, ProgressHook, load_documents
from kb.ingestion.sinks import FLUSH_EVERY, FileScopedSink, ListSink, Sink, StoreSink, known_publication

__all__ = [
    "Advance", "BulkStoreSink", "FLUSH_EVERY", "FileScopedSink", "IngestRunner", "ListSink", "LoadReport", "LoadStatus",
    "LoadedSource", "NQuadsEmitSink", "ProgressHook", "Sink", "StoreSink", "known_publication", "load_documents",
]
