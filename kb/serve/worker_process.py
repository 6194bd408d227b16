"""One worker process of ``kb serve``: its read-only store handle, reopened when a writer committed,
and the jobs it runs (:mod:`kb.serve.workers` has the pool that starts and ends them).

A read-only RocksDB handle sees the store as it was when it was opened, so before each job a worker
compares the store's write-ahead logs and manifest (names, sizes, times: :func:`store_version`)
with those it opened, and opens the store again when they changed.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import KBError, ParameterError, QueryError, StoreError, UnknownTermError
from kb.serve.jobs import (
    ConstructJob,
    Failure,
    Job,
    Reply,
    RowsReply,
    SelectJob,
    SparqlJob,
    SparqlReply,
    TemplateJob,
    UpdateJob,
    UpdateReply,
)
from kb.serve.results import (
    _json_solution,
    _serialize_results,
    _table,
    _take,
    plain_value,
)
from kb.store.oxigraph import is_transient_read_error

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase
    from kb.serve.config import ServeConfig


# -- the store, as a worker sees it ----------------------------------------------------------
def store_version(path: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a writer commits to the RocksDB store at ``path``: the name, size and
    modification time of its write-ahead logs (``*.log``), manifests and ``CURRENT``.

    A transaction appends to the write-ahead log; a flush, a compaction or the bulk loader's
    ingestion writes the manifest. Table files (``*.sst``) are left out: they never change in
    place, and a store holds hundreds.
    """
    entries = []
    with os.scandir(path) as found:
        for entry in found:
            name = entry.name
            if name.endswith(".log") or name.startswith("MANIFEST-") or name == "CURRENT":
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # a log the writer just removed
                    continue
                entries.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


