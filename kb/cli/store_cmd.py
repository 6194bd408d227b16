"""Store commands: init, sources, stats, sparql, export, validate, schema."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, cast

import pyoxigraph as ox
import typer
from rich.console import Console

from kb.cli.context import Wait, open_kb
from kb.cli.output import RowFormat, print_rows
from kb.errors import KBError, QueryError, ValidationFailed
from kb.export import EXPORT_FORMATS
from kb.query import load_template

__all__ = ["register"]

_console = Console(stderr=True, highlight=False)


class ResultsFormat(StrEnum):
    """SPARQL 1.1 query results formats."""

    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"


_RESULTS = {
    ResultsFormat.json: ox.QueryResultsFormat.JSON,
    ResultsFormat.xml: ox.QueryResultsFormat.XML,
    ResultsFormat.csv: ox.QueryResultsFormat.CSV,
    ResultsFormat.tsv: ox.QueryResultsFormat.TSV,
}


def init(ctx: typer.Context, wait: Wait = 0.0) -> None:
    """Create the store (if needed) and load the ontology and vocabularies."""
    with open_kb(ctx, wait=wait) as kb:
        loaded = kb.init()
        _console.print(f"store ready at {kb.store.path or ':memory:'} ({'vocabulary loaded' if loaded else 'vocabulary up to date'})")


sources_app = typer.Typer(help="List or remove source records (one named graph each).", no_args_is_help=True)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
) -> None:
    """List the sources in the store with their provenance."""
    with open_kb(ctx, read_only=True) as kb:
        rows = [(s.source_id, s.kind, s.file, s.derived_from, s.generated_at, s.triples) for s in kb.sources]
    print_rows(("source", "kind", "file", "derived_from", "generated_at", "triples"), rows, fmt)


@sources_app.command("remove")
def sources_remove(
    ctx: typer.Context, source_id: Annotated[str, typer.Argument(help="The source id, as 'kb sources list' shows it.")], wait: Wait = 0.0
) -> None:
    """Delete exactly one source's statements."""
    with open_kb(ctx, wait=wait) as kb:
        removed = kb.remove_source(source_id)
    _console.print(f"removed source {source_id!r} ({removed} statements)")


def sparql(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="A SPARQL 1.1 query (read-only).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from a file.", dir_okay=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="json|xml|csv|tsv", help="SPARQL results format.")] = ResultsFormat.json.value,
    allow_service: Annotated[bool, typer.Option("--allow-service", help="Let SERVICE clauses query other hosts (off by default).")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0, metavar="SECONDS", help="Stop the query if it has not finished after this many seconds.")
    ] = None,
) -> None:
    """Run a SPARQL query over the union of all graphs; print SPARQL 1.1 results."""
    from kb.sparql import check_query

    results, file = _results_format(fmt, file)
    if (query is None) == (file is None):
        raise typer.BadParameter("give a query or --file, not both", param_hint="QUERY")
    text = _read_query(file) if file else query or ""
    try:  # refused before the store is opened, naming the file the query came from
        check_query(text, allow_service=allow_service)
    except QueryError as error:
        raise QueryError(f"{file}: {error}" if file else str(error)) from error
    with open_kb(ctx, read_only=True) as kb:
        if timeout is None:
            _write_results(kb.raw_sparql(text, allow_service=allow_service), sys.stdout.buffer, results)
        else:
            from kb.sparql import StoppingWriter, run_with_timeout

            # The results are written to a buffer, printed once complete: a stopped query prints no half of its results.
            with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as buffer:
                run_with_timeout(lambda stop: _write_results(kb.raw_sparql(text, allow_service=allow_service), StoppingWriter(buffer, stop), results), timeout)
                buffer.seek(0)
                shutil.copyfileobj(buffer, sys.stdout.buffer)
    sys.stdout.flush()


def _results_format(value: str, file: Path | None) -> tuple[ResultsFormat, Path | None]:
    """The results format ``-f``/``--format`` names, and the query file.

    ``-f`` means ``--format`` in every command; ``kb sparql -f FILE`` once meant ``--file``, so a
    value that is no format but names a file is still read as one, with a note.
    """
    try:
        return ResultsFormat(value.lower()), file
    except ValueError:
        if file is None and (Path(value).suffix or Path(value).exists()):
            _console.print(f"note: -f means --format; reading the query from {value} (use --file {value})", markup=False, soft_wrap=True)
            return ResultsFormat.json, Path(value)
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(f.value for f in ResultsFormat)}", param_hint="'--format' / '-f'") from None


