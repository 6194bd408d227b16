"""``kb vocab``: add, list and remove user vocabularies (OBO, OWL/Turtle/RDF-XML, SSSOM, TSV)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kb.cli.context import Wait, open_kb, settings
from kb.cli.output import RowFormat, print_rows
from kb.formats import VOCABULARY_FORMATS

__all__ = ["app"]

app = typer.Typer(help="User vocabularies: names the next ingest resolves through.", no_args_is_help=True)
_console = Console(stderr=True, highlight=False, soft_wrap=True)
_SHOWN_SKIPS = 10


class CategoryOption(StrEnum):
    """Vocabulary categories as the option takes them."""

    drugs = "drugs"
    targets = "targets"
    conditions = "conditions"
    outcomes = "outcomes"
    adverse_events = "adverse_events"


FormatOption = StrEnum("FormatOption", {name: name for name in VOCABULARY_FORMATS})  # type: ignore[misc]


@app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OBO, OWL/RDF-XML, Turtle, SSSOM (.sssom.tsv) or TSV (id, label, synonyms|..., category).", exists=True, dir_okay=False)],
    category: Annotated[CategoryOption | None, typer.Option("--category", "-c", help="Category of every concept (default: the file's, else the id prefix's).")] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Vocabulary name (default: from the file name); re-adding a name replaces it.")] = None,
    fmt: Annotated[FormatOption | None, typer.Option("--format", "-f", help="File format (default: from the file name).")] = None,  # type: ignore[valid-type]
    wait: Wait = 0.0,
) -> None:
    """Add (or replace) a user vocabulary; the next ingest resolves names through it."""
    with open_kb(ctx, wait=wait) as kb:
        report = kb.vocab.add(file, name=name, fmt=fmt.value if fmt else None, category=category.value if category else None)
    verb = "replaced" if report.replaced else "added"
    _console.print(
        f"{verb} vocabulary {report.name!r} from {escape(report.file)}: {report.read} concepts read, "
        f"{report.new} new, {report.extended} existing concepts extended ({report.statements} statements)"
    )
    if report.mappings_ignored:
        _console.print(f"{report.mappings_ignored} mapping(s) ignored: only exact or equivalent mappings name concepts")
    for note in report.skipped[:_SHOWN_SKIPS]:
        _console.print(f"[yellow]skipped[/yellow] {escape(note)}")
    if len(report.skipped) > _SHOWN_SKIPS:
        _console.print(f"... and {len(report.skipped) - _SHOWN_SKIPS} more skipped")
    if report.now_resolved:
        sources = sorted({s for _c, _n, listed in report.now_resolved for s in listed.split(", ")})
        _console.print(
            f"{len(report.now_resolved)} unresolved name(s) in the store now resolve; re-ingest their sources "
            f"({escape(', '.join(sources))}) to apply it"
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
) -> None:
    """List the bundled and user vocabularies with their concept counts."""
    store_path = Path(settings(ctx).store_path)
    if store_path.exists() or str(store_path) == ":memory:":
        with open_kb(ctx, read_only=True) as kb:
            vocabularies = kb.vocab.list()
    else:  # no store yet: the bundled vocabularies alone, without creating one
        from kb.rdf import IriScheme, default_base
        from kb.vocab.stored import list_vocabularies

        vocabularies = list_vocabularies(None, IriScheme(settings(ctx).base or default_base()))
    rows = [(v.name, v.kind, v.concepts, v.extended, v.categories, v.source) for v in vocabularies]
    print_rows(("name", "kind", "concepts", "extended", "categories", "source"), rows, fmt)


@app.command("remove")
def remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The vocabulary name, as 'kb vocab list' shows it.")], wait: Wait = 0.0
) -> None:
    """Delete a user vocabulary; names resolve without it from the next ingest on."""
    with open_kb(ctx, wait=wait) as kb:
        removed = kb.vocab.remove(name)
    _console.print(f"removed vocabulary {name!r} ({removed} statements)")
