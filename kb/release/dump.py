"""A release's N-Quads dump: deterministic, gzip-compressed, and loadable into a fresh store.

Two dumps of the same KB are byte-identical, whichever store wrote them:

- graphs come in a fixed order (the default graph, then named graphs by IRI) and each graph's
  lines are sorted (bytes order), so the store's internal order does not matter;
- blank nodes get their canonical labels (RDFC-1.0, W3C RDF Dataset Canonicalization, done by
  Oxigraph over every quad that mentions a blank node: the labels depend on those quads only), so
  the store's random blank-node ids do not matter;
- gzip is written with no file name and a zero time stamp in its header.

Each graph's sorted lines are also hashed (SHA-256): a graph's digest in the release manifest,
which tells a changed graph from an unchanged one without the content hash of a source.

:func:`load_dump` puts a dump back into an empty store through the bulk loader.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kb.errors import KBError, StoreError
from kb.store import StoreBackend

__all__ = ["DumpReport", "GraphDigest", "write_dump", "read_dump_lines", "load_dump", "DEFAULT_GRAPH"]

#: The name the manifest gives the default graph (which a KB normally leaves empty).
DEFAULT_GRAPH = ""
#: Quads per bulk-loader call when a dump is loaded: the loader holds a call's quads in memory
#: (``docs/decisions/0006-bulk-ingest.md``: 200,000 quads kept its peak under 300 MiB).
LOAD_QUADS = 200_000


@dataclass(frozen=True)
class GraphDigest:
    """One graph of a dump: its name (``""`` for the default graph), quads and SHA-256 of its sorted lines."""

    graph: str
    quads: int
    digest: str


@dataclass
class DumpReport:
    """What :func:`write_dump` wrote: quads in all, and each graph's size and digest, in dump order."""

    quads: int = 0
    graphs: list[GraphDigest] = field(default_factory=list)


def _has_blank(quad: ox.Quad) -> bool:
    """Whether ``quad`` mentions a blank node (as subject, object, graph, or inside a quoted triple)."""
    return any(isinstance(term, ox.BlankNode) or (isinstance(term, ox.Triple) and _triple_has_blank(term))
               for term in (quad.subject, quad.object, quad.graph_name))


def _triple_has_blank(triple: ox.Triple) -> bool:
    return any(isinstance(term, ox.BlankNode) or (isinstance(term, ox.Triple) and _triple_has_blank(term))
               for term in (triple.subject, triple.object))


def _graph_order(store: StoreBackend) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph, then every named graph by IRI: the dump's order."""
    named = sorted(store.named_graphs(), key=lambda graph: graph.value)
    return [ox.DefaultGraph(), *named]


def _quads_of(store: StoreBackend, graph: ox.NamedNode | ox.DefaultGraph) -> Iterator[ox.Quad]:
    return store.quads_matching(None, None, None, graph)


#: The quads of named graphs that mention a blank node: a scan inside the store (2.8 s of CPU at 640k
#: quads, against 5.5 s to look at every quad in Python). A fixed query: nothing is bound into it.
_BLANK_QUADS = """
SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }
"""


