"""Exports: one table of formats, used by the library and the CLI alike.

Each :class:`ExportFormat` row names a format, its family and what it takes; :func:`export`
dispatches on the table. Families:

- ``rdf``: N-Quads, TriG, JSON-LD (named graphs kept) and Turtle, N-Triples, RDF/XML (the
  union, or one source's graph) (:mod:`kb.export.rdf`);
- ``table``: CSV for meta-analysis (:mod:`kb.export.tables`);
- ``network``: GraphML, GEXF, node-link and Cytoscape JSON (:mod:`kb.export.network`);
- ``kgx``: KGX TSV and JSON Lines files in a directory (:mod:`kb.export.kgx`).

>>> [f.name for f in EXPORT_FORMATS if f.family == "table"]
['evidence-csv', 'adverse-events-csv']
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kb.errors import ExportError

if TYPE_CHECKING:  # the writers are imported when a format is written (networkx and the KGX writer are heavy)
    import pyoxigraph as ox

    from kb.export.kgx import KgxReport
    from kb.query.rows import QueryTarget
    from kb.store import StoreBackend

__all__ = ["ExportFormat", "ExportResult", "EXPORT_FORMATS", "export", "export_format", "formats_of", "write_triples"]

@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, family, whether it can hold one source alone, and what it writes."""

    name: str
    family: str  # rdf, table, network, kgx
    per_source: bool  # --source selects one source's graph
    to_directory: bool  # writes several files into a directory
    description: str


#: Every export format. The writers take their format names from here (``formats_of``), so
#: the table is built without importing them (networkx and the KGX writer are heavy).
EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("nquads", "rdf", True, False, "N-Quads, every named graph, streamed"),
    ExportFormat("trig", "rdf", True, False, "TriG, every named graph, streamed"),
    ExportFormat("jsonld", "rdf", True, False, "JSON-LD with the named graphs, compacted with ontology/context.jsonld"),
    ExportFormat("turtle", "rdf", True, False, "Turtle, the union of the graphs (each triple once), streamed"),
    ExportFormat("nt", "rdf", True, False, "N-Triples, the union of the graphs, streamed"),
    ExportFormat("xml", "rdf", True, False, "RDF/XML, the union of the graphs, streamed"),
    ExportFormat("evidence-csv", "table", False, False, "one row per comparison with log_estimate and se for metafor::rma"),
    ExportFormat("adverse-events-csv", "table", False, False, "one row per adverse event per arm"),
    ExportFormat("graphml", "network", False, False, "the entity network as GraphML (Gephi, Cytoscape, networkx)"),
    ExportFormat("gexf", "network", False, False, "the entity network as GEXF"),
    ExportFormat("node-link", "network", False, False, "the entity network as networkx node-link JSON"),
    ExportFormat("cytoscape", "network", False, False, "the entity network as Cytoscape.js JSON"),
    ExportFormat("kgx", "kgx", True, True, "KGX nodes/edges as TSV and JSON Lines with Biolink categories and predicates"),
)


def formats_of(family: str) -> tuple[str, ...]:
    """The names of one family's formats, in table order.

    >>> formats_of("table")
    ('evidence-csv', 'adverse-events-csv')
    """
    return tuple(row.name for row in EXPORT_FORMATS if row.family == family)


def export_format(name: str) -> ExportFormat:
    """The row called ``name``.

    :raises ExportError: when there is none; the message lists the formats.
    """
    for row in EXPORT_FORMATS:
        if row.name == name:
            return row
    raise ExportError(f"unknown export format {name!r}: use one of {', '.join(f.name for f in EXPORT_FORMATS)}")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the format, and a count of rows or a KGX report where there is one."""

    format: str
    rows: int | None = None
    kgx: KgxReport | None = None


def export(
    target: QueryTarget,
    format: str,
    output: IO[bytes] | Path | None = None,
    *,
    graph: ox.NamedNode | None = None,
    source_id: str | None = None,
    infores: str | None = None,
) -> ExportResult:
    """Write the KB in ``format`` to ``output`` (a file, a binary stream, or standard output).

    ``graph``/``source_id`` select one source for the formats that hold one (``per_source``).
    KGX writes a directory and needs ``infores``. ``target`` is a :class:`kb.KnowledgeBase`
    or a store.

    :raises ExportError: for an unknown format, or options the format does not take.
    :raises StoreError: when reading the store or writing ``output`` fails.
    """
    row = export_format(format)
    if (graph is not None or source_id is not None) and not row.per_source:
        raise ExportError(f"--source applies to RDF and KGX formats; {row.name} covers the whole KB")
    if row.to_directory:
        if not isinstance(output, Path):
            raise ExportError(f"--format {row.name} writes several files: give their directory with -o DIR")
        from kb.export.kgx import write_kgx

        return ExportResult(row.name, kgx=write_kgx(target, output, source_id=source_id, knowledge_source=infores))
    sink: IO[bytes] | Path = output if output is not None else sys.stdout.buffer
    store: StoreBackend = target.store if hasattr(target, "store") else target
    if row.family == "rdf":
        from kb.export.rdf import write_rdf

        write_rdf(store, sink, format=row.name, graph=graph)
        return ExportResult(row.name)
    if row.family == "table":
        from kb.export.tables import write_table

        return ExportResult(row.name, rows=write_table(target, sink, format=row.name))
    from kb.export.network import to_networkx, write_graph

    write_graph(to_networkx(target), sink, format=row.name)
    return ExportResult(row.name)


def write_triples(triples: list[ox.Triple], output: IO[bytes] | Path, *, format: str) -> None:
    """Write ``triples`` (a CONSTRUCT template's graph) as Turtle, N-Triples, RDF/XML or JSON-LD
    (:func:`kb.export.rdf.write_triples`, imported on first use)."""
    from kb.export.rdf import write_triples as write

    write(triples, output, format=format)


