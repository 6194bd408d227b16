"""Store commands: init, sources, stats, sparql, export, validate, schema."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer
from rich.console import Console

from kb.cli.context import open_kb, settings
from kb.cli.output import RowFormat, print_rows
from kb.errors import KBError, ValidationFailed
from kb.export import EXPORT_FORMATS, write_rdf
from kb.network import GRAPH_FORMATS, to_networkx, write_graph
from kb.kgx import write_kgx
from kb.tables import TABLE_FORMATS, write_table
from kb.loader import ensure_vocabulary, list_sources, remove_source
from kb.models import FindingsDocument
from kb.rdf.terms import iri
from kb.vocab import get_vocabulary

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


def init(ctx: typer.Context) -> None:
    """Create the store (if needed) and load the ontology and vocabularies."""
    with open_kb(ctx) as store:
        loaded = ensure_vocabulary(store, settings(ctx).iris, get_vocabulary())
        _console.print(f"store ready at {store.path or ':memory:'} ({'vocabulary loaded' if loaded else 'vocabulary up to date'})")


sources_app = typer.Typer(help="List or remove source records (one named graph each).", no_args_is_help=True)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
) -> None:
    """List the sources in the store with their provenance."""
    with open_kb(ctx, read_only=True) as store:
        rows = [(s.source_id, s.kind, s.file, s.derived_from, s.generated_at, s.triples) for s in list_sources(store)]
    print_rows(("source", "kind", "file", "derived_from", "generated_at", "triples"), rows, fmt)


@sources_app.command("remove")
def sources_remove(ctx: typer.Context, source_id: Annotated[str, typer.Argument(help="The source id, as 'kb sources list' shows it.")]) -> None:
    """Delete exactly one source's statements."""
    with open_kb(ctx) as store:
        removed = remove_source(store, source_id, iris=settings(ctx).iris)
    _console.print(f"removed source {source_id!r} ({removed} statements)")


def sparql(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="A SPARQL 1.1 query (read-only).")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a file.", exists=True, dir_okay=False)] = None,
    fmt: Annotated[ResultsFormat, typer.Option("--format", help="SPARQL results format.")] = ResultsFormat.json,
) -> None:
    """Run a SPARQL query over the union of all graphs; print SPARQL 1.1 results."""
    if (query is None) == (file is None):
        raise typer.BadParameter("give a query or --file, not both", param_hint="QUERY")
    text = file.read_text(encoding="utf-8") if file else query
    with open_kb(ctx, read_only=True) as store:
        result = store.raw_query(text or "")
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            result.serialize(sys.stdout.buffer, _RESULTS[fmt])
        else:  # CONSTRUCT / DESCRIBE: print N-Triples
            ox.serialize(result, sys.stdout.buffer, ox.RdfFormat.N_TRIPLES)
    sys.stdout.flush()


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(EXPORT_FORMATS + TABLE_FORMATS + GRAPH_FORMATS)}, kgx.")] = "nquads",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file (default: standard output).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Export only this source's graph.")] = None,
    infores: Annotated[str | None, typer.Option("--infores", envvar="KB_INFORES", help="KGX: the KB's infores CURIE, every edge's primary_knowledge_source.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Export the graph a CONSTRUCT template builds (e.g. drug_evidence).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter of --query as key=value; repeat for more.")] = None,
) -> None:
    """Export the KB (or one source, or a CONSTRUCT template's graph) as RDF, KGX, graph files or evidence tables (CSV)."""
    if query is not None:
        _export_construct(ctx, query, param or [], fmt, output, source)
        return
    if param:
        raise KBError("--param goes with --query")
    with open_kb(ctx, read_only=True) as store:
        if fmt == "kgx":
            if output is None:
                raise KBError("--format kgx writes nodes and edges files: give their directory with -o DIR")
            report = write_kgx(store, output, source_id=source, knowledge_source=infores)
            _console.print(f"wrote {output}: {report.nodes} nodes, {report.edges} edges (KGX TSV and JSON Lines); "
                           f"{len(report.left_out_nodes)} unresolved concept(s) and {report.left_out_edges} edge(s) left out")
            return
        if fmt in GRAPH_FORMATS:
            if source is not None:
                raise KBError("--source applies to RDF formats; graph files cover the whole KB")
            write_graph(to_networkx(store), output or sys.stdout.buffer, format=fmt)
            sys.stdout.flush()
            return
        if fmt in TABLE_FORMATS:
            if source is not None:
                raise KBError("--source applies to RDF formats; tables cover the whole KB")
            count = write_table(store, output or sys.stdout.buffer, format=fmt)
            sys.stdout.flush()
            if output is not None:
                _console.print(f"wrote {output} ({count} rows)")
            return
        graph = None
        if source is not None:
            graph = iri(settings(ctx).iris.source_graph(source))
            if not store.has_graph(graph):
                raise KBError(f"no source {source!r} in the store")
        if output is None:
            write_rdf(store, sys.stdout.buffer, format=fmt, graph=graph)
            sys.stdout.flush()
        else:
            write_rdf(store, output, format=fmt, graph=graph)
            _console.print(f"wrote {output}")


def _export_construct(ctx: typer.Context, name: str, pairs: list[str], fmt: str, output: Path | None, source: str | None) -> None:
    from kb.cli.query_cmd import parse_params
    from kb.export import write_triples
    from kb.query import construct_template

    if source is not None:
        raise KBError("--source and --query do not go together: a template reads the whole KB")
    from kb.vocab_store import load_vocabulary

    with open_kb(ctx, read_only=True) as store:
        triples = construct_template(store, name, parse_params(pairs), vocabulary=load_vocabulary(store, settings(ctx).iris))
    write_triples(triples, output or sys.stdout.buffer, format=fmt)
    sys.stdout.flush()
    if output is not None:
        _console.print(f"wrote {output} ({len(triples)} triples)")


def validate(ctx: typer.Context) -> None:
    """Check the KB against the SHACL shapes in ontology/shapes.ttl."""
    from kb.validate import validate_store

    with open_kb(ctx, read_only=True) as store:
        report = validate_store(store)
    if not report.conforms:
        sys.stdout.write(report.text)
        raise ValidationFailed(f"the KB does not conform to the SHACL shapes: {report.violations} violation(s)", report.text)
    _console.print("the KB conforms to the SHACL shapes")


def stats(
    ctx: typer.Context,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
) -> None:
    """Counts of sources, publications, trials, findings and statements."""
    from kb.query import load_template, run_template

    with open_kb(ctx, read_only=True) as store:
        rows = run_template(store, "stats")
    print_rows(tuple(load_template("stats").columns), rows, fmt)


def schema() -> None:
    """Print the JSON Schema of findings files, for curators and extraction tools."""
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
