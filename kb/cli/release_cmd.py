"""``kb release`` (a dated, versioned dump), ``kb diff`` (two releases, or a release and the store) and
``kb load`` (a release's dump into a new store). ``docs/releases.md`` describes them."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb.cli.context import Wait, open_kb, settings
from kb.cli.output import RowFormat, print_rows, stderr_console

if TYPE_CHECKING:
    from rich.console import Console

    from kb.release import ReleaseDiff

__all__ = ["register"]


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date or date-time (e.g. 2026-11-30 or 2026-11-30T12:00:00Z)", param_hint="'--date'") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def release(
    ctx: typer.Context,
    version: Annotated[str, typer.Option("--version", metavar="V", help="The release's version (e.g. 1.0, 2026-11); names the dump file.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="The release directory to create (refused if it exists, unless --force).")],
    previous: Annotated[
        Path | None, typer.Option("--previous", metavar="DIR", help="The release the changelog compares against. Default: the newest release beside DIR.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace DIR if it exists.")] = False,
    infores: Annotated[
        str | None, typer.Option("--infores", envvar="KB_INFORES", help="The KB's infores CURIE: needed for the KGX files (left out without it).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", metavar="URL", help="Where the release will be published (its IRI in void.ttl). Default: {base}release/V/.")] = None,
    title: Annotated[str, typer.Option("--title", help="The dataset's title in void.ttl and the changelog.")] = "trial-evidence-kb",
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="The release date (ISO date or date-time, UTC). Default: now.")] = None,
) -> None:
    """Write a dated, versioned release: N-Quads (gzip), KGX, evidence tables, VoID/DCAT and a changelog."""
    from kb.release import write_release

    issued = _parse_date(date)
    console = stderr_console
    with open_kb(ctx, read_only=True) as kb:
        report = write_release(kb, output, version, previous=previous, force=force, infores=infores, url=url, title=title, issued=issued)
    manifest, diff = report.manifest, report.diff
    console.print(f"wrote release {manifest.version} to {report.directory}: {manifest.counts.get('quads')} quads, "
                  f"{len(manifest.sources)} source(s), {len(manifest.files) + 3} files", markup=False, soft_wrap=True)
    if manifest.previous is None:
        console.print("changelog: the first release (no release beside it, and no --previous): every source is added", markup=False, soft_wrap=True)
    else:
        how = "given with --previous" if manifest.previous.found == "given" else f"the newest release beside {report.directory}"
        console.print(f"changelog against {manifest.previous.version} at {manifest.previous.directory} ({how}): {diff.summary()}",
                      markup=False, soft_wrap=True)
        _print_changes(diff, console)
    for note in report.notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)


def _print_changes(diff: ReleaseDiff, console: Console) -> None:
    for change in ("added", "replaced", "removed"):
        for entry in diff.of(change):  # type: ignore[arg-type]
            quads = entry.new_quads if entry.new_quads is not None else entry.old_quads
            console.print(f"    {change:<9} {entry.source}  ({quads} quads)", markup=False, soft_wrap=True)


def diff(
    ctx: typer.Context,
    old: Annotated[Path, typer.Argument(metavar="OLD", help="A release directory (or its release.json).")],
    new: Annotated[Path | None, typer.Argument(metavar="[NEW]", help="A later release. Default: the live KB (--store).")] = None,
    live: Annotated[bool, typer.Option("--live", help="Compare OLD with the live KB (the default when NEW is not given).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="List unchanged sources too.")] = False,
) -> None:
    """Compare two releases, or a release and the live KB: sources added, replaced, removed, with their quads."""
    from kb.release import diff_manifests, live_manifest, read_manifest

    if new is not None and live:
        raise typer.BadParameter("give NEW or --live, not both", param_hint="NEW")
    before = read_manifest(old)
    if new is not None:
        after = read_manifest(new)
    else:
        with open_kb(ctx, read_only=True) as kb:
            after = live_manifest(kb, issued=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    result = diff_manifests(before, after)
    if as_json:
        json.dump(result.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    rows = [
        (entry.change, entry.source, entry.old_quads, entry.new_quads,
         None if entry.old_quads is None or entry.new_quads is None else f"{entry.new_quads - entry.old_quads:+d}", entry.reason)
        for entry in result.sources if show_all or entry.change != "unchanged"
    ]
    label_new = after.version if new is not None else after.title
    print(f"{before.version} ({before.issued}) -> {label_new} ({after.issued})")
    if rows:
        print_rows(("change", "source", "old_quads", "new_quads", "delta", "reason"), rows, RowFormat.table)
    for graph in result.graphs:
        sizes = f"{graph.old_quads} -> {graph.new_quads}" if graph.change == "changed" else str(graph.new_quads if graph.old_quads is None else graph.old_quads)
        print(f"other graph {graph.change}: {graph.graph} ({sizes} quads)")
    print(f"{result.summary()}; quads {before.counts.get('quads')} -> {after.counts.get('quads')}")


def load(
    ctx: typer.Context,
    dump: Annotated[Path, typer.Argument(metavar="RELEASE|DUMP", help="A release directory (its dump is checked against release.json) or an N-Quads file (.nq or .nq.gz).")],
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Do not check the dump's SHA-256 against the release manifest.")] = False,
    wait: Wait = 0.0,
) -> None:
    """Load a release's N-Quads dump into a new, empty store (--store)."""
    from kb.release import ReleaseError, load_into_new_store, load_release
    from kb.store import MEMORY, is_remote

    if not dump.exists():
        raise ReleaseError(f"no release or dump at {dump}")
    location = settings(ctx).store_path
    console = stderr_console
    target = Path(location).expanduser()
    fresh = location != MEMORY and not is_remote(location) and (not target.exists() or (target.is_dir() and not any(target.iterdir())))
    if not fresh:  # an existing store (must be empty), memory or a server: loaded in place
        with open_kb(ctx, wait=wait) as kb:
            quads, manifest = load_release(kb, dump, verify=not no_verify)
    else:  # a new directory: built beside it, renamed into place when complete
        quads, manifest = load_into_new_store(dump, target, base=settings(ctx).base, verify=not no_verify)
    what = f"release {manifest.version} ({manifest.issued})" if manifest is not None else str(dump)
    console.print(f"loaded {quads} quads of {what} into {location}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``release``, ``diff`` and ``load`` to ``app``."""
    app.command("release")(release)
    app.command("diff")(diff)
    app.command("load")(load)
