"""``kb ingest``: read files with an installed reader and load them, one source graph each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kb.cli.context import open_kb, settings
from kb.errors import KBError
from kb.loader import LoadReport, load_documents
from kb.models import FindingsDocument
from kb.readers import get_reader
from kb.vocab import get_vocabulary

__all__ = ["app", "ingest_files", "print_report"]

app = typer.Typer(help="Ingest source records into the KB.", no_args_is_help=True)
_console = Console(stderr=True, highlight=False, soft_wrap=True)


def ingest_files(ctx: typer.Context, reader_name: str, files: list[Path]) -> LoadReport:
    """Read ``files`` with the named reader and load what validates; failures are collected."""
    reader = get_reader(reader_name)
    failures: list[tuple[str, str]] = []

    def documents() -> Iterator[tuple[str, FindingsDocument]]:
        for path in files:
            try:
                records = list(reader.read(path))
            except KBError as error:
                failures.append((str(path), str(error)))
                continue
            for record in records:
                yield str(path), record

    with open_kb(ctx) as store:
        report = load_documents(store, documents(), iris=settings(ctx).iris, vocabulary=get_vocabulary())
    report.failed[:0] = failures
    return report


def print_report(report: LoadReport, *, quiet: bool, as_json: bool) -> None:
    """Print what a load did: a JSON summary on stdout, or one line per source on stderr."""
    if as_json:
        payload = {
            "loaded": [{"source": s.source_id, "status": s.status.value, "triples": s.triples, "file": s.file} for s in report.loaded],
            "failed": [{"file": f, "error": e} for f, e in report.failed],
            "unresolved": [{"text": u.text, "category": u.category, "path": u.path} for u in report.unresolved],
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if not quiet:
        for source in report.loaded:
            _console.print(f"{source.status.value:>9}  {source.source_id}  ({source.triples} statements)  {source.file or ''}")
        for name in report.unresolved:
            _console.print(f"[yellow]unresolved {name.category}[/yellow] {escape(repr(name.text))} at {escape(name.path)}: kept as {name.iri}")
    for file, error in report.failed:
        _console.print(f"[bold red]failed[/bold red]  {escape(error)}")
    if not quiet:
        _console.print(f"{len(report.loaded)} source(s) loaded, {len(report.failed)} failed")


@app.command("findings")
def findings(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Findings files (.yaml, .yml, .json).", exists=True, dir_okay=False)],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on standard output.")] = False,
) -> None:
    """Ingest curated findings files; each file is one source, loaded all or nothing."""
    report = ingest_files(ctx, "findings", files)
    print_report(report, quiet=quiet, as_json=as_json)
    if report.failed:
        raise typer.Exit(code=1)
