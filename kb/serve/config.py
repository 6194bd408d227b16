"""The settings of one ``kb serve`` process.

>>> ServeConfig(Path("kb-store")).query_timeout
10.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ServeConfig", "default_workers"]


def default_workers() -> int:
    """Query worker processes when none is given: one per core, and at least two, so that one
    query running out its time limit never leaves the server without a worker
    (``docs/decisions/0009-serve-queries-in-workers.md``)."""
    return max(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServeConfig:
    """What ``kb serve`` was started with.

    :param store: the store directory (opened read-only; ``kb ingest`` may write it meanwhile).
    :param host: the address to listen on (127.0.0.1: this machine only).
    :param port: the TCP port (0: any free port).
    :param query_timeout: seconds a query (SPARQL, template, page lookup) may run before its
        worker is ended and the client gets an error.
    :param row_limit: the most solutions (or triples) one response carries; a longer result is cut
        there and the response says so (header ``X-KB-Truncated: true``).
    :param write_token: when set, SPARQL UPDATE is allowed for requests that carry it
        (``Authorization: Bearer TOKEN``); when None, every update gets 403.
    :param allow_service: let ``SERVICE`` clauses query other hosts (off by default).
    :param base: the IRI base of the KB's own nodes (None: the KB's default).
    :param workers: query worker processes (None: :func:`default_workers`).
    :param access_log: write one JSON line per request on standard error.
    """

    store: Path
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0
    row_limit: int = 10_000
    write_token: str | None = None
    allow_service: bool = False
    base: str | None = None
    workers: int | None = None
    access_log: bool = True

    def __post_init__(self) -> None:
        if self.query_timeout <= 0:
            raise ValueError(f"the query time limit must be positive, got {self.query_timeout:g} s")
        if self.row_limit < 1:
            raise ValueError(f"the row limit must be at least 1, got {self.row_limit}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"at least one query worker is needed, got {self.workers}")
        if self.write_token is not None and not self.write_token.strip():
            raise ValueError("an empty write token would let anyone write: give a token or none")

    @property
    def worker_count(self) -> int:
        """The number of query worker processes to run."""
        return self.workers if self.workers is not None else default_workers()
