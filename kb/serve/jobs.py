"""Jobs a worker of ``kb serve`` runs, its replies, and the pool's errors: small picklable dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kb.errors import QueryError, StoreError


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


