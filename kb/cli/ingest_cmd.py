"""``kb ingest``: read files (or fetch records) with an installed reader and load them.

Every record becomes one source graph. A run reads all its input before it writes
anything: a file that turns out malformed halfway (or a fetch that fails) leaves the
store as it was, while single bad records are skipped, reported at the end, and do
not stop the others.
"""

# No "from __future__ import annotations": typer reads the commands' Annotated help texts, built in closures.

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kb.cli.context import open_kb, settings
from kb.errors import KBError
from kb.loader import LoadReport, load_documents
from kb.models import FindingsDocument
from kb.readers import ReadNote, SkippedRecord, get_fetcher, get_reader
from kb.vocab import get_vocabulary

__all__ = ["app", "ingest_files", "ingest_fetched", "print_report", "read_id_list"]

app = typer.Typer(help="Ingest source records into the KB.", no_args_is_help=True)
_console = Console(stderr=True, highlight=False, soft_wrap=True)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures; no progress bar.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on standard output.")]


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    """A records/rate progress bar on a terminal's stderr; silent in pipes and with --quiet/--json."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=_console,
        disable=not (enabled and _console.is_terminal),
        transient=True,
    )
    with progress:
        yield progress


def _counted(progress: Progress, label: str, total: int, documents: Iterable[tuple[str, FindingsDocument]]) -> Iterator[tuple[str, FindingsDocument]]:
    task = progress.add_task(label, total=total, rate="")
    for item in documents:
        yield item
        progress.advance(task)
        speed = progress.tasks[task].speed
        if speed:
            progress.update(task, rate=f"{speed:,.0f}/s")


def _load(ctx: typer.Context, documents: Iterable[tuple[str, FindingsDocument]]) -> LoadReport:
    with open_kb(ctx) as store:
        return load_documents(store, documents, iris=settings(ctx).iris, vocabulary=get_vocabulary())


def ingest_files(ctx: typer.Context, reader_name: str, files: list[Path], *, show_progress: bool = False) -> LoadReport:
    """Read ``files`` with the named reader and load every record that validates.

    Each file is read to its end first (streamed, nothing kept), so a file that cannot be
    read loads nothing; then it is read again and loaded record by record.
    """
    reader = get_reader(reader_name)
    failures: list[tuple[str, str]] = []
    notes: list[str] = []
    readable: list[tuple[Path, int]] = []
    for path in files:
        try:
            good = 0
            skipped: list[SkippedRecord] = []
            file_notes: list[str] = []
            for item in reader.read(path):
                if isinstance(item, SkippedRecord):
                    skipped.append(item)
                elif isinstance(item, ReadNote):
                    file_notes.append(str(item))
                else:
                    good += 1
        except KBError as error:
            failures.append((str(path), str(error)))
            continue
        failures.extend((str(path), str(record)) for record in skipped)
        notes.extend(file_notes)
        readable.append((path, good))

    def documents() -> Iterator[tuple[str, FindingsDocument]]:
        for path, _ in readable:
            for item in reader.read(path):
                if isinstance(item, FindingsDocument):
                    yield str(path), item

    total = sum(count for _, count in readable)
    with _progress(show_progress) as progress:
        report = _load(ctx, _counted(progress, f"ingest {reader_name}", total, documents()))
    report.failed[:0] = failures
    report.notes.extend(notes)
    return report


def ingest_fetched(
    ctx: typer.Context,
    fetcher_name: str,
    identifiers: list[str],
    *,
    show_progress: bool = False,
    keep: dict[str, FindingsDocument] | None = None,
) -> LoadReport:
    """Fetch records by identifier with the named fetcher and load them.

    Identifiers are checked before any request; everything is fetched (through the
    on-disk cache) before anything is written, so a failed fetch leaves the store as it was.
    ``keep``, when given, receives the fetched documents by source id.
    """
    fetcher = get_fetcher(fetcher_name)
    failures: list[tuple[str, str]] = []
    notes: list[str] = []
    fetched: list[tuple[str, FindingsDocument]] = []
    with _progress(show_progress) as progress:
        task = progress.add_task(f"fetch {fetcher_name}", total=len(identifiers), rate="")
        for item in fetcher.fetch(identifiers):
            if isinstance(item, SkippedRecord):
                failures.append((item.location, str(item)))
            elif isinstance(item, ReadNote):
                notes.append(str(item))
            else:
                fetched.append((f"{fetcher_name}:{item.source.id}", item))
                if keep is not None:
                    keep[item.source.id] = item
            progress.advance(task)
        report = _load(ctx, _counted(progress, f"ingest {fetcher_name}", len(fetched), fetched))
    report.failed[:0] = failures
    report.notes.extend(notes)
    return report


def read_id_list(path: Path) -> list[str]:
    """Identifiers from a text file: one per line (or separated by spaces/commas); '#' starts a comment."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise KBError(f"{path}: cannot read the identifier list: {error}") from error
    identifiers: list[str] = []
    for line in text.splitlines():
        identifiers.extend(part for part in line.split("#", 1)[0].replace(",", " ").split() if part)
    return identifiers


