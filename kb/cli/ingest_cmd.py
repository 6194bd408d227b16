"""``kb ingest``: read files (or fetch records) with an installed reader and load them.

The commands come from the table of input formats (:data:`kb.formats.INPUT_FORMATS`); the
work is :meth:`kb.KnowledgeBase.ingest` and :meth:`~kb.KnowledgeBase.fetch`. This module
only parses arguments, shows progress and prints the report.
"""

# No "from __future__ import annotations": typer reads the commands' Annotated help texts, built in closures.

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from kb.cli.context import Wait, open_kb, settings
from kb.cli.output import stderr_console
from kb.errors import KBError, StoreError, cap
from kb.formats import INPUT_FORMATS, InputMode
from kb.ingestion import Advance, LoadReport, ProgressHook
from kb.knowledge_base import KnowledgeBase
from kb.models import FindingsDocument

__all__ = ["app", "read_id_list", "registry_pmids", "print_ingest_report", "INTERRUPTED_EXIT"]

app = typer.Typer(help="Ingest source records into the KB.", no_args_is_help=True)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures; no progress bar.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on standard output.")]
Extract = Annotated[bool, typer.Option("--extract", help="Also propose findings from each loaded publication's abstract, loaded as its draft source (kb extract).")]
#: The readers and fetchers that load publications with abstracts, which --extract reads.
_EXTRACTS = {"pubmed", "medline", "crossref", "doi", "pmid"}


