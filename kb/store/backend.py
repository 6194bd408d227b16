"""The store backend protocol: what the knowledge base needs from a quad store.

Every caller (loader, exports, queries, CLI) goes through these operations, so a backend
other than the embedded Oxigraph one (a remote SPARQL 1.1 server) plugs in without any
caller changing. Terms are pyoxigraph's term classes (``NamedNode``, ``Literal`` ...): they
are the KB's value types for RDF terms, whatever the backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

import pyoxigraph as ox

__all__ = ["MEMORY", "Term", "GraphName", "Dataset", "SelectResult", "StoreBackend", "default_store_path", "is_remote"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
#: A query's dataset given apart from its text: (default graphs, named graphs).
Dataset = tuple[tuple[ox.NamedNode, ...], tuple[ox.NamedNode, ...]]
#: ``--store :memory:`` selects a throw-away in-memory store.
MEMORY = ":memory:"


def is_remote(location: str) -> bool:
    """Whether ``location`` names a SPARQL server (``http://`` or ``https://``) rather than a directory."""
    return location.startswith(("http://", "https://"))


def default_store_path() -> str:
    """The store location: ``$KB_STORE``, else ``$XDG_DATA_HOME/trial-evidence-kb/store``."""
    explicit = os.environ.get("KB_STORE")
    if explicit:
        return explicit
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data_home) / "trial-evidence-kb" / "store")


@dataclass(frozen=True)
class SelectResult:
    """The rows of a SELECT query: variable names and one tuple of terms (or None) per row."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    def dicts(self) -> Iterator[dict[str, Term | None]]:
        """Each row as a mapping from variable name to term."""
        for row in self.rows:
            yield dict(zip(self.variables, row))


@runtime_checkable
class StoreBackend(Protocol):
    """A quad store holding one named graph per source, queried as the union of its graphs.

    Writes are per graph and atomic: after :meth:`replace_graph` a graph is wholly the old
    one or wholly the new one. Errors are :class:`~kb.errors.StoreError` (and
    :class:`~kb.errors.QueryError` for a malformed query).
    """

    #: Where the store lives (a directory, a URL), or None in memory.
    path: Path | None
    read_only: bool

    # -- reading --------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        """Run a SELECT query over the union of graphs, variables bound to RDF terms.

        :raises QueryError: on a syntax error or a query that is not a SELECT.
        :raises StoreError: when the store fails.
        """
        ...

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the union of graphs."""
        ...

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query over the union of graphs."""
        ...

    def raw_query(self, query: str, bindings: Mapping[str, Term] | None = None, *, dataset: Dataset | None = None) -> object:
        """Run any query; a result that can serialize itself in the SPARQL results formats.

        Over the union of all graphs, unless the query has ``FROM``/``FROM NAMED`` or ``dataset``
        (default graphs, named graphs) is given."""
        ...

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one graph."""
        ...

    def quads_matching(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), by index lookup."""
        ...

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs in the store."""
        ...

    def has_graph(self, graph: ox.NamedNode) -> bool:
        """Whether ``graph`` holds any quad."""
        ...

    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Number of quads in the store, or in one graph."""
        ...

    def distinct_triples(self) -> int:
        """Number of distinct triples across all graphs (their RDF merge), where :meth:`count` counts quads.

        A triple held by several graphs is one triple and several quads. No per-graph figure sums
        to this, so it is a scan: time O(store), memory O(distinct triples).
        """
        ...

    def dump(self, output: IO[bytes] | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Serialize the store (or one graph) to ``output``, streaming."""
        ...

    # -- writing --------------------------------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, atomically.

        :raises StoreError: when the store is read-only or the write fails (store unchanged).
        """
        ...

    def remove_graph(self, graph: ox.NamedNode) -> int:
        """Delete ``graph`` and all its statements; return how many were removed."""
        ...

    def load(self, source: IO[bytes] | bytes | str | Path, *, format: str, graph: ox.NamedNode | None = None) -> None:
        """Parse and load an RDF document (quad formats keep their graphs) in one transaction."""
        ...

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add many quads at once, without a transaction (for building fresh stores)."""
        ...

    def bulk_load(self, source: IO[bytes] | bytes | Path, *, format: str) -> None:
        """Add an RDF document's quads through the fastest path the store has, without a transaction.

        A crash part-way may leave part of the document loaded: callers write what tells a
        complete graph from an incomplete one last, in a transaction (``kb.ingestion.bulk``).

        :raises StoreError: when the store is read-only, the input does not parse or the write fails.
        """
        ...

    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Delete several graphs (absent ones are ignored) in one transaction."""
        ...

    # -- lifecycle ------------------------------------------------------------------------
    def optimize(self) -> None:
        """Compact the storage after a bulk write so later reads are faster (nothing where the store does it itself).

        :raises StoreError: when the store cannot be compacted (its content is unchanged).
        """
        ...

    def flush(self) -> None:
        """Write buffered changes to durable storage."""
        ...

    def close(self) -> None:
        """Release the store, so another handle can open it."""
        ...
