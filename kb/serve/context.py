"""What every route of ``kb serve`` works with: the settings, the query workers, a store handle.

Routes (the SPARQL endpoint, the template API, the query page, and the evidence pages of
``kb.serve.pages``) receive one :class:`ServeContext`:

- ``await ctx.template(name, params)``: a catalogue template run exactly as
  ``kb query NAME -p key=value ...`` runs it (the same binding and name resolution, parameter
  values as the text a user types), in a worker process under the time limit; rows as
  column -> plain Python value (int, float, bool, str) or None, in order, cut at the row limit.
- ``await ctx.select(query)``: a read-only SELECT (the checks of ``kb sparql``) in a worker under
  the time limit; rows as variable -> plain Python value or None (IRIs as their text, blank nodes
  as ``_:id``, numeric and boolean literals as numbers and booleans).
- ``ctx.knowledge_base()``: a read-only :class:`~kb.KnowledgeBase` in the server process, for
  cheap lookups (a vocabulary resolve, one ``quads_matching``); opened again when ``kb ingest``
  committed since. It runs on the caller's thread with no time limit: anything that scans goes
  through :meth:`template` or :meth:`select`.
- ``ctx.config``: the :class:`~kb.serve.config.ServeConfig`.

Errors: :class:`~kb.errors.ParameterError`, :class:`~kb.errors.UnknownTermError`,
:class:`~kb.errors.QueryError` (unknown template, syntax, refused query),
:class:`~kb.serve.workers.QueryTimedOut` (a QueryError) past the limit,
:class:`~kb.serve.workers.PoolBusy` / :class:`~kb.errors.StoreError` when the store cannot answer.
``kb.serve.app`` turns each into an HTTP status (:func:`kb.serve.app.error_status`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kb.errors import KBError, ParameterError, QueryError, StoreError, UnknownTermError
from kb.serve.config import ServeConfig
from kb.serve.workers import (
    Failure, Job, QueryPool, Reply, RowsReply, SelectJob, SparqlJob, SparqlReply, TableJob, TableReply, TemplateJob, UpdateJob, UpdateReply,
    store_version,
)

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["ServeContext", "raise_failure", "NotAcceptableError", "LockedError"]


class NotAcceptableError(QueryError):
    """The client accepts no format the answer can be written in (HTTP 406)."""


class LockedError(StoreError):
    """Another process is writing to the store, so an update cannot open it now (HTTP 503)."""


class InternalError(KBError):
    """A worker failed in a way no KB error describes (HTTP 500)."""


_FAILURES: dict[str, type[KBError]] = {
    "query": QueryError,
    "unknown_template": QueryError,
    "parameter": ParameterError,
    "unknown_term": UnknownTermError,
    "not_acceptable": NotAcceptableError,
    "locked": LockedError,
    "store": StoreError,
    "internal": InternalError,
}


class UnknownTemplateError(QueryError):
    """No template of that name in the catalogue (HTTP 404)."""


def raise_failure(failure: Failure) -> None:
    """Raise the KB error a worker's :class:`Failure` stands for."""
    if failure.kind == "unknown_template":
        raise UnknownTemplateError(failure.message)
    raise _FAILURES.get(failure.kind, InternalError)(failure.message)


class ServeContext:
    """The settings, the worker pool and a read-only store handle of one server (see the module)."""

    def __init__(self, config: ServeConfig, pool: QueryPool | None = None) -> None:
        self.config = config
        self.pool = pool or QueryPool(config)
        self._kb: KnowledgeBase | None = None
        self._version: tuple[tuple[str, int, int], ...] = ()
        self._lock = threading.Lock()

    # -- lifetime -------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the query workers (each opens the store).

        :raises StoreError: when the store cannot be opened.
        """
        await self.pool.start()

    async def close(self) -> None:
        """Stop the workers and release the store."""
        await self.pool.close()
        with self._lock:
            if self._kb is not None:
                self._kb.close()
                self._kb = None

    # -- queries in workers -----------------------------------------------------------------
    async def run(self, job: Job) -> Reply:
        """Run ``job`` in a worker; its reply, or its failure raised as a KB error."""
        reply = await self.pool.run(job)
        if isinstance(reply, Failure):
            raise_failure(reply)
        return reply

    async def template(self, name: str, params: Mapping[str, str]) -> list[dict[str, object]]:
        """Run the catalogue template ``name`` with ``params`` (the text a user types for each);
        rows as column -> plain Python value or None."""
        return (await self.template_rows(name, params)).rows

    async def template_rows(self, name: str, params: Mapping[str, str]) -> RowsReply:
        """:meth:`template` with the columns and whether the row limit cut the rows."""
        reply = await self.run(TemplateJob(name, dict(params)))
        assert isinstance(reply, RowsReply)
        return reply

    async def select(self, query: str) -> list[dict[str, object]]:
        """Run a read-only SELECT query; rows as variable -> plain Python value or None."""
        reply = await self.run(SelectJob(query))
        assert isinstance(reply, RowsReply)
        return reply.rows

    async def sparql(self, job: SparqlJob) -> SparqlReply:
        """Answer a SPARQL Protocol query, serialized in the negotiated format."""
        reply = await self.run(job)
        assert isinstance(reply, SparqlReply)
        return reply

    async def table(self, query: str) -> TableReply:
        """Run a query for the query page: its result as a table of terms."""
        reply = await self.run(TableJob(query))
        assert isinstance(reply, TableReply)
        return reply

    async def update(self, update: str) -> UpdateReply:
        """Apply a SPARQL update (the caller has checked the write token)."""
        reply = await self.run(UpdateJob(update))
        assert isinstance(reply, UpdateReply)
        return reply

    # -- the server process's own handle ------------------------------------------------------
    def knowledge_base(self) -> KnowledgeBase:
        """A read-only handle on the store for cheap lookups, reopened after a writer committed."""
        from kb.knowledge_base import KnowledgeBase

        with self._lock:
            version = store_version(self.config.store)
            if self._kb is None or version != self._version:
                # The old handle is dropped, not closed: a request on another thread may still be
                # reading through it (a read-only handle holds no lock; it is released when unused).
                self._kb = KnowledgeBase.open(self.config.store, base=self.config.base, read_only=True)
                self._version = version
            return self._kb
