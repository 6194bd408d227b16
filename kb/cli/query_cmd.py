"""``kb query``: run a catalogue template with typed parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand

from kb.cli.context import open_kb
from kb.cli.output import RowFormat, pick_columns, print_rows
from kb.errors import ParameterError
from kb.query import iter_templates, load_template

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter

__all__ = ["register", "parse_params", "template_help", "QueryCommand"]


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
    # Every column counts in the catalogue: long parameter lists and summaries fold rather than drop.
    print_rows(("template", "parameters (* required)", "summary"), rows, RowFormat.table, fit=False)


#: The options of ``kb query`` that take a value: the token after one is not the template name.
_VALUED = frozenset({"-p", "--param", "-f", "--format", "--columns"})


def _template_named(args: list[str]) -> str | None:
    """The template name among ``kb query``'s arguments (the first that is no option or option value)."""
    after_option = False
    for arg in args:
        if after_option:
            after_option = False
        elif arg in _VALUED:
            after_option = True
        elif not arg.startswith("-"):
            return arg
    return None


def template_help(name: str) -> str:
    """What ``kb query NAME --help`` adds: the template's summary, parameters and columns.

    Paragraphs are separated by blank lines: typer's help joins the lines of a paragraph.
    """
    template = load_template(name)
    lines = [f"Template {template.name}: {template.summary}", "Parameters (-p name=value; * required):"]
    for p in template.parameters.values():
        default = f" [default: {p.default}]" if p.default is not None else ""
        lines.append(f"  {p.name}{'*' if p.required else ''} ({p.type}){': ' + p.description if p.description else ''}{default}")
    if not template.parameters:
        lines.append("  none")
    lines.append(f"Columns (--columns a,b,c): {', '.join(template.columns)}")
    return "\n\n".join(lines)


class QueryCommand(TyperCommand):
    """``kb query``, whose ``--help`` after a template name describes that template."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if "-h" in args or "--help" in args:  # help is shown while the arguments are parsed: note the name first
            ctx.meta["kb.template"] = _template_named(args)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        name, epilog = ctx.meta.get("kb.template"), self.epilog
        if name:
            self.epilog = template_help(name)
        try:
            super().format_help(ctx, formatter)
        finally:
            self.epilog = epilog


def query(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Template name (see --list; kb query NAME --help describes one).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter as key=value; repeat for more.")] = None,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f", help="Output format.")] = RowFormat.table,
    columns: Annotated[str | None, typer.Option("--columns", metavar="A,B,C", help="Show only these columns, in this order.")] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the query catalogue.")] = False,
) -> None:
    """Run a query template from the catalogue (queries/*.rq).

    A table on a terminal shows the columns that fit its width; --columns picks them, --format csv or json gives them all.
    """
    if list_:
        _list_templates()
        return
    if name is None:
        raise typer.BadParameter("give a template name, or --list", param_hint="NAME")
    template = load_template(name)
    params = parse_params(param or [])
    if template.form == "construct":
        raise ParameterError(f"{name} is a CONSTRUCT template: it returns a graph; run kb export --query {name} --format turtle")
    names = tuple(template.columns)
    picked = pick_columns(names, columns) if columns is not None else None  # checked before the query runs
    with open_kb(ctx, read_only=True) as kb:
        rows = kb.query(name, params)
    if picked is None:
        print_rows(names, rows, fmt, title=template.summary)
    else:
        print_rows([names[i] for i in picked], [[row[i] for i in picked] for row in rows], fmt, title=template.summary, fit=False)


def register(app: typer.Typer) -> None:
    """Add ``query`` to ``app``."""
    app.command(cls=QueryCommand)(query)
