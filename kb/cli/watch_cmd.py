"""``kb watch`` (saved searches), ``kb update`` (re-run them) and the bodies of ``kb ingest pubmed-search|ctgov-search``.

``kb update`` exits with a status a cron job can act on (:data:`EXIT_CODES`, also in
``docs/living-review.md``): 0 nothing new, 3 something new, changed or gone (and loaded), 1 a
search or a record failed (whatever else happened; the rest was committed and is listed), 2 a
usage error (an unknown saved search, a bad option), 130 interrupted.
"""

# No "from __future__ import annotations": typer reads the commands' Annotated help texts, built in closures.

import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from kb.cli.context import Wait, open_kb
from kb.cli.output import stderr_console

if TYPE_CHECKING:
    from kb.living import UpdateResult

__all__ = ["register", "watch_app", "EXIT_CODES", "search_ingest_command"]

#: ``kb update``'s exit statuses.
EXIT_NOTHING_NEW = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEWS = 3
EXIT_CODES = {
    EXIT_NOTHING_NEW: "every search ran; nothing new, changed or gone (the store is as it was)",
    EXIT_FAILED: "a search could not run, or a record could not be loaded (the rest ran and was committed)",
    EXIT_USAGE: "usage error: an unknown saved search or a bad option (nothing ran)",
    EXIT_NEWS: "every search ran; something is new, changed or gone (and was loaded)",
    130: "interrupted (Ctrl-C)",
}

watch_app = typer.Typer(help="Saved searches (PubMed, ClinicalTrials.gov) that kb update re-runs.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")]
PageSize = Annotated[
    int | None,
    typer.Option("--page-size", min=1, metavar="N", help="Records per request: PubMed EFetch page (default 200, at most 10000), ClinicalTrials.gov page (default 100, at most 1000)."),
]
Condition = Annotated[str | None, typer.Option("--condition", help="ClinicalTrials.gov: condition or disease (query.cond).")]
Intervention = Annotated[str | None, typer.Option("--intervention", help="ClinicalTrials.gov: intervention or treatment (query.intr).")]
Status = Annotated[
    list[str] | None,
    typer.Option("--status", help="ClinicalTrials.gov: overall status(es), e.g. RECRUITING or COMPLETED (repeat or comma-separate)."),
]


def _query(service: str, words: list[str] | None, condition: str | None, intervention: str | None, status: list[str] | None) -> dict[str, str]:
    """A saved search's query from the command line, checked by its service's searcher (usage errors: exit 2)."""
    from kb.living import SearchError, get_searcher

    text = " ".join(words or [])
    if service == "pubmed":
        if condition or intervention or status:
            raise typer.BadParameter("--condition, --intervention and --status are ClinicalTrials.gov options; a PubMed query is the QUERY words")
        query = {"term": text}
    else:
        query = {"condition": condition or "", "intervention": intervention or "", "term": text, "status": ",".join(status or [])}
    try:
        return get_searcher(service).normalize(query)
    except SearchError as error:
        raise typer.BadParameter(str(error), param_hint="QUERY") from None


# --- kb watch ----------------------------------------------------------------------------------


@watch_app.command("add")
def watch_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The saved search's name (letters, digits, '.', '_', '-').")],
    service: Annotated[str, typer.Argument(help="pubmed or ctgov.", metavar="pubmed|ctgov")],
    query: Annotated[list[str] | None, typer.Argument(help="PubMed: the query. ClinicalTrials.gov: free-text terms (query.term), optional.", metavar="QUERY")] = None,
    condition: Condition = None,
    intervention: Intervention = None,
    status: Status = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a saved search of that name (what it returned is forgotten).")] = False,
    wait: Wait = 0.0,
) -> None:
    """Save a search; kb update runs it (the first time whole, then what changed since)."""
    from kb.living.watch import SavedSearch, WatchError, check_name, read_saved, save

    if service not in ("pubmed", "ctgov"):
        raise typer.BadParameter(f"{service!r}: use pubmed or ctgov", param_hint="SERVICE")
    try:
        check_name(name)
    except WatchError as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from None
    normalized = _query(service, query, condition, intervention, status)
    with open_kb(ctx, wait=wait) as kb:
        if read_saved(kb.store, kb.iris, name) is not None and not replace:
            raise WatchError(f"a saved search {name!r} exists already: 'kb watch remove {name}' first, or add --replace")
        save(kb.store, kb.iris, SavedSearch(name, service, normalized, datetime.now(timezone.utc).replace(microsecond=0)))
    stderr_console.print(f"saved search {escape(name)} ({service}): {escape(json.dumps(normalized, ensure_ascii=False))}; 'kb update {escape(name)}' runs it")


