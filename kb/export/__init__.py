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

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

from kb.errors import ExportError, StoreError

if TYPE_CHECKING:  # the writers are imported when a format is written (networkx and the KGX writer are heavy)
    import pyoxigraph as ox

    from kb.export.kgx import KgxReport
    from kb.export.tables import Drug
    from kb.query.rows import QueryTarget
    from kb.store import StoreBackend

__all__ = [
    "ExportFormat", "ExportResult", "EXPORT_FORMATS", "export", "export_format", "formats_of", "write_triples",
    "atomic_file", "check_output_file", "check_output_directory", "is_special_file", "new_file_mode", "write_error",
]

T = TypeVar("T")


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
    """What an export wrote: the format, and a count of rows or a KGX report where there is one.

    ``left_out``: for a table, the rows left out, counted by reason (``--drug``: the drug in both
    arms or neither, a measure with no known direction).
    """

    format: str
    rows: int | None = None
    kgx: KgxReport | None = None
    left_out: dict[str, int] | None = None


def export(
    target: QueryTarget,
    format: str,
    output: IO[bytes] | Path | None = None,
    *,
    graph: ox.NamedNode | None = None,
    source_id: str | None = None,
    infores: str | None = None,
    drug: str | None = None,
) -> ExportResult:
    """Write the KB in ``format`` to ``output`` (a file, a binary stream, or standard output).

    ``graph``/``source_id`` select one source for the formats that hold one (``per_source``).
    KGX writes a directory and needs ``infores``. ``target`` is a :class:`kb.KnowledgeBase`
    or a store. ``drug`` (tables only: a name, synonym, CURIE or IRI) orients the rows as that
    drug's arm against its comparator (:mod:`kb.export.tables`).

    A file is written beside ``output`` and renamed into place when complete (:func:`atomic_file`),
    so a failed export leaves no partial file and an existing one untouched.

    :raises ExportError: for an unknown format, options the format does not take, or an output that
        cannot be written (a directory, a missing folder, a full disk: the path and the reason).
    :raises StoreError: when reading the store fails.
    """
    row = export_format(format)
    if (graph is not None or source_id is not None) and not row.per_source:
        raise ExportError(f"--source applies to RDF and KGX formats; {row.name} covers the whole KB")
    if drug is not None and row.family != "table":
        raise ExportError(f"--drug applies to the tables ({', '.join(formats_of('table'))}); not to {row.name}")
    chosen: Drug | None = None
    if drug is not None:
        from kb.export.tables import resolve_drug

        chosen = resolve_drug(target, drug)  # before any file is opened: an unknown name writes nothing

    def write(sink: IO[bytes] | Path) -> ExportResult:
        return _write_one(target, row, sink, graph, chosen)

    if row.to_directory:
        if not isinstance(output, Path):
            raise ExportError(f"--format {row.name} writes several files: give their directory with -o DIR")
        from kb.export.kgx import write_kgx

        return ExportResult(row.name, kgx=write_kgx(target, output, source_id=source_id, knowledge_source=infores))
    if isinstance(output, Path):
        if is_special_file(output):  # /dev/null, a FIFO: written as a stream, never replaced
            return _write_special(output, write)
        # A failed export (disk full, killed) leaves no partial file and an existing file untouched.
        with atomic_file(output) as partial:
            return write(partial)
    try:
        return write(output if output is not None else sys.stdout.buffer)
    except OSError as error:
        raise write_error("standard output" if output is None else "the output stream", error) from error


def _write_one(
    target: QueryTarget, row: ExportFormat, sink: IO[bytes] | Path, graph: ox.NamedNode | None, drug: Drug | None = None
) -> ExportResult:
    store: StoreBackend = target.store if hasattr(target, "store") else target
    if row.family == "rdf":
        from kb.export.rdf import write_rdf

        write_rdf(store, sink, format=row.name, graph=graph)
        return ExportResult(row.name)
    if row.family == "table":
        from kb.export.tables import TableReport, write_table

        report = TableReport()
        rows = write_table(target, sink, format=row.name, drug=drug, report=report)
        return ExportResult(row.name, rows=rows, left_out=report.left_out)
    from kb.export.network import write_network

    write_network(target, sink, format=row.name)
    return ExportResult(row.name)


