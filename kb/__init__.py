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

from typing import TYPE_CHECKING, Any

from kb.errors import (
    ExportError, FetchError, FindingsFileError, IdentifierError, InputFileError, KBError, ParameterError, QueryError,
    RecordError, SourceNotFoundError, StoreError, UnknownTermError, ValidationFailed, VocabularyError,
)

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use (__getattr__)
    from kb.export import EXPORT_FORMATS, ExportFormat, ExportResult
    from kb.formats import INPUT_FORMATS, InputFormat
    from kb.ingestion import IngestRunner, ListSink, LoadedSource, LoadReport, LoadStatus, Sink, StoreSink
    from kb.knowledge_base import KnowledgeBase, SourceSummary, VocabularyManager
    from kb.models import FindingsDocument
    from kb.query import Template, iter_templates, load_template
    from kb.readers import Fetcher, Reader, ReadNote, SkippedRecord
    from kb.store import MEMORY, OxigraphStore, SelectResult, StoreBackend, open_store
    from kb.vocab import Concept, Vocabulary

#: Where each public name lives; ``import kb`` imports none of these modules, ``kb.X`` the one X needs.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("EXPORT_FORMATS", "ExportFormat", "ExportResult"), "kb.export"),
    **dict.fromkeys(("INPUT_FORMATS", "InputFormat"), "kb.formats"),
    **dict.fromkeys(("IngestRunner", "ListSink", "LoadedSource", "LoadReport", "LoadStatus", "Sink", "StoreSink"), "kb.ingestion"),
    **dict.fromkeys(("KnowledgeBase", "SourceSummary", "VocabularyManager"), "kb.knowledge_base"),
    "FindingsDocument": "kb.models",
    **dict.fromkeys(("Template", "iter_templates", "load_template"), "kb.query"),
    **dict.fromkeys(("Fetcher", "Reader", "ReadNote", "SkippedRecord"), "kb.readers"),
    **dict.fromkeys(("MEMORY", "OxigraphStore", "SelectResult", "StoreBackend", "open_store"), "kb.store"),
    **dict.fromkeys(("Concept", "Vocabulary"), "kb.vocab"),
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562); ``from kb import X`` goes through here too."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
