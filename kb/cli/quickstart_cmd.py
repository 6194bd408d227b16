"""``kb quickstart``: build a KB from the bundled examples and answer a few real questions."""

from __future__ import annotations

import typer
from rich.console import Console

from kb.cli.context import Wait, open_kb, settings
from kb.cli.output import RowFormat, print_report, print_rows
from kb.errors import KBError
from kb.paths import examples_dir
from kb.query import load_template

__all__ = ["register", "QUESTIONS"]

#: (question, template, parameters, columns to show)
QUESTIONS: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    (
        "MM-009 (Weber et al., NEJM 2007): time to progression, overall survival and response, lenalidomide + dexamethasone",
        "outcome_results",
        {"drug": "lenalidomide", "doi": "10.1056/NEJMoa070596"},
        ("outcome", "kind", "arm", "reference_arm", "statistic", "value", "unit", "ci_lower", "ci_upper", "p_relation", "p_value", "status"),
    ),
    (
        "MM-009: grade 3 or higher adverse events of lenalidomide, against the placebo arm",
        "adverse_events",
        {"drug": "lenalidomide", "min_grade": "3", "trial": "MM-009"},
        ("event", "grade", "arm", "percent", "comparator_arm", "comparator_percent", "trial", "status", "doi"),
    ),
    (
        "Overall survival in every report of MM-009 and MM-010 (each with its own analysis, cut-off and source)",
        "outcome_results",
        {"drug": "lenalidomide", "outcome": "overall survival"},
        ("trial", "analysis", "cutoff", "kind", "arm", "reference_arm", "statistic", "value", "ci_lower", "ci_upper", "p_relation", "p_value", "doi"),
    ),
    (
        "What does lenalidomide (asked as 'Revlimid') do to its targets? With the sentence that says so",
        "mechanisms",
        {"drug": "Revlimid"},
        ("drug", "direction", "aspect", "target", "system", "doi", "quote"),
    ),
)


def quickstart(ctx: typer.Context, wait: Wait = 0.0) -> None:
    """Load the bundled MM-009/MM-010 examples into the store and print answers from the catalogue."""
    console = Console(highlight=False, soft_wrap=True)
    files = sorted(examples_dir().glob("*.yaml"))
    if not files:
        raise KBError(f"no example files in {examples_dir()}")
    console.print(f"[bold]Building the KB[/bold] at {settings(ctx).store_path} from {len(files)} example files")
    with open_kb(ctx, wait=wait) as kb:
        report = kb.ingest("findings", files)
        print_report(report, quiet=False, as_json=False)
        if report.failed:
            raise KBError(f"{len(report.failed)} example file(s) failed to load")
        for question, name, params, shown in QUESTIONS:
            template = load_template(name)
            rows = kb.query(name, params)
            columns = [c for c in shown if c in template.columns]
            picked = [tuple(getattr(row, c) for c in columns) for row in rows]
            console.print()
            console.print(f"[bold]{question}[/bold]")
            console.print(f"[dim]kb query {name} " + " ".join(f"-p {k}={v}" for k, v in params.items()) + "[/dim]")
            print_rows(columns, picked, RowFormat.table)


def register(app: typer.Typer) -> None:
    """Add ``quickstart`` to ``app``."""
    app.command()(quickstart)