def is_special_file(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file or a directory (a device, a FIFO)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _write_special(path: Path, write: Callable[[IO[bytes]], T]) -> T:
    try:
        with path.open("wb") as handle:
            return write(handle)
    except (OSError, StoreError) as error:
        cause = _os_error(error)
        if cause is None:
            raise
        raise write_error(path, cause) from error


def write_error(where: object, error: BaseException) -> ExportError:
    """An :class:`ExportError` naming ``where`` (a path) and the OS's reason (``No space left on device``)."""
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error) or type(error).__name__
    return ExportError(f"cannot write {where}: {reason}")


def _os_error(error: BaseException) -> OSError | None:
    """The OSError behind ``error``: itself, or the cause a store or serializer error wraps."""
    while error is not None:
        if isinstance(error, OSError):
            return error
        error = error.__cause__  # type: ignore[assignment]
    return None


def check_output_file(path: Path) -> None:
    """Refuse, before any work, a file path that cannot be written: a directory, a missing or
    unwritable folder.

    :raises ExportError: naming the path and what is wrong with it.
    """
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory (give a file name, e.g. -o {path / 'kb.out'})")
    parent = path.parent
    if not parent.exists():
        raise ExportError(f"cannot write {path}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"cannot write {path}: {parent} is not a directory")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {path}: the file is not writable")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: the directory {parent} is not writable")


def check_output_directory(path: Path) -> None:
    """Refuse an output directory (KGX) that is a file, or whose folder cannot be written.

    :raises ExportError: naming the path and what is wrong with it.
    """
    if path.exists() and not path.is_dir():
        raise ExportError(f"cannot write into {path}: it is a file, not a directory")
    # The directory itself is created when missing, not its parents: a mistyped path is an error.
    existing = path if path.exists() else path.parent
    if not existing.exists():
        raise ExportError(f"cannot create {path}: the directory {existing} does not exist")
    if not existing.is_dir():
        raise ExportError(f"cannot create {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write into {path}: {existing} is not writable")


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that is renamed to ``path`` when the block succeeds.

    On any error the temporary file is deleted, so ``path`` is either the complete new file or
    what it was before. An OSError (disk full, ...) becomes an :class:`ExportError` naming
    ``path``. Callers write a path that is not a regular file (``/dev/null``, a FIFO) as a
    stream instead (:func:`is_special_file`): it cannot be replaced.

    :raises ExportError: when ``path`` cannot be written, or writing it fails.
    """
    check_output_file(path)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        os.close(handle)
    except OSError as error:
        raise write_error(path, error) from error
    partial = Path(name)
    try:
        yield partial
        # mkstemp makes the file private (0600); give it the mode the file had, or a new file's.
        os.chmod(partial, stat.S_IMODE(path.stat().st_mode) if path.exists() else new_file_mode())
        os.replace(partial, path)
    except (OSError, StoreError) as error:
        partial.unlink(missing_ok=True)
        cause = _os_error(error)
        if cause is None:
            raise
        raise write_error(path, cause) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def new_file_mode() -> int:
    """The mode a new file gets under the process's umask (``mkstemp`` makes files 0600)."""
    mask = os.umask(0)  # read by setting it: there is no getter
    os.umask(mask)
    return 0o666 & ~mask


def write_triples(triples: list[ox.Triple], output: IO[bytes] | Path, *, format: str) -> None:
    """Write ``triples`` (a CONSTRUCT template's graph) as Turtle, N-Triples, RDF/XML or JSON-LD
    (:func:`kb.export.rdf.write_triples`, imported on first use)."""
    from kb.export.rdf import write_triples as write

    if isinstance(output, Path):
        if is_special_file(output):
            _write_special(output, lambda handle: write(triples, handle, format=format))
            return
        with atomic_file(output) as partial:
            write(triples, partial, format=format)
        return
    try:
        write(triples, output, format=format)
    except OSError as error:
        raise write_error("the output stream", error) from error


