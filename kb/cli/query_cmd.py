"""``kb query``: run a catalogue template with typed parameters."""

from __future__ import annotations

from typing import Annotated

import typer

from kb.cli.context import open_kb
from kb.cli.output import RowFormat, print_rows
from kb.errors import ParameterError
from kb.query import iter_templates, load_template

__all__ = ["register", "parse_params"]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["drug=lenalidomide", "min_grade=3"]`` to a mapping; a key given twice is an error."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"parameter {pair!r} is not key=value")
        if key.strip() in params:
            raise ParameterError(f"parameter {key.strip()!r} given twice")
        params[key.strip()] = value
    return params


def _list_templates() -> None:
    rows = []
    for template in iter_templates():
        params = ", ".join(
            f"{p.name}{'*' if p.required else ''}:{p.type}" + (f"={p.default}" if p.default is not None else "")
            for p in template.parameters.values()
        )
        rows.append((template.name, params, template.summary))
    print_rows(("template", "parameters (* required)", "summary"), rows, RowFormat.table)


def query(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Template name (see --list).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter as key=value; repeat for more.")] = None,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the query catalogue.")] = False,
) -> None:
    """Run a query template from the catalogue (queries/*.rq)."""
    if list_:
        _list_templates()
        return
    if name is None:
        raise typer.BadParameter("give a template name, or --list", param_hint="NAME")
    template = load_template(name)
    params = parse_params(param or [])
    if template.form == "construct":
        raise ParameterError(f"{name} is a CONSTRUCT template: it returns a graph; run kb export --query {name} --format turtle")
    with open_kb(ctx, read_only=True) as kb:
        rows = kb.query(name, params)
    print_rows(tuple(template.columns), rows, fmt, title=template.summary)


def register(app: typer.Typer) -> None:
    """Add ``query`` to ``app``."""
    app.command()(query)
