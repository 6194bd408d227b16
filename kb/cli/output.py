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

__all__ = ["RowFormat", "print_rows", "print_report", "stderr_console", "fitting_columns", "pick_columns"]

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


def print_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: RowFormat, *, title: str | None = None, fit: bool = True
) -> None:
    """Write ``rows`` to standard output in ``fmt``.

    A table shows the leading columns that fit the console's width (``fit``) and names the others
    on standard error; ``fit=False`` shows every column, folding cells to make room.
    """
    if fmt is RowFormat.json:
        json.dump([dict(zip(columns, row)) for row in rows], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt in (RowFormat.csv, RowFormat.tsv):
        writer = csv.writer(sys.stdout, delimiter="," if fmt is RowFormat.csv else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(value) for value in row] for row in rows)
    else:
        # Off a terminal (pipes, files, tests) rich would squeeze tables into 80 columns.
        console = Console() if sys.stdout.isatty() else Console(width=240)
        cells = [[_cell(value) for value in row] for row in rows]
        shown = fitting_columns(columns, cells, console.width) if fit else list(range(len(columns)))
        table = Table(title=title, show_lines=False, header_style="bold")
        for index in shown:
            table.add_column(columns[index], overflow="fold")
        for row in cells:
            table.add_row(*(row[index] for index in shown))
        console.print(table)
        note = Console(stderr=True, highlight=False, soft_wrap=True)
        note.print(f"[dim]{len(rows)} row{'s' if len(rows) != 1 else ''}[/dim]")
        hidden = [column for index, column in enumerate(columns) if index not in shown]
        if hidden:
            note.print(
                f"[dim]{len(hidden)} more column(s) do not fit in {console.width} characters: {escape(', '.join(hidden))} "
                "(pick columns with --columns, or see them all with --format csv or json)[/dim]"
            )


#: The widest a column is counted when tables are fitted to the terminal: longer cells fold.
_FOLD_AT = 40
#: A column's share of a table's borders and padding (" │ " between columns).
_COLUMN_FRAME = 3


def fitting_columns(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> list[int]:
    """The indexes of the leading columns that fit in ``width`` characters (at least the first).

    A column counts the width of its header or its widest cell, up to :data:`_FOLD_AT` (a longer
    cell folds onto more lines), so that no column is squeezed to a few characters per line.

    >>> fitting_columns(["a", "b", "c"], [["x" * 10, "y" * 60, "z"]], 60)
    [0, 1]
    >>> fitting_columns(["a", "b"], [["x" * 100, "y"]], 20)
    [0]
    """
    shown: list[int] = []
    used = 1  # the table's left border
    for index, column in enumerate(columns):
        widest = max([len(column), *(len(row[index]) for row in cells)])
        need = min(widest, max(_FOLD_AT, len(column))) + _COLUMN_FRAME
        if shown and used + need > width:
            break
        shown.append(index)
        used += need
    return shown


def pick_columns(columns: Sequence[str], wanted: str) -> list[int]:
    """The indexes of the columns ``--columns a,b,c`` names, in that order.

    :raises ParameterError: naming a column the result does not have, and the ones it has.
    """
    from kb.errors import ParameterError

    names = [name.strip() for name in wanted.split(",") if name.strip()]
    if not names:
        raise ParameterError("--columns names no column: give them as a,b,c")
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise ParameterError(f"no column {', '.join(map(repr, unknown))} in these results; the columns are: {', '.join(columns)}")
    return [list(columns).index(name) for name in names]


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
