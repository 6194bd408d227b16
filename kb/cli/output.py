"""Printing: rows as a table, CSV, TSV or JSON; what an ingest did."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from kb.ingestion import LoadReport

__all__ = ["RowFormat", "print_rows", "print_report", "stderr_console"]

#: Messages, progress and reports go to standard error; results to standard output.
stderr_console = Console(stderr=True, highlight=False, soft_wrap=True)
_SHOWN = 50


class RowFormat(StrEnum):
    """Output formats for query rows."""

    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: RowFormat, *, title: str | None = None) -> None:
    """Write ``rows`` to standard output in ``fmt``."""
    if fmt is RowFormat.json:
        json.dump([dict(zip(columns, row)) for row in rows], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt in (RowFormat.csv, RowFormat.tsv):
        writer = csv.writer(sys.stdout, delimiter="," if fmt is RowFormat.csv else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(value) for value in row] for row in rows)
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(value) for value in row))
        # Off a terminal (pipes, files, tests) rich would squeeze tables into 80 columns.
        console = Console() if sys.stdout.isatty() else Console(width=240)
        console.print(table)
        Console(stderr=True).print(f"[dim]{len(rows)} row{'s' if len(rows) != 1 else ''}[/dim]")


def print_report(report: LoadReport, *, quiet: bool, as_json: bool) -> None:
    """Print what a load did: a JSON summary on stdout, or one line per source on stderr."""
    if as_json:
        json.dump(report.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = stderr_console
    if not quiet:
        for source in report.loaded if len(report.loaded) <= _SHOWN else []:
            console.print(f"{source.status.value:>9}  {source.source_id}  ({source.triples} statements)  {escape(source.file or '')}")
        for note in report.notes:
            console.print(f"[cyan]note[/cyan]  {escape(note)}")
        for name in report.unresolved[:_SHOWN]:
            console.print(f"[yellow]unresolved {name.category}[/yellow] {escape(repr(name.text))} at {escape(name.path)}: kept as {name.iri}")
    for _, error in report.failed:
        console.print(f"[bold red]failed[/bold red]  {escape(error)}")
    if not quiet:
        counts = report.status_counts()
        if len(report.unresolved) > _SHOWN:
            console.print(f"... and {len(report.unresolved) - _SHOWN} more unresolved names: kb query unresolved lists them all")
        console.print(
            f"{len(report.loaded)} source(s) loaded ({counts['added']} added, {counts['replaced']} replaced, "
            f"{counts['unchanged']} unchanged), {len(report.failed)} failed"
        )