class _Worker:
    """The state of one worker process: its store handle, reopened when the store changes."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.kb: KnowledgeBase | None = None
        self.version: tuple[tuple[str, int, int], ...] = ()

    def fresh(self) -> KnowledgeBase:
        """The store handle, opened again if a writer committed since it was opened."""
        version = store_version(self.config.store)
        if self.kb is None or version != self.version:
            self.reopen(version)
        assert self.kb is not None
        return self.kb

    def reopen(self, version: tuple[tuple[str, int, int], ...] | None = None) -> None:
        """Open the store again (the version read first, so a commit during the open is seen next time)."""
        self.version = version if version is not None else store_version(self.config.store)
        if self.kb is not None:
            self.kb.close()
            self.kb = None
        from kb.knowledge_base import KnowledgeBase

        self.kb = KnowledgeBase.open(self.config.store, base=self.config.base, read_only=True)  # retried while a writer replaces a file

    def handle(self, job: Job) -> Reply:
        """Run ``job``; every error becomes a :class:`Failure`."""
        try:
            if isinstance(job, UpdateJob):
                return self.update(job)
            try:
                return self.read(job, self.fresh())
            except (StoreError, OSError) as error:
                if not is_transient_read_error(error):
                    raise
                self.reopen()  # a table file compacted away under the handle: once more on a fresh one
                return self.read(job, self.fresh())
        except KBError as error:
            return Failure(_failure_kind(error), str(error))
        except Exception as error:  # reported to the client as a 500 and logged here with its traceback
            traceback.print_exc(file=sys.stderr)
            return Failure("internal", f"{type(error).__name__}: {error}")

    def read(self, job: Job, kb: KnowledgeBase) -> Reply:
        """Answer a read-only job over ``kb``."""
        limit = self.config.row_limit
        if isinstance(job, TemplateJob):
            rows = kb.query(job.name, dict(job.params))
            from kb.query import load_template

            columns = tuple(load_template(job.name).columns)
            return RowsReply(columns, [row._asdict() for row in rows[:limit]], len(rows) > limit)
        if isinstance(job, SparqlJob):
            return self.sparql(job, kb)
        if isinstance(job, ConstructJob):
            return self.construct(job, kb)
        assert not isinstance(job, UpdateJob)  # handled by handle()
        result = run_query(kb, job.query, allow_service=self.config.allow_service)
        if isinstance(job, SelectJob):
            import pyoxigraph as ox

            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("expected a SELECT query")
            variables = tuple(v.value for v in result.variables)
            solutions, truncated = _take(result, limit)
            return RowsReply(variables, [{name: plain_value(s[name]) for name in variables} for s in solutions], truncated)
        return _table(result, limit)

    def sparql(self, job: SparqlJob, kb: KnowledgeBase) -> SparqlReply:
        import pyoxigraph as ox

        from kb.serve.formats import GRAPH_FORMATS, RESULTS_FORMATS, negotiate

        result = run_query(kb, job.query, allow_service=self.config.allow_service, default_graphs=job.default_graphs, named_graphs=job.named_graphs)
        limit = self.config.row_limit
        if isinstance(result, ox.QueryBoolean):
            fmt = negotiate(RESULTS_FORMATS, job.accept, job.format)
            return SparqlReply(_serialize_results(result, fmt.results), fmt.media_type, "ask", int(bool(result)), False)
        if isinstance(result, ox.QuerySolutions):
            fmt = negotiate(RESULTS_FORMATS, job.accept, job.format)
            variables = [v.value for v in result.variables]
            solutions, truncated = _take(result, limit)
            # The solutions are taken one by one (to stop at the row limit), so Oxigraph's own
            # serializer, which reads a live result, is given them back as SPARQL JSON.
            document = {"head": {"vars": variables}, "results": {"bindings": [_json_solution(s, variables) for s in solutions]}}
            encoded = json.dumps(document, ensure_ascii=False).encode("utf-8")
            body = encoded if fmt.name == "json" else _serialize_results(ox.parse_query_results(encoded, ox.QueryResultsFormat.JSON), fmt.results)
            return SparqlReply(body, fmt.media_type, "select", len(solutions), truncated)
        fmt = negotiate(GRAPH_FORMATS, job.accept, job.format)
        triples, truncated = _take(result, limit)
        graph_body = ox.serialize(triples, None, fmt.rdf)
        return SparqlReply(graph_body or b"", fmt.media_type, "graph", len(triples), truncated)

    def construct(self, job: ConstructJob, kb: KnowledgeBase) -> SparqlReply:
        import pyoxigraph as ox

        from kb.serve.formats import GRAPH_FORMATS, negotiate

        fmt = negotiate(GRAPH_FORMATS, job.accept, job.format)  # before the query: a 406 costs nothing
        triples = kb.construct(job.name, dict(job.params))
        limit = self.config.row_limit
        body = ox.serialize(triples[:limit], None, fmt.rdf)
        return SparqlReply(body or b"", fmt.media_type, "graph", min(len(triples), limit), len(triples) > limit)

    def update(self, job: UpdateJob) -> Reply:
        """Apply an update with the store opened for writing, then release it (``kb ingest`` may need it)."""
        from kb.store.oxigraph import OxigraphStore

        started = time.monotonic()
        store = OxigraphStore.open(self.config.store)  # StoreLocked while another process writes
        try:
            # One transaction for a whole SPARQL Update request, errors as StoreError.
            store.update(job.update)
        except StoreError as error:
            if isinstance(error.__cause__, SyntaxError):  # the client's mistake (400), not the store's
                raise QueryError(f"SPARQL update syntax error, store unchanged: {error.__cause__}".splitlines()[0]) from error
            raise
        finally:
            store.close()
        if self.kb is not None:
            self.reopen()
        return UpdateReply(time.monotonic() - started)


def _failure_kind(error: KBError) -> str:
    from kb.serve.formats import NotAcceptable
    from kb.store.oxigraph import StoreLocked

    if isinstance(error, NotAcceptable):
        return "not_acceptable"
    if isinstance(error, StoreLocked):
        return "locked"
    if isinstance(error, UnknownTermError):
        return "unknown_term"
    if isinstance(error, ParameterError):
        return "parameter"
    if isinstance(error, QueryError):
        return "unknown_template" if str(error).startswith("no query template") else "query"
    return "store"


def run_query(
    kb: KnowledgeBase,
    query: str,
    *,
    allow_service: bool = False,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
) -> Any:
    """Run a user's query as ``kb sparql`` runs it (:meth:`KnowledgeBase.raw_sparql`: the same
    checks, the union of all graphs as the default graph), with two differences the protocol
    asks for: a dataset given by ``default-graph-uri``/``named-graph-uri`` is used as given (it
    overrides the query's own), and a query with ``FROM``/``FROM NAMED`` is run over the graphs it
    names (Oxigraph's union-default-graph option would silently replace them).

    :raises QueryError: for a refused query or a syntax error.
    """
    import pyoxigraph as ox

    if default_graphs is None and named_graphs is None:
        return kb.raw_sparql(query, allow_service=allow_service)
    try:
        defaults = tuple(ox.NamedNode(graph) for graph in default_graphs or ())
        named = tuple(ox.NamedNode(graph) for graph in named_graphs or ())
    except ValueError as error:
        raise QueryError(f"default-graph-uri/named-graph-uri: not an IRI: {error}") from None
    return kb.raw_sparql(query, allow_service=allow_service, dataset=(defaults, named))







# -- the worker process ----------------------------------------------------------------------
_READY = "ready"


def worker_main(connection: multiprocessing.connection.Connection) -> None:
    """The body of a worker process: read its :class:`ServeConfig`, open the store, say ready,
    answer jobs until the pipe closes (or a None job)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which ends its workers
    config = connection.recv()
    worker = _Worker(config)
    try:
        worker.fresh()
    except KBError as error:
        connection.send(Failure(_failure_kind(error), str(error)))
        return
    import kb.query  # noqa: F401  (the catalogue's modules, loaded before the first job)

    connection.send(_READY)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        connection.send(worker.handle(job))


def worker_entry(fd: int) -> None:
    """Entry point of ``python -c``: serve jobs on the socket at file descriptor ``fd``."""
    worker_main(multiprocessing.connection.Connection(fd))


#: A worker is a fresh interpreter running :func:`worker_entry` (not multiprocessing's spawn,
#: which would run the server's ``__main__`` script again in every worker).
_WORKER_CODE = "import sys; from kb.serve.worker_process import worker_entry; worker_entry(int(sys.argv[1]))"