def _canonical_blank_quads(store: StoreBackend, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> tuple[ox.Dataset, set[str]]:
    """Every quad that mentions a blank node, its blank nodes relabelled canonically (RDFC-1.0), and
    the names of the graphs holding such quads.

    Only those quads take part in the labelling (RDFC-1.0 hashes the quads that mention a blank
    node), so the labels are those of the whole dataset.
    """
    blank = ox.Dataset()
    dumped = {graph.value for graph in graphs if isinstance(graph, ox.NamedNode)}  # not a server's own graphs
    for s, p, o, g in store.select(_BLANK_QUADS).rows:
        if isinstance(g, ox.NamedNode) and g.value in dumped:
            blank.add(ox.Quad(s, p, o, g))  # type: ignore[arg-type]  # the pattern binds all four
    for quad in _quads_of(store, ox.DefaultGraph()):  # the union query sees no default graph apart
        if _has_blank(quad):
            blank.add(quad)
    holding = {quad.graph_name.value for quad in blank if isinstance(quad.graph_name, ox.NamedNode)}
    if len(blank):  # (a pyoxigraph Dataset's truth value is not its emptiness)
        blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return blank, holding


def _sorted_lines(quads: list[ox.Quad]) -> list[bytes]:
    """The N-Quads lines of ``quads``, sorted (one quad a line: N-Quads escapes line breaks in literals)."""
    if not quads:
        return []
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert data is not None  # serialize returns the bytes when given no output
    return sorted(data.splitlines(keepends=True))


def write_dump(store: StoreBackend, path: Path) -> DumpReport:
    """Write the whole store to ``path`` as gzip-compressed, deterministic N-Quads.

    Memory holds one graph's lines at a time (a source graph is small; the largest is the
    vocabulary's) plus the quads that mention blank nodes.

    :raises StoreError: when the store cannot be read.
    :raises OSError: when ``path`` cannot be written (the caller names it).
    """
    graphs = _graph_order(store)
    blank, blank_graphs = _canonical_blank_quads(store, graphs)
    report = DumpReport()
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
        for graph in graphs:
            if isinstance(graph, ox.DefaultGraph) or graph.value in blank_graphs:
                quads = [quad for quad in _quads_of(store, graph) if not _has_blank(quad)]
                quads.extend(blank.quads_for_graph_name(graph))
            else:  # most graphs: no quad to look at one by one
                quads = list(_quads_of(store, graph))
            lines = _sorted_lines(quads)
            if not lines:
                continue
            digest = hashlib.sha256()
            for line in lines:
                digest.update(line)
                out.write(line)
            name = DEFAULT_GRAPH if isinstance(graph, ox.DefaultGraph) else graph.value
            report.graphs.append(GraphDigest(name, len(lines), digest.hexdigest()))
            report.quads += len(lines)
    return report


def _open_dump(path: Path) -> IO[bytes] | gzip.GzipFile:
    """``path`` opened for reading, through gzip when it is compressed (by its magic bytes, not its name)."""
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # closing it leaves raw open: read_dump_lines closes both
    raw.seek(0)
    return raw


def read_dump_lines(path: Path) -> Iterator[bytes]:
    """The lines of a dump (gzip or plain N-Quads).

    :raises KBError: naming ``path`` when it cannot be read or is a broken gzip file.
    """
    try:
        handle = _open_dump(path)
    except OSError as error:
        raise KBError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        with handle:
            yield from handle
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise KBError(f"cannot read {path}: {error}") from error
    finally:
        raw = getattr(handle, "fileobj", None)
        if raw is not None:
            raw.close()


def load_dump(store: StoreBackend, path: Path) -> int:
    """Load the dump at ``path`` into ``store``, which must be empty; return the quads loaded.

    The quads go through the store's bulk loader in chunks of whole graphs (:data:`LOAD_QUADS`);
    every line that may mention a blank node goes in the last chunk, so a blank node keeps one
    identity across graphs (the loader names blank nodes afresh on each call). The bulk loader is
    not transactional: when loading fails, every graph is dropped again, leaving the store empty,
    as it was.

    :raises KBError: when the store is not empty, or the dump cannot be read.
    :raises StoreError: when the dump does not parse (the store is left empty).
    """
    if next(iter(store.quads()), None) is not None:
        where = store.path or "the store"
        raise KBError(f"{where} is not empty: a dump is loaded into a new store (give another --store)")
    loaded = 0
    try:
        chunk = io.BytesIO()
        in_chunk = 0
        blank = io.BytesIO()
        graph_of_last: bytes | None = None
        for line in read_dump_lines(path):
            if not line.strip() or line.lstrip().startswith(b"#"):  # blank lines and comments hold no quad
                continue
            if b"_:" in line:  # maybe a blank node (or "_:" in a literal: loading it last is harmless)
                blank.write(line)
                loaded += 1
                continue
            graph = line.rstrip().rsplit(b" ", 2)[-2]  # the graph term (of our dumps, whose lines end "<g> .")
            if in_chunk >= LOAD_QUADS and graph != graph_of_last:  # a graph is never split across calls
                store.bulk_load(chunk.getvalue(), format="nquads")
                chunk = io.BytesIO()
                in_chunk = 0
            chunk.write(line)
            in_chunk += 1
            loaded += 1
            graph_of_last = graph
        for rest in (chunk, blank):
            if rest.tell():
                store.bulk_load(rest.getvalue(), format="nquads")
    except (KBError, StoreError) as error:
        left = _empty(store)
        kind = StoreError if isinstance(error, StoreError) else KBError
        raise kind(f"{path}: {error}; nothing was loaded ({left})") from error
    store.flush()
    return loaded


def _empty(store: StoreBackend) -> str:
    """Drop every named graph a failed load wrote into a store that was empty; what is left, said in words."""
    store.drop_graphs(store.named_graphs())
    if next(iter(store.quads_matching(None, None, None, ox.DefaultGraph())), None) is not None:
        return "the store's named graphs were dropped again, but the dump's default-graph quads remain: delete the store"
    return "the store is empty, as it was"