def _read_query(file: Path) -> str:
    """The text of a query file, or an error naming it."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise typer.BadParameter(f"file {str(file)!r} does not exist", param_hint="'--file'") from None
    except UnicodeDecodeError as error:
        raise QueryError(f"{file}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise QueryError(f"cannot read {file}: {error.strerror or error}") from None


#: Results of a query with --timeout are held in memory up to this size, then in a temporary file.
_SPOOL_BYTES = 32 * 1024 * 1024


def _write_results(result: Any, output: Any, fmt: ResultsFormat) -> None:
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        result.serialize(output, _RESULTS[fmt])
    else:  # CONSTRUCT / DESCRIBE: print N-Triples
        ox.serialize(cast(Iterable[ox.Triple], result), output, ox.RdfFormat.N_TRIPLES)


def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="FORMAT", help=f"One of: {', '.join(f.name for f in EXPORT_FORMATS)}. Default: from the -o file's extension, else nquads."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file (default: standard output); a directory for kgx.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Export only this source's graph.")] = None,
    infores: Annotated[str | None, typer.Option("--infores", envvar="KB_INFORES", help="KGX: the KB's infores CURIE, every edge's primary_knowledge_source.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Export the graph a CONSTRUCT template builds (e.g. drug_evidence).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter of --query as key=value; repeat for more.")] = None,
    drug: Annotated[str | None, typer.Option("--drug", help="Tables: orient every row as this drug's arm against its comparator (name, synonym, CURIE or IRI).")] = None,
) -> None:
    """Export the KB (or one source, or a CONSTRUCT template's graph) as RDF, KGX, graph files or evidence tables (CSV)."""
    fmt = fmt or _format_of(output)
    if query is not None:
        if drug is not None:
            raise KBError("--drug goes with the tables (evidence-csv, adverse-events-csv); give a template's drug with -p drug=NAME")
        _export_construct(ctx, query, param or [], fmt, output, source)
        return
    if param:
        raise KBError("--param goes with --query")
    with open_kb(ctx, read_only=True) as kb:
        result = kb.export(fmt, output, source=source, infores=infores, drug=drug)
    sys.stdout.flush()
    if result.kgx is not None:
        report = result.kgx
        _console.print(f"wrote {output}: {report.nodes} nodes, {report.edges} edges (KGX TSV and JSON Lines); "
                       f"{len(report.left_out_nodes)} unresolved concept(s) and {report.left_out_edges} edge(s) left out")
    elif output is not None:
        _console.print(f"wrote {output}" + (f" ({result.rows} rows)" if result.rows is not None else ""))
    for reason, count in sorted((result.left_out or {}).items()):
        _console.print(f"left out {count} row(s): {reason}", markup=False)


#: The format an output file's extension names, when --format is not given (one format per extension:
#: .csv and .json, which several formats write, are left out).
_FORMAT_OF_SUFFIX = {
    ".nq": "nquads", ".nquads": "nquads", ".trig": "trig", ".jsonld": "jsonld", ".ttl": "turtle", ".turtle": "turtle",
    ".nt": "nt", ".ntriples": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml", ".graphml": "graphml", ".gexf": "gexf",
}


def _format_of(output: Path | None) -> str:
    """The export format ``output``'s extension names; N-Quads on standard output.

    :raises typer.BadParameter: when the extension names no single format: a ``.ttl`` file must
        not receive N-Quads.
    """
    if output is None:
        return "nquads"
    found = _FORMAT_OF_SUFFIX.get(output.suffix.lower())
    if found is None:
        hint = {".csv": " (evidence-csv or adverse-events-csv)", ".json": " (node-link, cytoscape or jsonld)"}.get(output.suffix.lower(), "")
        raise typer.BadParameter(f"cannot tell the format from {str(output)!r}: give --format{hint}", param_hint="'--format' / '-f'")
    return found


def _export_construct(ctx: typer.Context, name: str, pairs: list[str], fmt: str, output: Path | None, source: str | None) -> None:
    from kb.cli.query_cmd import parse_params

    if source is not None:
        raise KBError("--source and --query do not go together: a template reads the whole KB")
    with open_kb(ctx, read_only=True) as kb:
        count = kb.export_construct(name, fmt, output, **parse_params(pairs))
    sys.stdout.flush()
    if output is not None:
        _console.print(f"wrote {output} ({count} triples)")


def validate(ctx: typer.Context) -> None:
    """Check the KB against the SHACL shapes in ontology/shapes.ttl."""
    with open_kb(ctx, read_only=True) as kb:
        report = kb.validate()
    if not report.conforms:
        sys.stdout.write(report.text)
        raise ValidationFailed(f"the KB does not conform to the SHACL shapes: {report.violations} violation(s)", report.text)
    _console.print("the KB conforms to the SHACL shapes")


def stats(
    ctx: typer.Context,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
    triples: Annotated[
        bool, typer.Option("--triples", help="Also count distinct triples (a triple in several graphs once): a scan of the whole store.")
    ] = False,
) -> None:
    """Counts of sources, publications, trials, findings and statements.

    quads counts a triple once per graph that holds it, as SPARQL over the union does (read from the sizes the graphs record: fast at any size); --triples adds the distinct triples, a scan of the store.
    """
    with open_kb(ctx, read_only=True) as kb:
        row = kb.stats(distinct_triples=triples)
    print_rows(tuple(load_template("stats").columns) + (("triples",) if triples else ()), [row], fmt)


def schema() -> None:
    """Print the JSON Schema of findings files, for curators and extraction tools."""
    from kb.models import FindingsDocument  # the pydantic models: only this command needs them

    json.dump(FindingsDocument.model_json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""
    app.command()(init)
    app.add_typer(sources_app, name="sources")
    app.command()(stats)
    app.command()(sparql)
    app.command()(export)
    app.command()(validate)
    app.command()(schema)
