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
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.errors import KBError, StoreError
from kb.serve.jobs import (
    ConstructJob,
    Failure,
    Job,
    PoolBusy,
    QueryTimedOut,
    Reply,
    RowsReply,
    SelectJob,
    SparqlJob,
    SparqlReply,
    TableJob,
    TableReply,
    TemplateJob,
    UpdateJob,
    UpdateReply,
    WorkerLost,
)
from kb.serve.results import plain_value
from kb.serve.worker_process import _WORKER_CODE, store_version

if TYPE_CHECKING:
    from kb.serve.config import ServeConfig


__all__ = [
    "SparqlJob", "TableJob", "SelectJob", "TemplateJob", "ConstructJob", "UpdateJob", "Job",
    "SparqlReply", "TableReply", "RowsReply", "UpdateReply", "Failure", "Reply",
    "QueryPool", "QueryTimedOut", "PoolBusy", "WorkerLost", "store_version", "plain_value",
]


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

