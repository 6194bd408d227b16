"""``kb curate``: what is still draft, by publication, with counts (:func:`kb.extraction.curation.draft_summary`)."""

# No "from __future__ import annotations": typer reads the Annotated help texts at run time.

import json
import sys
from typing import Annotated

import typer

from kb.cli.context import Wait, open_kb
from kb.cli.output import RowFormat, print_rows

__all__ = ["register", "curate"]

_COLUMNS = ("publication", "pending", "outcome_results", "adverse_events", "mechanisms", "superseded", "superseded_by", "curated_drafts", "draft_source")


def curate(
    ctx: typer.Context,
    doi: Annotated[str | None, typer.Option("--doi", help="Only this publication (DOI).")] = None,
    pmid: Annotated[str | None, typer.Option("--pmid", help="Only this publication (PubMed id).")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only publications with proposals still to curate.")] = False,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
    wait: Wait = 0.0,
) -> None:
    """What is still draft, by publication: extraction proposals pending or superseded, and curated drafts.

    A proposal is pending until a curated source derives a finding of its kind (outcome result,
    adverse event, mechanism) from the same publication; 'kb extract --to-findings DIR' writes the
    file to curate, 'kb ingest findings FILE' loads it. 'kb query drafts' lists the findings one by one.
    """
    from kb.extraction.curation import draft_summary

    with open_kb(ctx, read_only=True, wait=wait) as kb:
        summary = draft_summary(kb, doi=doi, pmid=pmid, pending_only=pending)
    if fmt is RowFormat.json:
        json.dump([entry.as_dict() for entry in summary], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    rows = [
        (e.label, sum(e.pending.values()), e.pending["outcome_result"], e.pending["adverse_event"], e.pending["mechanism"],
         e.superseded, ", ".join(sorted(e.superseded_by)), e.curated_drafts, ", ".join(sorted(e.draft_sources)))
        for e in summary
    ]
    print_rows(_COLUMNS, rows, fmt)


def register(app: typer.Typer) -> None:
    """Add ``curate`` to ``app``."""
    app.command("curate")(curate)