def print_report(report: LoadReport, *, quiet: bool, as_json: bool) -> None:
    """Print what a load did: a JSON summary on stdout, or one line per source on stderr."""
    if as_json:
        payload = {
            "loaded": [{"source": s.source_id, "status": s.status.value, "triples": s.triples, "file": s.file} for s in report.loaded],
            "failed": [{"file": f, "error": e} for f, e in report.failed],
            "unresolved": [{"text": u.text, "category": u.category, "path": u.path} for u in report.unresolved],
            "notes": report.notes,
            "counts": report.status_counts() | {"failed": len(report.failed), "unresolved": len(report.unresolved)},
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if not quiet:
        shown = report.loaded if len(report.loaded) <= 50 else []
        for source in shown:
            _console.print(f"{source.status.value:>9}  {source.source_id}  ({source.triples} statements)  {escape(source.file or '')}")
        for note in report.notes:
            _console.print(f"[cyan]note[/cyan]  {escape(note)}")
        for name in report.unresolved[:50]:
            _console.print(f"[yellow]unresolved {name.category}[/yellow] {escape(repr(name.text))} at {escape(name.path)}: kept as {name.iri}")
    for _, error in report.failed:
        _console.print(f"[bold red]failed[/bold red]  {escape(error)}")
    if not quiet:
        counts = report.status_counts()
        if len(report.unresolved) > 50:
            _console.print(f"... and {len(report.unresolved) - 50} more unresolved names: kb query unresolved lists them all")
        _console.print(
            f"{len(report.loaded)} source(s) loaded ({counts['added']} added, {counts['replaced']} replaced, "
            f"{counts['unchanged']} unchanged), {len(report.failed)} failed"
        )


def _finish(report: LoadReport, quiet: bool, as_json: bool) -> None:
    print_report(report, quiet=quiet, as_json=as_json)
    if report.failed:
        raise typer.Exit(code=1)


def _file_command(reader_name: str, help_text: str, file_help: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        files: Annotated[list[Path], typer.Argument(help=file_help, exists=True, dir_okay=False)],
        quiet: Quiet = False,
        as_json: AsJson = False,
    ) -> None:
        report = ingest_files(ctx, reader_name, files, show_progress=not (quiet or as_json))
        _finish(report, quiet, as_json)

    command.__doc__ = help_text
    return command


_FILE_COMMANDS = {
    "findings": ("Ingest curated findings files; each file is one source, loaded all or nothing.", "Findings files (.yaml, .yml, .json)."),
    "pubmed": ("Ingest PubMed XML (PubmedArticleSet, plain or .gz), streamed; one source per article.", "PubMed XML files."),
    "medline": ("Ingest MEDLINE/.nbib text exported from PubMed; one source per record.", "MEDLINE files."),
    "crossref": ("Ingest saved Crossref /works responses (one work or a list); one source per work.", "Crossref JSON files."),
    "csl": ("Ingest CSL-JSON (one item or a list); one source per item.", "CSL-JSON files."),
    "bibtex": ("Ingest BibTeX/BibLaTeX; one source per entry.", "BibTeX files."),
    "ris": ("Ingest RIS exports (EndNote, Zotero, Mendeley, Scopus, Web of Science); one source per record.", "RIS files."),
    "ctgov": ("Ingest saved ClinicalTrials.gov studies (API v2 JSON or legacy XML); one source per study.", "Study files (.json, .xml)."),
}
for _name, (_help, _file_help) in _FILE_COMMANDS.items():
    app.command(_name)(_file_command(_name, _help, _file_help))


def _identifiers(given: list[str] | None, from_file: Path | None) -> list[str]:
    ids = list(given or []) + (read_id_list(from_file) if from_file else [])
    if not ids:
        raise typer.BadParameter("give identifiers, or --from-file FILE", param_hint="IDENTIFIERS")
    return ids


def _fetch_command(fetcher_name: str, help_text: str, id_help: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        identifiers: Annotated[list[str] | None, typer.Argument(help=id_help)] = None,
        from_file: Annotated[
            Path | None, typer.Option("--from-file", help="A file of identifiers, one per line.", exists=True, dir_okay=False)
        ] = None,
        quiet: Quiet = False,
        as_json: AsJson = False,
    ) -> None:
        ids = _identifiers(identifiers, from_file)
        report = ingest_fetched(ctx, fetcher_name, ids, show_progress=not (quiet or as_json))
        _finish(report, quiet, as_json)

    command.__doc__ = help_text
    return command


_FETCH_COMMANDS = {
    "doi": ("Fetch works by DOI from Crossref's REST API and ingest them.", "DOIs (with or without https://doi.org/)."),
    "pmid": ("Fetch articles by PMID from NCBI E-utilities (efetch, 200 per request) and ingest them.", "PubMed ids."),
}
for _name, (_help, _id_help) in _FETCH_COMMANDS.items():
    app.command(_name)(_fetch_command(_name, _help, _id_help))


def registry_pmids(report: LoadReport, documents: dict[str, FindingsDocument]) -> list[str]:
    """The PMIDs the loaded studies list as references, in order, once each."""
    pmids: dict[str, None] = {}
    for source in report.loaded:
        document = documents.get(source.source_id)
        for trial in document.trials if document else ():
            for reference in trial.references:
                if reference.pmid:
                    pmids.setdefault(reference.pmid, None)
    return list(pmids)


@app.command("nct")
def nct(
    ctx: typer.Context,
    identifiers: Annotated[list[str] | None, typer.Argument(help="NCT ids.")] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", help="A file of NCT ids, one per line.", exists=True, dir_okay=False)] = None,
    with_publications: Annotated[
        bool, typer.Option("--with-publications", help="Also fetch the studies' reference PMIDs from PubMed and ingest them.")
    ] = False,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Fetch studies by NCT id from the ClinicalTrials.gov API v2 and ingest them."""
    ids = _identifiers(identifiers, from_file)
    seen: dict[str, FindingsDocument] = {}
    report = ingest_fetched(ctx, "nct", ids, show_progress=not (quiet or as_json), keep=seen)
    if with_publications:
        pmids = registry_pmids(report, seen)
        if pmids:
            publications = ingest_fetched(ctx, "pmid", pmids, show_progress=not (quiet or as_json))
            report.loaded.extend(publications.loaded)
            report.failed.extend(publications.failed)
            report.notes.extend(publications.notes)
    _finish(report, quiet, as_json)
