"""The embedded backend: Oxigraph on disk (the default) or in memory.

This is the one module that touches pyoxigraph's ``Store``; everything else goes through
:class:`~kb.store.backend.StoreBackend`.

Every write goes through :meth:`OxigraphStore.replace_graph` or :meth:`OxigraphStore.remove_graph`,
each one SPARQL Update request, which Oxigraph applies in a single transaction: a
source graph is either wholly the old one or wholly the new one. The exceptions are
:meth:`OxigraphStore.bulk_load` and :meth:`OxigraphStore.bulk_extend` (Oxigraph's bulk
loader, not transactional): the bulk ingest (``kb.ingestion.bulk``) writes each graph's
content-hash marker after them, in a transaction, and repairs marker-less graphs. Queries see the
union of all named graphs. See ``docs/decisions/0001-embedded-store.md`` for why
pyoxigraph is used directly rather than through rdflib's Store API.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kb.errors import QueryError, StoreError
from kb.sparql import bind_values, declares_dataset
from kb.store.backend import MEMORY, Dataset, GraphName, SelectResult, Term

#: How long a read-only open retries while a writer replaces the file it was reading.
READ_ONLY_OPEN_RETRY_SECONDS = 5.0

__all__ = ["OxigraphStore", "StoreLocked", "rdf_format"]


class StoreLocked(StoreError):
    """Another process holds the store open for writing (RocksDB's lock); ``path`` is the store."""

    def __init__(self, path: Path, message: str | None = None) -> None:
        super().__init__(message or f"another kb process is writing to {path}: wait until it has finished (kb commands that write take --wait SECONDS)")
        self.path = path

_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def rdf_format(name: str) -> ox.RdfFormat:
    """The Oxigraph format for a short name such as ``turtle`` or ``nquads``."""
    try:
        return _FORMATS[name.lower()]
    except KeyError:
        raise StoreError(f"unknown RDF format {name!r}: use one of {', '.join(sorted(_FORMATS))}") from None


class OxigraphStore:
    """A knowledge-base store: named graphs in Oxigraph, queried as their union."""

    def __init__(self, store: ox.Store, *, path: Path | None = None, read_only: bool = False) -> None:
        self._store: ox.Store | None = store  # None once closed
        self.path = path
        self.read_only = read_only

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def memory(cls) -> "OxigraphStore":
        """A new, empty in-memory store."""
        return cls(ox.Store())

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> "OxigraphStore":
        """Open (creating if needed) the on-disk store at ``path``; ``:memory:`` or None for memory."""
        if path is None or str(path) == MEMORY:
            return cls.memory()
        location = Path(path).expanduser()
        try:
            if read_only:
                if not location.exists():
                    raise StoreError(f"no store at {location}: run 'kb init' or 'kb ingest' first")
                store = _open_read_only(location)
            else:
                _refuse_foreign_directory(location)
                location.mkdir(parents=True, exist_ok=True)
                store = ox.Store(str(location))
        except (OSError, RuntimeError) as error:
            if _is_lock_error(error):
                raise StoreLocked(location) from error
            raise StoreError(f"cannot open store at {location}: {_first_line(error)}") from error
        return cls(store, path=location, read_only=read_only)

    def close(self) -> None:
        """Flush pending writes and release the database, so another handle can open it."""
        if self._store is None:
            return
        if not self.read_only and self.path is not None:
            self._store.flush()
        if self.path is not None:  # an in-memory store would lose its data
            self._store = None

    def flush(self) -> None:
        """Write buffered changes to disk (RocksDB memtables), which also frees their memory."""
        if not self.read_only and self.path is not None:
            try:
                self._live().flush()
            except OSError as error:
                raise StoreError(f"cannot flush the store at {self.path}: {_first_line(error)}") from error

    def optimize(self) -> None:
        """Compact RocksDB after a bulk load (``Store.optimize``): the bulk loader leaves many small SST
        files; at 3.18M quads compacting takes ~4.5 s and makes every query template 35-40% faster
        (44 -> 23 SST files). Nothing for an in-memory or read-only store."""
        if self.read_only or self.path is None:
            return
        try:
            self._live().optimize()
        except OSError as error:
            raise StoreError(f"cannot compact the store at {self.path}: {_first_line(error)}") from error

    def __enter__(self) -> "OxigraphStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _live(self) -> ox.Store:
        if self._store is None:
            raise StoreError(f"the store at {self.path} is closed")
        return self._store

    # -- reading -----------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        """Run a SELECT query over the union of graphs, with variables bound to RDF terms.

        Bindings are joined in as serialized RDF terms (:func:`kb.sparql.bind_values`),
        never pasted into the query text as raw strings.
        """
        solutions = self._query(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        variables = tuple(variable.value for variable in solutions.variables)
        rows = tuple(tuple(solution[name] for name in variables) for solution in solutions)
        return SelectResult(variables, rows)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the union of graphs."""
        return bool(self._query(query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query over the union of graphs.

        :raises QueryError: when the query is a SELECT or an ASK.
        """
        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def raw_query(
        self, query: str, bindings: Mapping[str, Term] | None = None, *, dataset: Dataset | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run any query; returns pyoxigraph's result object (for serializing results).

        The default graph is the union of all graphs, unless the query names its own with
        ``FROM``/``FROM NAMED`` (Oxigraph's union option would silently replace them), or
        ``dataset`` (default graphs, named graphs: the SPARQL protocol's ``default-graph-uri`` and
        ``named-graph-uri``) overrides both.
        """
        return self._query(query, bindings, dataset=dataset)

    def _query(
        self, query: str, bindings: Mapping[str, Term] | None, *, dataset: Dataset | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        text = bind_values(query, bindings or {})
        try:
            if dataset is not None:
                return self._live().query(text, default_graph=list(dataset[0]), named_graphs=list(dataset[1]))
            if declares_dataset(text):
                return self._live().query(text)
            return self._live().query(text, use_default_graph_as_union=True)
        except SyntaxError as error:
            reason = _first_line(error)
            # Oxigraph says "error at 1:35: expected ..."; read as "SPARQL syntax error at 1:35: ...".
            raise QueryError(f"SPARQL syntax {reason}" if reason.startswith("error at ") else f"SPARQL syntax error: {reason}") from error
        except OSError as error:
            raise StoreError(f"query failed: {_first_line(error)}") from error

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one graph."""
        return iter(self._live().quads_for_pattern(None, None, None, graph))

    def quads_matching(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), by index lookup."""
        return iter(self._live().quads_for_pattern(subject, predicate, object, graph))

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs in the store."""
        return [graph for graph in self._live().named_graphs() if isinstance(graph, ox.NamedNode)]

    def has_graph(self, graph: ox.NamedNode) -> bool:
        """Whether ``graph`` holds any quad."""
        return next(iter(self._live().quads_for_pattern(None, None, None, graph)), None) is not None

    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Number of quads in the store, or in one graph."""
        if graph is None:
            return len(self._live())
        return sum(1 for _ in self._live().quads_for_pattern(None, None, None, graph))

    def distinct_triples(self) -> int:
        """Number of distinct triples across all graphs, the default graph included (their RDF merge).

        A scan with a hash set of every triple inside Oxigraph: 0.5 s CPU and about 80 MB at 381k
        triples (``docs/decisions/0008-union-default-graph.md``); the union's own ``COUNT(*)``
        would count quads, a triple once per graph holding it.
        """
        solutions = self._query("SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?s ?p ?o }", None)
        assert isinstance(solutions, ox.QuerySolutions)
        value = next(iter(solutions))["n"]
        return int(value.value) if isinstance(value, ox.Literal) else 0

    # -- writing -----------------------------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, in one transaction.

        The update text is built from serialized RDF terms (N-Triples syntax, escaped by
        Oxigraph), never from raw user strings.
        """
        self._check_writable()
        body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
        update = f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}" if body else f"DROP SILENT GRAPH {graph}"
        self._update(update)

    def remove_graph(self, graph: ox.NamedNode) -> int:
        """Delete ``graph`` and all its statements; return how many were removed."""
        self._check_writable()
        removed = self.count(graph)
        self._update(f"DROP SILENT GRAPH {graph}")
        return removed

    def load(self, source: IO[bytes] | bytes | str | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Load an RDF file (quads formats keep their graphs) in one transaction."""
        self._check_writable()
        self._parse_into(self._live().load, source, format, "load", to_graph=graph)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add many quads at once (Oxigraph's bulk loader, no transaction): for fresh stores."""
        self._check_writable()
        try:
            self._live().bulk_extend(quads)
        except OSError as error:
            raise StoreError(f"bulk load failed: {_first_line(error)}") from error

    def bulk_load(self, source: IO[bytes] | bytes | Path, *, format: str) -> None:
        """Load an RDF document with Oxigraph's bulk loader (parallel, no transaction)."""
        self._check_writable()
        self._parse_into(self._live().bulk_load, source, format, "bulk load")

    @staticmethod
    def _parse_into(loader: Callable[..., None], source: IO[bytes] | bytes | str | Path, format: str, what: str, **options: Any) -> None:
        """Call Oxigraph's ``load`` or ``bulk_load`` on a path or data, its errors as :class:`StoreError`."""
        rdf = rdf_format(format)
        try:
            if isinstance(source, Path):
                loader(path=str(source), format=rdf, **options)
            else:
                loader(source, format=rdf, **options)
        except SyntaxError as error:
            raise StoreError(f"cannot parse {format} input: {_first_line(error)}") from error
        except OSError as error:
            raise StoreError(f"{what} failed: {_first_line(error)}") from error

    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Delete several graphs in one transaction (one SPARQL Update request)."""
        self._check_writable()
        update = " ;\n".join(f"DROP SILENT GRAPH {graph}" for graph in graphs)
        if update:
            self._update(update)

    def dump(self, output: IO[bytes] | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Serialize the store (or one graph) to ``output``, streaming."""
        rdf = rdf_format(format)
        try:
            self._live().dump(str(output) if isinstance(output, Path) else output, format=rdf, from_graph=graph)
        except (OSError, ValueError) as error:
            raise StoreError(f"export failed: {_first_line(error)}") from error

    def update(self, update: str) -> None:
        """Apply a SPARQL Update as one transaction (``kb serve`` with a write token); errors as StoreError."""
        self._check_writable()
        self._update(update)

    def _update(self, update: str) -> None:
        try:
            self._live().update(update)
        except (SyntaxError, OSError) as error:
            raise StoreError(f"write failed, store unchanged: {_first_line(error)}") from error

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")


def _open_read_only(location: Path) -> ox.Store:
    """A read-only handle on the store at ``location``.

    A writer in another process (``kb ingest``, or one that has just opened the store) rotates
    RocksDB's MANIFEST and removes obsolete files; a read-only open that read ``CURRENT`` just
    before then finds its MANIFEST gone or cut short and reports corruption. The store is fine:
    opening again reads the new one, so such an error is retried for a few seconds.
    """
    deadline = time.monotonic() + READ_ONLY_OPEN_RETRY_SECONDS
    while True:
        try:
            return ox.Store.read_only(str(location))
        except (OSError, RuntimeError) as error:
            if not is_transient_read_error(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def is_transient_read_error(error: BaseException) -> bool:
    """Whether ``error`` (or its cause) is RocksDB finding a file that a writer in another process
    just replaced or compacted away: opening the store again, or once more, reads the new one."""
    text = f"{error} {error.__cause__ or ''}"
    return any(sign in text for sign in ("No such file", "Corruption", "corrupted", "IO error"))


def _refuse_foreign_directory(location: Path) -> None:
    """Refuse to create a store among a user's files: a directory that holds files but no database.

    RocksDB keeps a ``CURRENT`` file in every database directory; without one, the directory is
    not a store and writing one there would scatter database files among the user's own.
    """
    if location.is_dir() and any(location.iterdir()) and not (location / "CURRENT").exists():
        raise StoreError(f"{location} is a directory that holds other files and no store: give an empty or new directory")


def _is_lock_error(error: BaseException) -> bool:
    """Whether opening failed on RocksDB's LOCK file: another process (or handle) has the store open
    for writing. RocksDB says ``While lock file: .../LOCK: Resource temporarily unavailable``, or
    ``lock hold by current process`` for a second handle in the same process."""
    text = str(error)
    return "LOCK" in text and ("lock file" in text.lower() or "lock hold" in text.lower())


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
