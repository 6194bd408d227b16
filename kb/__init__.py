"""trial-evidence-kb: a knowledge base of clinical-trial evidence, as a provenance-tracked RDF graph.

The public API is here. Open a :class:`KnowledgeBase`, ingest, query and export through it::

    from kb import KnowledgeBase

    with KnowledgeBase.open("kb-store") as kb:
        report = kb.ingest("findings", ["examples/mm009_weber2007.yaml"])
        rows = kb.query("mechanisms", drug="Revlimid")
        kb.export("evidence-csv", "evidence.csv")

Errors are the leaves of :class:`KBError` (``kb.errors``).
"""

__version__ = "0.1.0"

from kb.errors import (
    ExportError, FetchError, FindingsFileError, IdentifierError, InputFileError, KBError, ParameterError, QueryError,
    RecordError, SourceNotFoundError, StoreError, UnknownTermError, ValidationFailed, VocabularyError,
)
from kb.export import EXPORT_FORMATS, ExportFormat, ExportResult
from kb.formats import INPUT_FORMATS, InputFormat
from kb.ingestion import IngestRunner, ListSink, LoadedSource, LoadReport, LoadStatus, Sink, StoreSink
from kb.knowledge_base import KnowledgeBase, SourceSummary, VocabularyManager
from kb.models import FindingsDocument
from kb.query import Template, iter_templates, load_template
from kb.readers import Fetcher, Reader, ReadNote, SkippedRecord
from kb.store import MEMORY, OxigraphStore, SelectResult, StoreBackend, open_store
from kb.vocab import Concept, Vocabulary

__all__ = [
    "__version__",
    # the handle
    "KnowledgeBase", "SourceSummary", "VocabularyManager",
    # ingestion
    "IngestRunner", "Sink", "StoreSink", "ListSink", "LoadReport", "LoadedSource", "LoadStatus",
    "Reader", "Fetcher", "SkippedRecord", "ReadNote", "FindingsDocument", "INPUT_FORMATS", "InputFormat",
    # queries and exports
    "Template", "iter_templates", "load_template", "SelectResult", "EXPORT_FORMATS", "ExportFormat", "ExportResult",
    # stores and vocabularies
    "StoreBackend", "OxigraphStore", "open_store", "MEMORY", "Vocabulary", "Concept",
    # errors
    "KBError", "IdentifierError", "RecordError", "InputFileError", "FindingsFileError", "FetchError", "VocabularyError",
    "UnknownTermError", "QueryError", "ParameterError", "StoreError", "SourceNotFoundError", "ExportError",
    "ValidationFailed",
]
