"""Printing rows as a table, CSV, TSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["RowFormat", "print_rows"]


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
