"""Ingestion as a library: a runner that maps records from readers and fetchers into a sink.

:class:`IngestRunner` takes its parts (a reader or fetcher, a sink, the IRI scheme and the
vocabulary); :class:`StoreSink` writes to a store, :class:`ListSink` keeps graphs in a list.
Reports are data (:class:`LoadReport`). ``KnowledgeBase.ingest`` is the usual way in.
"""

from kb.ingestion.report import LoadedSource, LoadReport, LoadStatus
from kb.ingestion.runner import Advance, IngestRunner, ProgressHook, load_documents
from kb.ingestion.sinks import FLUSH_EVERY, ListSink, Sink, StoreSink, known_publication

__all__ = [
    "Advance", "FLUSH_EVERY", "IngestRunner", "ListSink", "LoadReport", "LoadStatus", "LoadedSource", "ProgressHook",
    "Sink", "StoreSink", "known_publication", "load_documents",
]