@watch_app.command("list")
def watch_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List the saved searches: service, query, last recorded run and how many records it returned."""
    from kb.living.watch import list_saved

    with open_kb(ctx, read_only=True) as kb:
        found = list_saved(kb.store, kb.iris)
    rows = [
        {
            "name": saved.name,
            "service": saved.service,
            "query": saved.query,
            "created": _stamp(saved.created),
            "last_run": _stamp(saved.last_run) if saved.last_run else None,
            "count": saved.count,
            "returned": len(saved.hits),
        }
        for saved in found
    ]
    if as_json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    if not rows:
        stderr_console.print("no saved searches ('kb watch add NAME pubmed|ctgov QUERY...' saves one)")
        return
    for row in rows:
        ran = f"last recorded run {row['last_run']}, {row['returned']} record(s)" if row["last_run"] else "never run"
        query = " ".join(f"{k}={v!r}" for k, v in saved_query(row).items())
        typer.echo(f"{row['name']}\t{row['service']}\t{query}\t{ran}")


@watch_app.command("remove")
def watch_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The saved search to remove.")],
    wait: Wait = 0.0,
) -> None:
    """Remove a saved search; the sources it brought into the KB stay."""
    from kb.living.watch import WatchError, check_name, remove_saved

    try:
        check_name(name)
    except WatchError as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from None
    with open_kb(ctx, wait=wait) as kb:
        removed = remove_saved(kb.store, kb.iris, name)
    stderr_console.print(f"removed saved search {escape(name)} ({removed} statements); its sources stay in the KB")


def saved_query(row: dict[str, Any]) -> dict[str, str]:
    """The query of a ``kb watch list`` row."""
    query = row["query"]
    return query if isinstance(query, dict) else {}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- kb update ---------------------------------------------------------------------------------


def update(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Saved searches to run (default: all).", metavar="NAME")] = None,
    page_size: PageSize = None,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures and the summary line.")] = False,
    wait: Wait = 0.0,
) -> None:
    """Re-run saved searches incrementally; print what is new, changed or gone (exit 0 nothing new, 3 news, 1 failure).

    Exit status, for cron: 0 every search ran and nothing is new, changed or gone (the store is as it was); 3 something is new, changed or gone (and was loaded); 1 a search could not run or a record could not be loaded (the other searches ran and were committed; --json says which); 2 a usage error (nothing ran); 130 interrupted. docs/living-review.md has the details.
    """
    from kb.cli.ingest_cmd import INTERRUPTED_EXIT, progress_bar
    from kb.living import WatchError, update_searches

    try:
        with open_kb(ctx, wait=wait) as kb, progress_bar(not (quiet or as_json)) as progress:
            try:
                results = update_searches(kb, names or None, page_size=page_size, progress=progress)
            except WatchError as error:
                raise typer.BadParameter(str(error), param_hint="NAME") from None
    except KeyboardInterrupt:
        stderr_console.print("interrupted: each search that finished is recorded; the one running wrote nothing, or its sources whole")
        raise typer.Exit(code=INTERRUPTED_EXIT) from None
    code = _exit_code(results)
    if as_json:
        json.dump({"searches": [result.as_dict() for result in results], "exit": code, "meaning": EXIT_CODES[code]}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_results(results, quiet=quiet)
    if code:
        raise typer.Exit(code=code)


def _exit_code(results: list["UpdateResult"]) -> int:
    if any(result.failed for result in results):
        return EXIT_FAILED
    return EXIT_NEWS if any(result.news for result in results) else EXIT_NOTHING_NEW


#: Records listed one by one per kind (new, changed, gone); above it, the count only.
_SHOWN = 50


def _print_results(results: list["UpdateResult"], *, quiet: bool) -> None:
    """Per search: a summary line on standard output, then (unless quiet) a line per record; failures on stderr."""
    if not results:
        stderr_console.print("no saved searches ('kb watch add NAME pubmed|ctgov QUERY...' saves one)")
        return
    for result in results:
        if result.error:
            stderr_console.print(f"[bold red]failed[/bold red]  {escape(result.name)}: {escape(result.error)} (nothing of it was written)")
            continue
        window = "first run, whole search" if result.first_run else f"updated {result.since}..{result.until}"
        counts = result.report.status_counts() if result.report else {}
        typer.echo(
            f"{result.name} ({result.service}; {window}): {len(result.new)} new, {len(result.changed)} changed, {len(result.gone)} gone; "
            f"sources {counts.get('added', 0)} added, {counts.get('replaced', 0)} replaced, {counts.get('unchanged', 0)} unchanged; "
            f"{result.count if result.count is not None else '?'} in the result; {result.requests} request(s)"
        )
        if not quiet:
            statuses = {s.source_id: s.status.value for s in result.report.sources()} if result.report else {}
            for hit in result.new[:_SHOWN]:
                typer.echo(f"  new      {hit.record_id}  {hit.source_id or ''} {('(' + statuses[hit.source_id] + ')') if hit.source_id in statuses else ''}".rstrip())
            for change in result.changed[:_SHOWN]:
                typer.echo(f"  changed  {change.record_id}  {'; '.join(change.reasons)}")
            for record in result.gone[:_SHOWN]:
                typer.echo(f"  gone     {record}  (no longer in the result; its source stays)")
            hidden = max(0, len(result.new) - _SHOWN) + max(0, len(result.changed) - _SHOWN) + max(0, len(result.gone) - _SHOWN)
            if hidden:
                typer.echo(f"  ... and {hidden} more (--json lists them all)")
            notes = [*result.notes, *(result.report.notes if result.report else [])]
            for note in notes[:_SHOWN]:
                stderr_console.print(f"[cyan]note[/cyan]  {escape(result.name)}: {escape(note)}")
            if len(notes) > _SHOWN:
                stderr_console.print(f"[cyan]note[/cyan]  {escape(result.name)}: ... and {len(notes) - _SHOWN} more notes (--json lists them all)")
        for where, error in result.report.failed if result.report else []:
            stderr_console.print(f"[bold red]failed[/bold red]  {escape(result.name)}: {escape(error)}")


# --- kb ingest pubmed-search / ctgov-search ----------------------------------------------------


def _ingest_search(ctx: typer.Context, service: str, query: dict[str, str], search_options: dict[str, Any], quiet: bool, as_json: bool, wait: float) -> None:
    """Run one search, load what it fetched (all fetched before anything is written) and print the ingest report."""
    from kb.cli.ingest_cmd import INTERRUPTED_EXIT, print_ingest_report, progress_bar, reporting_failure, reporting_interruption
    from kb.living import SearchError, get_searcher, load_outcome

    searcher = get_searcher(service)
    with reporting_failure(as_json), reporting_interruption(as_json), open_kb(ctx, wait=wait) as kb, progress_bar(not (quiet or as_json)) as progress:
        try:
            outcome = searcher.search(query, vocabulary=kb.vocabulary, **search_options)
        except SearchError as error:  # a window that ends before it starts: the options' fault (exit 2)
            raise typer.BadParameter(str(error)) from None
        report = load_outcome(kb, outcome, f"{service}-search", progress=progress)
    summary = {"service": service, "query": query, "count": outcome.count, "listed": len(outcome.ids), "fetched": len(outcome.hits), "requests": outcome.requests}
    if as_json:
        json.dump({**report.as_dict(), "search": summary}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_ingest_report(report, quiet=quiet, as_json=False)
        if not quiet:
            stderr_console.print(
                f"{searcher.describe(query)}: {outcome.count} match(es); {len(outcome.hits)} record(s) fetched in {outcome.requests} request(s)"
            )
    if report.interrupted:
        raise typer.Exit(code=INTERRUPTED_EXIT)
    if report.failed:
        raise typer.Exit(code=1)


def _dates(mindate: str | None, maxdate: str | None) -> dict[str, Any]:
    from kb.living import SearchError
    from kb.living.search import parse_date

    try:
        return {
            "since": parse_date(mindate, "--mindate") if mindate else None,
            "until": parse_date(maxdate, "--maxdate") if maxdate else None,
        }
    except SearchError as error:
        raise typer.BadParameter(str(error)) from None


def search_ingest_command(name: str, help_text: str) -> Callable[..., None]:
    """The ``kb ingest NAME`` command of a search input format (``pubmed-search``, ``ctgov-search``)."""
    command: Callable[..., None]
    if name == "pubmed-search":

        def pubmed(
            ctx: typer.Context,
            query: Annotated[list[str], typer.Argument(help="The PubMed query, e.g. 'lenalidomide AND multiple myeloma[mh]'.", metavar="QUERY")],
            max_records: Annotated[int | None, typer.Option("--max", min=1, metavar="N", help="Fetch at most N records (the first N of the result).")] = None,
            mindate: Annotated[str | None, typer.Option("--mindate", metavar="DATE", help="Only records dated from DATE (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
            maxdate: Annotated[str | None, typer.Option("--maxdate", metavar="DATE", help="Only records dated up to DATE.")] = None,
            datetype: Annotated[str, typer.Option("--datetype", metavar="pdat|edat|mdat", help="Which date --mindate/--maxdate limit: publication, entry or modification.")] = "pdat",
            page_size: PageSize = None,
            quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures; no progress bar.")] = False,
            as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on standard output.")] = False,
            wait: Wait = 0.0,
        ) -> None:
            normalized = _query("pubmed", query, None, None, None)
            if datetype not in ("pdat", "edat", "mdat"):
                raise typer.BadParameter(f"{datetype!r}: use pdat, edat or mdat", param_hint="--datetype")
            options = {"limit": max_records, "page_size": page_size, "datetype": datetype, **_dates(mindate, maxdate)}
            _ingest_search(ctx, "pubmed", normalized, options, quiet, as_json, wait)

        command = pubmed
    else:

        def ctgov(
            ctx: typer.Context,
            query: Annotated[list[str] | None, typer.Argument(help="Free-text terms (query.term), optional.", metavar="QUERY")] = None,
            condition: Condition = None,
            intervention: Intervention = None,
            status: Status = None,
            max_records: Annotated[int | None, typer.Option("--max", min=1, metavar="N", help="Fetch at most N studies (the first N of the result).")] = None,
            page_size: PageSize = None,
            quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures; no progress bar.")] = False,
            as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on standard output.")] = False,
            wait: Wait = 0.0,
        ) -> None:
            normalized = _query("ctgov", query, condition, intervention, status)
            _ingest_search(ctx, "ctgov", normalized, {"limit": max_records, "page_size": page_size}, quiet, as_json, wait)

        command = ctgov
    command.__doc__ = help_text
    return command


def register(app: typer.Typer) -> None:
    """Add ``kb watch`` and ``kb update``."""
    app.add_typer(watch_app, name="watch")
    app.command("update")(update)
