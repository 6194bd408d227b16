"""The ``kb`` command: the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kb.cli import graph_cmd, ingest_cmd, query_cmd, quickstart_cmd, store_cmd, vocab_cmd
from kb.cli.context import Settings
from kb.errors import KBError

__all__ = ["app", "main"]

app = typer.Typer(
    name="kb",
    help="trial-evidence-kb: a knowledge base of clinical-trial evidence, traceable to its sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global_options(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option("--store", envvar="KB_STORE", help="Store directory, or ':memory:'. Default: ~/.local/share/trial-evidence-kb/store."),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", envvar="KB_BASE", help="Base IRI for the KB's own nodes.")
    ] = None,
) -> None:
    ctx.obj = Settings(store=store, base=base)


store_cmd.register(app)
app.add_typer(ingest_cmd.app, name="ingest")
app.add_typer(graph_cmd.app, name="graph")
app.add_typer(vocab_cmd.app, name="vocab")
query_cmd.register(app)
quickstart_cmd.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and exit with) 0 on success, 1 on error, 2 on usage errors."""
    err = Console(stderr=True, highlight=False)
    try:
        app(args=argv, prog_name="kb", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if argv is None:
            raise
        return code
    except KBError as error:
        err.print(f"[bold red]error:[/bold red] {escape(str(error))}", soft_wrap=True)
        code = 1
    except KeyboardInterrupt:
        err.print("interrupted")
        code = 130
    except Exception as error:  # the CLI never shows a bare traceback; KB_DEBUG=1 shows it
        if os.environ.get("KB_DEBUG"):
            traceback.print_exc()
        err.print(f"[bold red]internal error:[/bold red] {type(error).__name__}: {escape(str(error))} (set KB_DEBUG=1 for the traceback)", soft_wrap=True)
        code = 1
    if argv is None:
        sys.exit(code)
    return code
