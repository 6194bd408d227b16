"""The :class:`KnowledgeBase` handle: a store, its IRI scheme and its vocabularies, held together.

Every public operation goes through it (ingest, query, SPARQL, export, sources, vocabularies),
and so do the ``kb`` command and the tests: the same question gets the same answer whichever
way it is asked.

>>> kb = KnowledgeBase.memory()
>>> kb.query("stats")[0].sources
0
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kb.errors import SourceNotFoundError
from kb.namespaces import DCTERMS
from kb.export import ExportResult, export, write_triples
from kb.query import construct_template, run_template
from kb.rdf import IriScheme, default_base
from kb.rdf.terms import iri
from kb.store import MEMORY, OxigraphStore, SelectResult, StoreBackend, Term, open_store
from kb.store.backend import Dataset
from kb.vocab import Vocabulary, get_vocabulary
from kb.vocab.known import KnownNames
from kb.vocab.stored import (
    AddReport, VocabularySummary, add_user_vocabulary, ensure_vocabulary, list_vocabularies, load_vocabulary,
    remove_user_vocabulary, user_graphs,
)

if TYPE_CHECKING:  # ingestion (pydantic models, readers) is imported when a KB ingests, not to query
    from kb.ingestion import IngestRunner, LoadReport, ProgressHook, Sink
    from kb.models import FindingsDocument
    from kb.readers import Fetcher, Reader

__all__ = ["KnowledgeBase", "SourceSummary", "VocabularyManager"]


@dataclass(frozen=True)
class SourceSummary:
    """One source in the store, with its provenance and size."""

    source_id: str
    graph: str
    kind: str | None
    file: str | None
    derived_from: str | None
    generated_at: str | None
    triples: int


class KnowledgeBase:
    """A knowledge base: a store (embedded or, later, remote), its IRI scheme and merged vocabulary.

    Open one with :meth:`open` (a directory, ``:memory:``) or :meth:`memory`; use it as a
    context manager to release the store. ``kb.vocabulary`` is the bundled vocabulary merged
    with every user vocabulary the store holds; it is read again when those change.
    """

    def __init__(self, store: StoreBackend, *, base: str | None = None) -> None:
        """Wrap an open ``store``; ``base`` is the IRI base of the KB's own nodes.

        :raises ValueError: when ``base`` is not a usable IRI base.
        """
        self.store = store
        self.iris = IriScheme(base or default_base())
        self.vocab = VocabularyManager(self)
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_key: tuple[str, ...] | None = None

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | os.PathLike[str] | None = None, *, base: str | None = None, read_only: bool = False) -> KnowledgeBase:
        """Open (creating if needed) the KB at ``location``: a directory, ``:memory:``, or a server URL.

        ``None`` opens :func:`kb.store.default_store_path` (``$KB_STORE`` or the user data folder).
        :func:`kb.store.open_store` chooses the backend.

        :raises StoreError: when the store cannot be opened (missing when read-only, locked
            by another writer, not a store).
        """
        return cls(open_store(location, read_only=read_only), base=base)

    @classmethod
    def memory(cls, *, base: str | None = None) -> KnowledgeBase:
        """A new, empty KB in memory."""
        return cls(OxigraphStore.open(MEMORY), base=base)

    def close(self) -> None:
        """Flush and release the store, so another process can open it."""
        self.store.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<KnowledgeBase at {self.store.path or MEMORY}>"

    # -- vocabulary -----------------------------------------------------------------------------
    @property
    def vocabulary(self) -> Vocabulary:
        """The bundled vocabulary merged with the user vocabularies in the store.

        Rebuilt when the set of user vocabulary graphs (or their creation times) changes, so a
        long-lived handle sees what another process added with ``kb vocab add``.
        """
        key = self._user_vocabulary_key()
        if self._vocabulary is None or key != self._vocabulary_key:
            self._vocabulary = load_vocabulary(self.store, self.iris) if key else get_vocabulary()
            self._vocabulary_key = key
        return self._vocabulary

    @property
    def names(self) -> KnownNames:
        """What query parameters resolve through: :attr:`vocabulary`, then the concept nodes this KB holds.

        A name no vocabulary knew at ingest is kept with a local IRI; it resolves by that IRI or
        by its text (exact after :func:`kb.vocab.normalize_name`), and a miss suggests close
        names from both (:class:`kb.vocab.known.KnownNames`).
        """
        return KnownNames(self.vocabulary, self.store, unresolved_iri=self.iris.unresolved_concept)

    def forget_vocabulary(self) -> None:
        """Build :attr:`vocabulary` again at its next use (after this handle changed the user vocabularies:
        a vocabulary re-added within the same second keeps its creation time, so the key alone can miss it)."""
        self._vocabulary = None

    def _user_vocabulary_key(self) -> tuple[str, ...]:
        key = []
        for name, graph in user_graphs(self.store, self.iris).items():
            created = next(iter(self.store.quads_matching(graph, iri(DCTERMS.created), None, graph)), None)
            key.append(f"{name}@{created.object if created else ''}")
        return tuple(key)

    def init(self) -> bool:
        """Write the ontology and vocabularies to the store if they changed; True if written.

        :raises StoreError: when the store is read-only or the write fails.
        """
        return ensure_vocabulary(self.store, self.iris, self.vocabulary)

    # -- ingest ---------------------------------------------------------------------------------
    def runner(self, *, sink: Sink | None = None, progress: ProgressHook | None = None, generated_at: datetime | None = None) -> IngestRunner:
        """An :class:`~kb.ingestion.IngestRunner` with this KB's IRIs and vocabulary, writing to ``sink``
        (default: this KB's store, in batches through its bulk loader: :class:`~kb.ingestion.BulkStoreSink`)."""
        vocabulary = self.vocabulary
        from kb.ingestion import BulkStoreSink, IngestRunner

        target = sink or BulkStoreSink(self.store, iris=self.iris, vocabulary=vocabulary)
        return IngestRunner(target, iris=self.iris, vocabulary=vocabulary, generated_at=generated_at, progress=progress)

    def ingest(
        self,
        reader: str | Reader,
        paths: Iterable[str | os.PathLike[str]],
        *,
        progress: ProgressHook | None = None,
        generated_at: datetime | None = None,
        emit: str | os.PathLike[str] | None = None,
    ) -> LoadReport:
        """Read files with a reader (by name: ``findings``, ``pubmed``, ``ris`` ...) and load every good record.

        A file that cannot be read loads nothing; bad records are skipped; both are in the
        report's ``failed``. Each record is one source graph; each file is read once, and its
        sources reach the store in batches through the bulk loader, each graph's content-hash
        marker last (``kb.ingestion.bulk``: a killed run is repaired by the next one).

        ``emit``, a directory, writes N-Quads files there instead (one per input file, and
        ``vocabulary.nq``): the store is not written, and publications merge within the run.

        :raises KBError: when no reader has that name.
        """
        from kb.ingestion import NQuadsEmitSink
        from kb.readers import get_reader

        chosen = get_reader(reader) if isinstance(reader, str) else reader
        sink = None if emit is None else NQuadsEmitSink(emit, iris=self.iris, vocabulary=self.vocabulary)
        return self.runner(sink=sink, progress=progress, generated_at=generated_at).ingest_files(chosen, [Path(p) for p in paths])

    def fetch(
        self,
        fetcher: str | Fetcher,
        identifiers: list[str],
        *,
        progress: ProgressHook | None = None,
        keep: dict[str, FindingsDocument] | None = None,
    ) -> LoadReport:
        """Fetch records by identifier (``doi``, ``pmid``, ``nct``) and load them.

        :raises KBError: when no fetcher has that name.
        :raises FetchError: when the service cannot be reached at all (nothing is written).
        """
        from kb.readers import get_fetcher

        chosen = get_fetcher(fetcher) if isinstance(fetcher, str) else fetcher
        return self.runner(progress=progress).ingest_fetched(chosen, identifiers, keep=keep)

    def load(self, documents: Iterable[tuple[str | None, FindingsDocument]], *, generated_at: datetime | None = None) -> LoadReport:
        """Load documents already read, each with the file name it came from (or None)."""
        return self.runner(generated_at=generated_at).load(documents)

    # -- reading --------------------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, object] | None = None, /, **keyword_params: object) -> list[Any]:
        """Run a catalogue template; typed rows (named tuples), in order.

        Parameters are given as keywords or a mapping: ``kb.query("mechanisms", drug="Revlimid")``.

        :raises ParameterError: for an unknown, missing or ill-typed parameter.
        :raises UnknownTermError: for a name no vocabulary of this KB knows.
        :raises QueryError: for an unknown template, or a CONSTRUCT one (use :meth:`construct`).
        """
        return run_template(self, name, {**(params or {}), **keyword_params})

    def construct(self, name: str, params: Mapping[str, object] | None = None, /, **keyword_params: object) -> list[ox.Triple]:
        """Run a CONSTRUCT template (e.g. ``drug_evidence``); the triples of its graph."""
        return construct_template(self, name, {**(params or {}), **keyword_params})

    def sparql(
        self, query: str, bindings: Mapping[str, Term] | None = None, *, allow_service: bool = False, timeout: float | None = None
    ) -> SelectResult | bool | list[ox.Triple]:
        """Run a read-only SPARQL query over the union of graphs: rows, a boolean or triples.

        ``SERVICE`` clauses (federation) are refused unless ``allow_service`` is true.
        ``timeout`` (seconds) stops a runaway query (:func:`kb.sparql.run_with_timeout` says
        what can be stopped).

        :raises QueryError: on a syntax error, or a SERVICE clause that is not allowed.
        :raises QueryTimeout: when the query runs past ``timeout``.
        """
        from kb.sparql import run_with_timeout, until_stopped

        def run(stop: Any) -> SelectResult | bool | list[ox.Triple]:
            result = self.raw_sparql(query, bindings, allow_service=allow_service)
            if isinstance(result, ox.QuerySolutions):
                variables = tuple(v.value for v in result.variables)
                return SelectResult(variables, tuple(tuple(s[name] for name in variables) for s in until_stopped(result, stop)))
            if isinstance(result, ox.QueryBoolean):
                return bool(result)
            return list(until_stopped(result, stop))

        return run_with_timeout(run, timeout)

    def raw_sparql(
        self, query: str, bindings: Mapping[str, Term] | None = None, *, allow_service: bool = False, dataset: Dataset | None = None
    ) -> Any:
        """Run a SPARQL query and return the store's own result object (which serializes itself).

        The default graph is the union of all graphs unless the query has ``FROM``/``FROM NAMED``;
        ``dataset`` (default graphs, named graphs) overrides both, as the SPARQL protocol's
        ``default-graph-uri``/``named-graph-uri`` do.

        :raises QueryError: on a syntax error, or a SERVICE clause that is not allowed.
        """
        from kb.sparql import check_query

        check_query(query, allow_service=allow_service)
        if dataset is None:
            return self.store.raw_query(query, bindings)
        return self.store.raw_query(query, bindings, dataset=dataset)

    def stats(self, *, distinct_triples: bool = False) -> Any:
        """The KB's counts, as one row of the ``stats`` template (a named tuple).

        ``quads`` counts a triple once per graph that holds it, as raw SPARQL over the union
        does; it sums the size each graph records (a read per graph, not per quad). With
        ``distinct_triples=True`` the row ends with ``triples``, the distinct triples of all
        graphs (their RDF merge): a scan of the store, O(store) in time and O(triples) in memory
        (``docs/decisions/0008-union-default-graph.md``).
        """
        row = self.query("stats")[0]
        if not distinct_triples:
            return row
        from collections import namedtuple  # only this rarely used path needs it

        row_type: Any = namedtuple  # a row type whose fields are only known here
        return row_type(type(row).__name__, (*row._fields, "triples"))(*row, self.store.distinct_triples())

    @property
    def sources(self) -> list[SourceSummary]:
        """Every source graph in the store, with its provenance and size."""
        return [
            SourceSummary(row.source, row.graph, row.kind, row.file, row.derived_from, row.generated_at, self.store.count(ox.NamedNode(row.graph)))
            for row in self.query("sources")
        ]

    def remove_source(self, source_id: str) -> int:
        """Delete exactly one source's statements; return how many were removed.

        :raises SourceNotFoundError: when no source has that id (the message lists them).
        """
        graph = self.source_graph(source_id)
        if not self.store.has_graph(graph):
            raise SourceNotFoundError(f"no source {source_id!r} in the store{self._close_sources(source_id)}")
        return self.store.remove_graph(graph)

    def _close_sources(self, source_id: str) -> str:
        """``" (did you mean: a, b?)"`` naming at most five source ids close to ``source_id``, else ``""``.

        The message never lists every source: a KB can hold tens of thousands.
        """
        import difflib

        close = difflib.get_close_matches(source_id, [s.source_id for s in self.sources], n=5, cutoff=0.6)
        return f" (did you mean: {', '.join(close)}?)" if close else " ('kb sources list' lists them)"

    def source_graph(self, source_id: str) -> ox.NamedNode:
        """The named graph of the source ``source_id``."""
        return iri(self.iris.source_graph(source_id))

    # -- writing out ----------------------------------------------------------------------------
    def export(
        self,
        format: str,
        output: IO[bytes] | str | os.PathLike[str] | None = None,
        *,
        source: str | None = None,
        infores: str | None = None,
        drug: str | None = None,
    ) -> ExportResult:
        """Write the KB (or one source) in ``format``: an RDF format, a table, a network or KGX.

        ``output`` is a path, a binary stream, or None for standard output; KGX takes a directory.
        ``drug`` (tables) orients every row as that drug's arm against its comparator.

        :raises ExportError: for an unknown format or an option it does not take.
        :raises SourceNotFoundError: when ``source`` is not in the store.
        """
        target = Path(output) if isinstance(output, (str, os.PathLike)) else output
        graph = None
        if source is not None:
            graph = self.source_graph(source)
            if not self.store.has_graph(graph):
                raise SourceNotFoundError(f"no source {source!r} in the store")
        return export(self, format, target, graph=graph, source_id=source, infores=infores, drug=drug)

    def export_construct(self, name: str, format: str, output: IO[bytes] | str | os.PathLike[str] | None = None, **params: object) -> int:
        """Write the graph a CONSTRUCT template builds; return its number of triples."""
        triples = self.construct(name, params)
        target: IO[bytes] | Path = Path(output) if isinstance(output, (str, os.PathLike)) else (output or _stdout())
        write_triples(triples, target, format=format)
        return len(triples)

    def validate(self) -> Any:
        """Check the KB against the SHACL shapes; a :class:`kb.validate.ValidationReport`."""
        from kb.validate import validate_store  # pyshacl is heavy: imported when validating

        return validate_store(self.store)


class VocabularyManager:
    """``kb.vocab``: the vocabularies of a KB: list, add and remove user vocabularies, resolve names."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb

    def resolve(self, text: str, *, category: str | None = None) -> Any:
        """The concept ``text`` names in this KB's vocabulary (bundled plus user), or None.

        Vocabularies only: ``kb.names.resolve`` also finds the names the KB holds outside every
        vocabulary, as query parameters do (:attr:`KnowledgeBase.names`).
        """
        return self._kb.vocabulary.resolve(text, category=category)

    def list(self) -> list[VocabularySummary]:
        """The bundled and the user vocabularies, with concept counts."""
        return list_vocabularies(self._kb.store, self._kb.iris)

    def add(self, path: str | os.PathLike[str], *, name: str | None = None, fmt: str | None = None, category: str | None = None) -> AddReport:
        """Add (or replace) a user vocabulary from a file; later ingests and queries resolve through it.

        :raises VocabularyError: naming the file and line when the file cannot be read.
        """
        report = add_user_vocabulary(self._kb.store, self._kb.iris, Path(path), name=name, fmt=fmt, category=category)
        self._kb.forget_vocabulary()
        report.now_resolved = self._now_resolved()
        return report

    def remove(self, name: str) -> int:
        """Delete a user vocabulary; return how many statements were removed.

        :raises VocabularyError: when there is no user vocabulary of that name.
        """
        removed = remove_user_vocabulary(self._kb.store, self._kb.iris, name)
        self._kb.forget_vocabulary()
        return removed

    def _now_resolved(self) -> builtins.list[tuple[str, str, str]]:  # `list` here is the method above
        """Unresolved names in the store that the vocabulary now resolves: (category, name, sources)."""
        vocabulary = self._kb.vocabulary
        found = []
        for row in self._kb.query("unresolved"):
            if any(vocabulary.resolve(text, category=row.category) for text in row.name.split(" | ")):
                found.append((row.category, row.name, row.sources))
        return found


def _stdout() -> IO[bytes]:
    import sys

    return sys.stdout.buffer
