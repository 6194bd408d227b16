"""Queries run in worker processes that can be ended at the time limit.

pyoxigraph cannot cancel a query: a running evaluation holds no point where Python could stop it,
and what Oxigraph computes before the first solution (an ORDER BY, a GROUP BY, a COUNT over
everything) runs to its end. So every query of ``kb serve`` runs in one of a few worker processes
(:class:`QueryPool`); a worker that is still busy at the time limit is killed (SIGKILL: it only
reads) and a fresh one is started in its place, while the other workers go on answering. See
``docs/decisions/0009-serve-queries-in-workers.md``.

Each worker holds the store open read-only (:meth:`KnowledgeBase.open`, ``read_only=True``). A
read-only RocksDB handle sees the store as it was when it was opened, so before each job a worker
compares the store's write-ahead logs and manifest (names, sizes, times: :func:`store_version`)
with those it opened, and opens the store again when they changed: a job sees every transaction
``kb ingest`` (another process) committed before the job started. Opening while the writer
flushes or compacts can fail on a file that just went away; it is retried.

Jobs and replies are small picklable dataclasses; a worker answers every job with a reply or a
:class:`Failure`, never by raising.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import KBError, ParameterError, QueryError, StoreError, UnknownTermError

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kb.knowledge_base import KnowledgeBase
    from kb.serve.config import ServeConfig

__all__ = [
    "SparqlJob", "TableJob", "SelectJob", "TemplateJob", "ConstructJob", "UpdateJob", "Job",
    "SparqlReply", "TableReply", "RowsReply", "UpdateReply", "Failure", "Reply",
    "QueryPool", "QueryTimedOut", "PoolBusy", "WorkerLost", "store_version", "open_read_only", "plain_value",
]


# -- jobs and replies ------------------------------------------------------------------------
@dataclass(frozen=True)
class SparqlJob:
    """A SPARQL query to answer in the format ``accept``/``format`` negotiate (:mod:`kb.serve.formats`).

    ``default_graphs``/``named_graphs``: the protocol's ``default-graph-uri``/``named-graph-uri``
    (None: not given, the query's own dataset or the union of all graphs).
    """

    query: str
    accept: str | None = None
    format: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TableJob:
    """A SPARQL query whose result the query page shows as a table."""

    query: str


@dataclass(frozen=True)
class SelectJob:
    """A SELECT query whose rows come back as plain Python values."""

    query: str


@dataclass(frozen=True)
class TemplateJob:
    """A catalogue template run with ``params`` exactly as ``kb query NAME -p key=value`` runs it."""

    name: str
    params: Mapping[str, str]


@dataclass(frozen=True)
class ConstructJob:
    """A CONSTRUCT template run as ``kb export --query NAME -p key=value`` runs it, its graph in the
    format ``accept``/``format`` negotiate."""

    name: str
    params: Mapping[str, str]
    accept: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class UpdateJob:
    """A SPARQL update (only ever sent once the write token was checked)."""

    update: str


Job = SparqlJob | TableJob | SelectJob | TemplateJob | ConstructJob | UpdateJob


@dataclass(frozen=True)
class SparqlReply:
    """The serialized result: ``count`` solutions or triples (0/1 for ASK), cut at the row limit when ``truncated``."""

    body: bytes
    media_type: str
    form: str
    count: int
    truncated: bool


@dataclass(frozen=True)
class TableReply:
    """A result as a table: ``form`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE, columns
    subject, predicate, object); each cell is None or (kind, text, extra): kind ``iri``, ``bnode``,
    ``literal`` (extra: language tag or datatype IRI) or ``triple``."""

    form: str
    columns: tuple[str, ...]
    rows: tuple[tuple[tuple[str, str, str] | None, ...], ...]
    boolean: bool | None
    truncated: bool


@dataclass(frozen=True)
class RowsReply:
    """Rows as column -> plain Python value (None where unbound)."""

    columns: tuple[str, ...]
    rows: list[dict[str, object]]
    truncated: bool


@dataclass(frozen=True)
class UpdateReply:
    """An update was applied."""

    seconds: float


@dataclass(frozen=True)
class Failure:
    """A job failed; ``kind`` is ``query``, ``parameter``, ``unknown_term``, ``unknown_template``,
    ``not_acceptable``, ``locked``, ``store`` or ``internal``."""

    kind: str
    message: str


Reply = SparqlReply | TableReply | RowsReply | UpdateReply | Failure


class QueryTimedOut(QueryError):
    """A job ran past the time limit; its worker was ended."""


class PoolBusy(StoreError):
    """No worker became free in time: every one is running a query."""


class WorkerLost(StoreError):
    """A worker process ended while running a job (it crashed or was killed from outside)."""


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


#: How long opening the store read-only is retried while a writer flushes or compacts.
OPEN_RETRY_SECONDS = 5.0


def open_read_only(path: Path, base: str | None) -> KnowledgeBase:
    """The KB at ``path`` opened read-only, retrying for a few seconds while a writer removes a
    file the open was reading (RocksDB then reports a missing table file as corruption).

    :raises StoreError: when it cannot be opened (no store there, or still failing).
    """
    from kb.knowledge_base import KnowledgeBase

    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    while True:
        try:
            return KnowledgeBase.open(path, base=base, read_only=True)
        except StoreError as error:
            if not path.exists() or time.monotonic() >= deadline or not _transient(error):
                raise
            time.sleep(0.02)


def _transient(error: BaseException) -> bool:
    """Whether ``error`` looks like a file removed under a read-only handle by the writer."""
    text = f"{error} {error.__cause__ or ''}"
    return "No such file" in text or "Corruption" in text or "IO error" in text


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
        self.kb = open_read_only(self.config.store, self.config.base)

    def handle(self, job: Job) -> Reply:
        """Run ``job``; every error becomes a :class:`Failure`."""
        try:
            if isinstance(job, UpdateJob):
                return self.update(job)
            try:
                return self.read(job, self.fresh())
            except (StoreError, OSError) as error:
                if not _transient(error):
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
            # OxigraphStore has no public update (the KB writes through graphs); this is its one
            # transaction for a whole SPARQL Update request, errors as StoreError.
            store._update(job.update)
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

    from kb.sparql import check_query

    if default_graphs is None and named_graphs is None:
        if not declares_dataset(query):
            return kb.raw_sparql(query, allow_service=allow_service)
        check_query(query, allow_service=allow_service)
        return _oxigraph_query(kb, query)
    check_query(query, allow_service=allow_service)
    try:
        defaults = [ox.NamedNode(graph) for graph in default_graphs or ()]
        named = [ox.NamedNode(graph) for graph in named_graphs or ()]
    except ValueError as error:
        raise QueryError(f"default-graph-uri/named-graph-uri: not an IRI: {error}") from None
    return _oxigraph_query(kb, query, default_graph=defaults, named_graphs=named)


_FROM_RE = re.compile(r"FROM(?![A-Za-z0-9_:\-])", re.IGNORECASE)


def declares_dataset(query: str) -> bool:
    """Whether ``query`` has a ``FROM`` or ``FROM NAMED`` clause (outside comments, strings and IRIs).

    >>> declares_dataset("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> declares_dataset('SELECT * WHERE { ?s ?p "FROM" } # FROM')
    False
    """
    from kb.sparql import _skip  # the scanner check_query uses: comments, strings, IRIs

    index = 0
    while index < len(query):
        skipped = _skip(query, index)
        if skipped != index:
            index = skipped
            continue
        if query[index] in "fF" and not (query[index - 1 : index].isalnum() or query[index - 1 : index] in (":", "_", "?", "$")) and _FROM_RE.match(query, index):
            return True
        index += 1
    return False


def _oxigraph_query(kb: KnowledgeBase, query: str, **dataset: Any) -> Any:
    """Run ``query`` on the store with Oxigraph's dataset options (``default_graph``, ``named_graphs``;
    none: the query's own FROM clauses), errors as ``kb sparql`` reports them.

    The KB's store API runs every query over the union of graphs and takes no dataset, so this
    reaches its Oxigraph store (``_live``).
    """
    live = kb.store._live()  # type: ignore[attr-defined]
    try:
        return live.query(query, **dataset)
    except SyntaxError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "SyntaxError"
        raise QueryError(f"SPARQL syntax {reason}" if reason.startswith("error at ") else f"SPARQL syntax error: {reason}") from error
    except OSError as error:
        raise StoreError(f"query failed: {error}") from error


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    """The first ``limit`` items, and whether there were more (one more is evaluated to know)."""
    taken: list[Any] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def _serialize_results(result: Any, fmt: Any) -> bytes:
    body = result.serialize(None, fmt)
    return bytes(body or b"")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def _json_term(term: Any) -> dict[str, Any]:
    """One RDF term in SPARQL 1.1 Query Results JSON (RDF 1.2 triple terms as Oxigraph writes them)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        encoded: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                encoded["its:dir"] = str(getattr(direction, "value", direction)).lower().rsplit(".", 1)[-1]
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
            encoded["datatype"] = term.datatype.value
        return encoded
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate), "object": _json_term(term.object)}}


def _json_solution(solution: Any, variables: list[str]) -> dict[str, Any]:
    bound = {}
    for name in variables:
        term = solution[name]
        if term is not None:
            bound[name] = _json_term(term)
    return bound


_INTEGER_TYPES = {_XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}
_FLOAT_TYPES = {_XSD + name for name in ("decimal", "double", "float")}


def plain_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> object:
    """A term as a plain Python value: an IRI's text, ``_:id`` for a blank node, a number or
    boolean for numeric and boolean literals (when well-formed), else the literal's text.

    >>> import pyoxigraph as ox
    >>> plain_value(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    3
    >>> plain_value(ox.NamedNode("http://example.org/a")), plain_value(None)
    ('http://example.org/a', None)
    """
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(Decimal(term.value))
            if datatype in _FLOAT_TYPES:
                return float(term.value)
        except (ArithmeticError, ValueError):
            return term.value  # an ill-typed literal keeps its text
        if datatype == _XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
        return term.value
    return str(term)


def _cell(term: Any) -> tuple[str, str, str] | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", f"_:{term.value}", "")
    if isinstance(term, ox.Literal):
        extra = term.language or ("" if term.datatype.value == _XSD_STRING else term.datatype.value)
        return ("literal", term.value, extra)
    return ("triple", str(term), "")


def _table(result: Any, limit: int) -> TableReply:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return TableReply("ask", (), (), bool(result), False)
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        solutions, truncated = _take(result, limit)
        return TableReply("select", variables, tuple(tuple(_cell(s[name]) for name in variables) for s in solutions), None, truncated)
    triples, truncated = _take(result, limit)
    return TableReply("graph", ("subject", "predicate", "object"), tuple((_cell(t.subject), _cell(t.predicate), _cell(t.object)) for t in triples), None, truncated)


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
_WORKER_CODE = "import sys; from kb.serve.workers import worker_entry; worker_entry(int(sys.argv[1]))"


# -- the pool, in the server process ---------------------------------------------------------
class _Dead:
    """What :meth:`QueryPool._call` returns for a worker found dead before the job was sent."""


_DEAD = _Dead()

@dataclass(eq=False)
class _Process:
    process: subprocess.Popen[bytes]
    connection: multiprocessing.connection.Connection
    jobs: int = 0

    @property
    def exitcode(self) -> int | None:
        return self.process.poll()

    def end(self) -> None:
        """Kill the process (a reader: nothing is lost; an update's transaction is not committed)
        and release its socket."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            print(f"kb serve: worker {self.process.pid} did not end after SIGKILL", file=sys.stderr)
        self.connection.close()


@dataclass
class QueryPool:
    """Worker processes answering jobs, each under a time limit.

    :meth:`run` waits for a free worker (at most ``queue_wait`` seconds: :class:`PoolBusy`),
    sends it the job and waits ``config.query_timeout`` seconds for the reply; past that the
    worker is killed, replaced in the background, and :class:`QueryTimedOut` raised. Waiting is
    done in threads (one per worker), so the event loop never blocks on a pipe, and a request
    cancelled meanwhile (the client went away) still returns its worker to the pool.
    """

    config: ServeConfig
    queue_wait: float = 60.0
    _idle: asyncio.Queue[_Process] = field(init=False)
    _executor: ThreadPoolExecutor = field(init=False)
    _loop: asyncio.AbstractEventLoop | None = field(init=False, default=None)
    _all: set[int] = field(init=False, default_factory=set)
    _processes: list[_Process] = field(init=False, default_factory=list)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _closed: bool = field(init=False, default=False)
    restarts: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._idle = asyncio.Queue()
        count = self.config.worker_count
        self._executor = ThreadPoolExecutor(max_workers=2 * count + 1, thread_name_prefix="kb-serve-wait")

    async def start(self) -> None:
        """Start every worker and wait until each has opened the store.

        :raises StoreError: when a worker cannot open the store.
        """
        self._loop = asyncio.get_running_loop()
        started = await asyncio.gather(*(self._loop.run_in_executor(self._executor, self._spawn) for _ in range(self.config.worker_count)))
        for worker in started:
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Process:
        """Start one worker process and wait for it to say it is ready (in an executor thread)."""
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(theirs.fileno())], pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, close_fds=True
            )
        finally:
            theirs.close()
        parent = multiprocessing.connection.Connection(ours.detach())
        worker = _Process(process, parent)
        try:
            parent.send(self.config)
            if not parent.poll(120):
                raise StoreError("a query worker did not start within 120 s")
            hello = parent.recv()
        except (EOFError, OSError) as error:
            worker.end()
            raise WorkerLost(f"a query worker ended while starting (exit code {worker.exitcode})") from error
        except StoreError:
            worker.end()
            raise
        if isinstance(hello, Failure):
            worker.end()
            raise StoreError(hello.message)
        with self._lock:
            self._processes.append(worker)
        return worker

    def _replace(self, dead: _Process, reason: str) -> None:
        """End ``dead`` and put a fresh worker in its place (in an executor thread); say so on
        standard error as a JSON line, beside the access log."""
        pid = dead.process.pid
        dead.end()
        _event("worker replaced", pid=pid, reason=reason, jobs=dead.jobs)
        with self._lock:
            if dead in self._processes:
                self._processes.remove(dead)
            self.restarts += 1
            if self._closed:
                return
        while not self._closed:
            try:
                worker = self._spawn()
            except KBError as error:  # the store went away, say: try again shortly, the pool must not shrink
                _event("worker not started", error=str(error))
                time.sleep(1.0)
                continue
            if self._loop is not None and not self._closed:
                self._loop.call_soon_threadsafe(self._idle.put_nowait, worker)
            return

    def _call(self, worker: _Process, job: Job, timeout: float) -> Reply | BaseException | _Dead:
        """Send ``job`` and wait for the reply (in an executor thread); the worker goes back to the
        pool, or is replaced. Errors are returned, not raised, so that the waiting side decides."""
        assert self._loop is not None
        if worker.exitcode is not None:  # died while idle (killed from outside): the job never reached it
            self._executor.submit(self._replace, worker, "ended while idle")
            return _DEAD
        try:
            worker.connection.send(job)
            if worker.connection.poll(timeout):
                reply: Reply = worker.connection.recv()
                worker.jobs += 1
                self._loop.call_soon_threadsafe(self._idle.put_nowait, worker)
                return reply
            reason = "time limit"
            outcome: BaseException = QueryTimedOut(f"the query did not finish within {timeout:g} s and was stopped (a narrower query, or ask for a longer limit: kb serve --timeout)")
        except (EOFError, OSError) as error:
            reason = "ended"
            outcome = WorkerLost(f"the query's worker process ended while running it (exit code {worker.exitcode}); the query was not answered")
            outcome.__cause__ = error
        self._executor.submit(self._replace, worker, reason)
        return outcome

    async def run(self, job: Job, *, timeout: float | None = None) -> Reply:
        """Run ``job`` in a free worker within ``timeout`` seconds (default: the configured limit).

        :raises QueryTimedOut: past the limit (the worker was ended).
        :raises PoolBusy: when no worker became free within ``queue_wait`` seconds.
        :raises WorkerLost: when the worker died while running it.
        """
        if self._loop is None:
            raise StoreError("the query workers are not started")
        limit = self.config.query_timeout if timeout is None else timeout
        waited_until = time.monotonic() + self.queue_wait
        while True:
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(0.0, waited_until - time.monotonic()))
            except TimeoutError:
                raise PoolBusy(f"every query worker stayed busy for {self.queue_wait:g} s: try again shortly") from None
            future = self._loop.run_in_executor(self._executor, self._call, worker, job, limit)
            outcome = await asyncio.shield(future)  # a cancelled request leaves _call to return the worker
            if isinstance(outcome, _Dead):
                continue  # the job was not sent: another worker takes it
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

    @property
    def size(self) -> int:
        """The number of live worker processes."""
        with self._lock:
            return len(self._processes)

    def pids(self) -> list[int]:
        """The process ids of the live workers (for tests and the access log)."""
        with self._lock:
            return [worker.process.pid for worker in self._processes]

    async def close(self) -> None:
        """Ask every worker to stop, end those that do not, release the threads."""
        with self._lock:
            self._closed = True
            workers = list(self._processes)
            self._processes.clear()
        for worker in workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass  # already gone: end() below reaps it
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, _end_all, workers)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _event(event: str, **details: object) -> None:
    """One JSON line on standard error about the pool (a worker killed, replaced, not started)."""
    entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z", "event": event, **details}
    print(json.dumps(entry), file=sys.stderr, flush=True)


def _end_all(workers: list[_Process]) -> None:
    deadline = time.monotonic() + 2.0
    for worker in workers:
        try:
            worker.process.wait(max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass  # end() kills it
        worker.end()