def _extract_loaded(kb: KnowledgeBase, report: LoadReport, quiet: bool) -> None:
    """Extract the abstracts of the sources ``report`` loaded into their draft sources (kb.extraction.drafts)."""
    from kb.extraction.curation import extract_stored, stored_abstracts
    from kb.extraction.plugins import get_extractor

    stored = stored_abstracts(kb, "source", [source.source_id for source in report.sources()])
    unique = list({item.node: item for item in stored}.values())
    run = extract_stored(kb, unique, get_extractor(vocabulary=kb.vocabulary))
    if run.report is not None:
        report.failed.extend(run.report.failed)
        if not quiet:
            for source in run.report.sources():
                stderr_console.print(f"{source.status.value:>9}  {source.source_id}  (draft, {source.triples} statements)", markup=False)
        report.notes.append(f"extraction: {len(run.report.sources())} draft source(s) from {len(unique)} abstract(s); kb curate lists them")


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressHook]:
    """A progress bar on a terminal's stderr from the first second: count, rate, elapsed time and ETA
    (where the total is known: fetched identifiers, files, records); silent in pipes and with --quiet/--json."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=stderr_console,
        disable=not (enabled and stderr_console.is_terminal),
        transient=True,
        refresh_per_second=4,
    )

    def start(label: str, total: int | None) -> Advance:
        task = progress.add_task(label, total=total, rate="0/s")

        def advance() -> None:
            progress.advance(task)
            speed = progress.tasks[task].speed
            if speed:
                progress.update(task, rate=f"{speed:,.0f}/s")

        return advance

    with progress:
        yield start


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


@contextmanager
def reporting_interruption(as_json: bool, files: list[Path] | None = None) -> Iterator[None]:
    """Say what a bulk ingest that stopped on a write error (a full disk) committed and what not
    (and which of ``files`` it did not read), then let the one-line error through (exit 1)."""
    from kb.ingestion.bulk import IngestInterrupted

    try:
        yield
    except IngestInterrupted as stopped:
        names = [str(path) for path in files or []]
        unread = names[names.index(stopped.file) + 1:] if stopped.file in names else []
        if as_json:
            summary = {"committed": stopped.committed, "not_committed": stopped.not_committed, "files_not_read": unread, "error": str(stopped)}
            json.dump(summary, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            for source_id in stopped.not_committed[:_SHOWN_NOT_COMMITTED]:
                stderr_console.print(f"[bold red]not committed[/bold red]  {escape(source_id)}")
            if len(stopped.not_committed) > _SHOWN_NOT_COMMITTED:
                stderr_console.print(f"... and {len(stopped.not_committed) - _SHOWN_NOT_COMMITTED} more not committed")
            for name in unread:
                stderr_console.print(f"[bold red]not read[/bold red]  {escape(name)}")
            stderr_console.print(f"{len(stopped.committed)} source(s) committed, {len(stopped.not_committed)} not committed")
        raise


#: Sources not committed that a stopped ingest lists one per line.
_SHOWN_NOT_COMMITTED = 50

#: Lines of sources (and of superseded records) printed one by one; above it, the counts only.
_SHOWN = 50
#: Unresolved names listed one by one (short) when there are no more than this; above, the count only.
_FEW_UNRESOLVED = 5
#: The exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED_EXIT = 130


def print_ingest_report(report: LoadReport, *, quiet: bool, as_json: bool) -> None:
    """What an ingest did: JSON on stdout, or on stderr a line per source (up to 50), the notes, the
    failures, unresolved names as one count with the command that lists them, and the counts."""
    if as_json:
        json.dump(report.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = stderr_console
    sources, superseded = report.sources(), report.superseded()
    if not quiet:
        for source in sources if len(sources) <= _SHOWN else []:
            console.print(f"{source.status.value:>9}  {source.source_id}  ({source.triples} statements)  {escape(source.file or '')}")
        for source in superseded if len(superseded) <= _SHOWN else []:
            console.print(f"[cyan]note[/cyan]  {escape(source.file or '')}: source {source.source_id} is loaded again by a later "
                          f"file of this run, which replaces this record (counted once)")
        for note in report.notes:
            console.print(f"[cyan]note[/cyan]  {escape(note)}")
    for _, error in report.failed:
        console.print(f"[bold red]failed[/bold red]  {escape(error)}")
    if quiet:
        return
    if report.unresolved:
        uses: dict[tuple[str, str], int] = {}
        for name in report.unresolved:
            uses[(name.category, name.text)] = uses.get((name.category, name.text), 0) + 1
        names = list(uses)
        if len(names) <= _FEW_UNRESOLVED:  # a few are worth naming, one short line each
            for category, text in names:
                console.print(f"[yellow]unresolved {category}[/yellow] {escape(repr(cap(text, 80)))} ({uses[(category, text)]} use(s))")
        by_category: dict[str, int] = {}
        for category, _ in names:
            by_category[category] = by_category.get(category, 0) + 1
        detail = ", ".join(f"{count} {category}" for category, count in sorted(by_category.items()))
        console.print(f"[yellow]{len(names)} name(s) did not resolve[/yellow] ({detail}; kept with local IRIs): "
                      f"kb query unresolved lists them")
    counts = report.status_counts()
    again = f"; {len(superseded)} record(s) replaced by a later file of this run" if superseded else ""
    console.print(
        f"{len(sources)} source(s) loaded ({counts['added']} added, {counts['replaced']} replaced, "
        f"{counts['unchanged']} unchanged), {len(report.failed)} failed{again}"
    )


def _finish(report: LoadReport, quiet: bool, as_json: bool) -> None:
    print_ingest_report(report, quiet=quiet, as_json=as_json)
    if report.interrupted:
        if not as_json:
            stderr_console.print("interrupted: the sources listed were committed, whole; the same kb ingest loads the rest")
        raise typer.Exit(code=INTERRUPTED_EXIT)
    if report.failed:
        raise typer.Exit(code=1)


@contextmanager
def reporting_failure(as_json: bool) -> Iterator[None]:
    """With ``--json``, print a failure that stops the whole command (a fetch that cannot reach its
    service) as JSON on stdout too; the one-line error follows on stderr (exit 1). A Ctrl-C outside
    the runner (while a batch commits) exits 130: the crash rule keeps the store consistent."""
    from kb.ingestion.bulk import IngestInterrupted

    try:
        yield
    except IngestInterrupted:
        raise
    except KBError as error:
        if as_json:
            json.dump({"loaded": [], "failed": [], "error": str(error), "counts": {"failed": 1}}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        raise
    except KeyboardInterrupt:
        if as_json:
            json.dump({"interrupted": True, "error": "interrupted"}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        stderr_console.print("interrupted while committing: the store keeps every source whole; the same kb ingest loads the rest")
        raise typer.Exit(code=INTERRUPTED_EXIT) from None


def _emit_kb(ctx: typer.Context) -> KnowledgeBase:
    """For ``--emit``: the store opened read-only (for its user vocabularies) if there is one, else an empty KB."""
    try:
        return open_kb(ctx, read_only=True)
    except StoreError:
        return KnowledgeBase.memory(base=settings(ctx).base)


#: The input rule (kb.ingestion.runner.check_regular_file), said in every file command's help.
_REGULAR_ONLY = " Regular files only: a FIFO, a device (/dev/null) or <(...) process substitution is refused."


def _file_command(reader_name: str, help_text: str, file_help: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        files: Annotated[list[Path], typer.Argument(help=file_help + _REGULAR_ONLY, exists=True, dir_okay=False)],
        emit: Annotated[
            str | None,
            typer.Option("--emit", help="Write 'nquads' files to -o DIR (one per input file, and vocabulary.nq) instead of the store."),
        ] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="The directory for --emit.", file_okay=False)] = None,
        quiet: Quiet = False,
        as_json: AsJson = False,
        wait: Wait = 0.0,
        extract: Extract = False,
    ) -> None:
        if extract and (reader_name not in _EXTRACTS or emit is not None):
            raise typer.BadParameter(f"--extract reads abstracts of the KB: it goes with {', '.join(sorted(_EXTRACTS))}, without --emit", param_hint="--extract")
        if emit is None:
            if output is not None:
                raise typer.BadParameter("-o/--output goes with --emit nquads", param_hint="--output")
            with reporting_failure(as_json), reporting_interruption(as_json, files), open_kb(ctx, wait=wait) as kb, progress_bar(not (quiet or as_json)) as progress:
                report = kb.ingest(reader_name, files, progress=progress)
                if extract and not report.interrupted:
                    _extract_loaded(kb, report, quiet or as_json)
        else:
            if emit.lower() not in ("nquads", "nq"):
                raise typer.BadParameter(f"cannot emit {emit!r}: use nquads", param_hint="--emit")
            if output is None:
                raise typer.BadParameter("--emit needs -o DIR", param_hint="--output")
            # The store is never written: opened read-only (user vocabularies) when it exists.
            with reporting_failure(as_json), _emit_kb(ctx) as kb, progress_bar(not (quiet or as_json)) as progress:
                report = kb.ingest(reader_name, files, progress=progress, emit=output)
        _finish(report, quiet, as_json)

    command.__doc__ = help_text
    return command


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
        wait: Wait = 0.0,
        extract: Extract = False,
    ) -> None:
        ids = _identifiers(identifiers, from_file)
        if extract and fetcher_name not in _EXTRACTS:
            raise typer.BadParameter(f"--extract goes with {', '.join(sorted(_EXTRACTS))}", param_hint="--extract")
        with reporting_failure(as_json), reporting_interruption(as_json), open_kb(ctx, wait=wait) as kb, progress_bar(not (quiet or as_json)) as progress:
            report = kb.fetch(fetcher_name, ids, progress=progress)
            if extract and not report.interrupted:
                _extract_loaded(kb, report, quiet or as_json)
        _finish(report, quiet, as_json)

    command.__doc__ = help_text
    return command


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


def _nct_command(help_text: str, id_help: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        identifiers: Annotated[list[str] | None, typer.Argument(help=id_help)] = None,
        from_file: Annotated[Path | None, typer.Option("--from-file", help="A file of NCT ids, one per line.", exists=True, dir_okay=False)] = None,
        with_publications: Annotated[
            bool, typer.Option("--with-publications", help="Also fetch the studies' reference PMIDs from PubMed and ingest them.")
        ] = False,
        quiet: Quiet = False,
        as_json: AsJson = False,
        wait: Wait = 0.0,
    ) -> None:
        ids = _identifiers(identifiers, from_file)
        seen: dict[str, FindingsDocument] = {}
        with reporting_failure(as_json), reporting_interruption(as_json), open_kb(ctx, wait=wait) as kb, progress_bar(not (quiet or as_json)) as progress:
            report = kb.fetch("nct", ids, progress=progress, keep=seen)
            pmids = registry_pmids(report, seen) if with_publications and not report.interrupted else []
            if pmids:
                publications = kb.fetch("pmid", pmids, progress=progress)
                report.loaded.extend(publications.loaded)
                report.failed.extend(publications.failed)
                report.notes.extend(publications.notes)
                report.interrupted = report.interrupted or publications.interrupted
        _finish(report, quiet, as_json)

    command.__doc__ = help_text
    return command


for _row in INPUT_FORMATS:
    if _row.mode is InputMode.file:
        app.command(_row.name)(_file_command(_row.name, _row.summary, _row.argument_help))
    elif _row.name == "nct":
        app.command(_row.name)(_nct_command(_row.summary, _row.argument_help))
    elif _row.mode is InputMode.search:
        from kb.cli.watch_cmd import search_ingest_command  # the search commands' bodies live with kb watch

        app.command(_row.name)(search_ingest_command(_row.name, _row.summary))
    else:
        app.command(_row.name)(_fetch_command(_row.name, _row.summary, _row.argument_help))
