"""The ``kb`` command: the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from kb.cli.context import Settings
from kb.errors import KBError

if TYPE_CHECKING:
    from rich.console import Console
    from typer._click import Command, Context, HelpFormatter  # the click that typer (this version) vendors

__all__ = ["app", "main", "COMMANDS"]

#: The sub-commands, in the order ``kb --help`` lists them: name -> (module, the help line
#: ``kb --help`` shows). A module is imported when one of its commands runs or shows its own
#: help, so ``kb query`` never imports networkx, the ingest readers or the export writers. A
#: module either has ``register(app)`` or is a ``typer.Typer`` named ``app`` added under the name.
#: tests/unit/test_startup.py checks each help line against the command's own.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("kb.cli.store_cmd", "Create the store (if needed) and load the ontology and vocabularies."),
    "stats": ("kb.cli.store_cmd", "Counts of sources, publications, trials, findings and statements."),
    "sparql": ("kb.cli.store_cmd", "Run a SPARQL query over the union of all graphs; print SPARQL 1.1 results."),
    "export": ("kb.cli.store_cmd", "Export the KB (or one source, or a CONSTRUCT template's graph) as RDF, KGX, graph files or evidence tables (CSV)."),
    "validate": ("kb.cli.store_cmd", "Check the KB against the SHACL shapes in ontology/shapes.ttl."),
    "schema": ("kb.cli.store_cmd", "Print the JSON Schema of findings files, for curators and extraction tools."),
    "query": ("kb.cli.query_cmd", "Run a query template from the catalogue (queries/*.rq)."),
    "quickstart": ("kb.cli.quickstart_cmd", "Load the bundled MM-009/MM-010 examples into the store and print answers from the catalogue."),
    "sources": ("kb.cli.store_cmd", "List or remove source records (one named graph each)."),
    "ingest": ("kb.cli.ingest_cmd", "Ingest source records into the KB."),
    "graph": ("kb.cli.graph_cmd", "Network analyses over the KB's entities."),
    "vocab": ("kb.cli.vocab_cmd", "User vocabularies: names the next ingest resolves through."),
    "watch": ("kb.cli.watch_cmd", "Saved searches (PubMed, ClinicalTrials.gov) that kb update re-runs."),
    "update": ("kb.cli.watch_cmd", "Re-run saved searches incrementally; print what is new, changed or gone (exit 0 nothing new, 3 news, 1 failure)."),
    "serve": ("kb.cli.serve_cmd", "Serve the KB over HTTP: a SPARQL 1.1 endpoint (/sparql), the query catalogue as a web API (/api), a query page (/query) and evidence pages."),
    "synthesize": ("kb.cli.synthesize_cmd", "Pool a drug's ratio estimates of one outcome across trials (log scale, inverse variance, fixed and random effects)."),
    "release": ("kb.cli.release_cmd", "Write a dated, versioned release: N-Quads (gzip), KGX, evidence tables, VoID/DCAT and a changelog."),
    "diff": ("kb.cli.release_cmd", "Compare two releases, or a release and the live KB: sources added, replaced, removed, with their quads."),
    "load": ("kb.cli.release_cmd", "Load a release's N-Quads dump into a new, empty store (--store)."),
    "extract": ("kb.cli.extract_cmd", "Propose findings (effect estimates, arm sizes, per-arm values, adverse events, mechanisms, NCT numbers) from abstracts, each with its exact text span."),
    "curate": ("kb.cli.curate_cmd", "What is still draft, by publication: extraction proposals pending or superseded, and curated drafts."),
}


def load_commands(module_name: str, name: str) -> dict[str, Command]:
    """The click commands ``module_name`` defines: all its ``register`` adds, or its ``app`` as ``name``."""
    module = import_module(module_name)
    holder = typer.Typer()
    if hasattr(module, "register"):
        module.register(holder)
    else:
        holder.add_typer(module.app, name=name)
    commands = dict(typer.main.get_group(holder).commands)
    for command in commands.values():
        plain_help_types(command)
    return commands


#: How help shows a value's type, for the Python type names typer shows (``<list[Path]>``, ``<str>``).
_HELP_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "path": "PATH", "file": "FILE", "dir": "DIR"}


def _help_type(param: Any, ctx: Context) -> str | None:
    """The type column of ``param``'s help line: its metavar, else a plain name; none for a flag."""
    if getattr(param, "is_flag", False) or getattr(getattr(param, "type_descriptor", None), "annotation", None) is bool:
        return None
    if param.metavar is not None and param.param_type_name == "option":
        return str(param.metavar)
    label = type(param).display_type(param, ctx).strip("<>")
    repeated = label.startswith("list[") and label.endswith("]")
    label = label[5:-1] if repeated else label
    label = _HELP_TYPES.get(label, label)
    return f"{label}..." if repeated and param.param_type_name == "option" else label


def plain_help_types(command: Any) -> None:
    """Show ``command``'s (and its sub-commands') value types in help as ``TEXT``, ``FILE``,
    ``table|csv|tsv|json``, not as the Python types typer prints; flags show none."""
    for param in getattr(command, "params", ()):
        if hasattr(param, "type_descriptor"):
            param.display_type_rich = partial(_help_type, param)
    help_option = command.get_help_option

    def relabelled_help_option(ctx: Context) -> Any:  # --help is made (once) when help is shown
        option = help_option(ctx)
        if option is not None:
            option.display_type_rich = partial(_help_type, option)
        return option

    command.get_help_option = relabelled_help_option
    for sub in getattr(command, "commands", {}).values():
        plain_help_types(sub)


class _LazyCommands(MutableMapping[str, "Command"]):
    """The root group's commands: every name of :data:`COMMANDS` is a key; a value is built
    (its module imported) when it is first looked up."""

    def __init__(self, loaded: MutableMapping[str, Command]) -> None:
        self.loaded = dict(loaded)

    def __getitem__(self, name: str) -> Command:
        if name not in self.loaded and name in COMMANDS:
            module_name = COMMANDS[name][0]
            built = load_commands(module_name, name)
            self.loaded.update({n: c for n, c in built.items() if COMMANDS.get(n, ("",))[0] == module_name and n not in self.loaded})
        return self.loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.loaded]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.loaded))


class LazyGroup(TyperGroup):
    """The ``kb`` group: sub-commands imported when used; ``kb --help`` lists them from :data:`COMMANDS`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        plain_help_types(self)  # the global options; the commands' own are relabelled as they load
        self.commands = _LazyCommands(self.commands)
        self._listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        commands = self.commands
        if self._listing and isinstance(commands, _LazyCommands) and cmd_name not in commands.loaded and cmd_name in COMMANDS:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])  # a stand-in for the listing
        return commands.get(cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="kb",
    cls=LazyGroup,
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
        typer.Option("--store", envvar="KB_STORE", metavar="PATH|URL", help="Store directory, ':memory:', or a SPARQL server's http(s) URL. Default: ~/.local/share/trial-evidence-kb/store."),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", envvar="KB_BASE", metavar="IRI", help="Base IRI for the KB's own nodes.")
    ] = None,
) -> None:
    if store is not None and not store.strip():  # else Settings would fall back to the default store, silently
        raise typer.BadParameter("an empty store path names no store: give a directory, ':memory:' or a URL (or leave --store out for the default)", param_hint="'--store'")
    ctx.obj = Settings(store=store, base=base)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and exit with) 0 on success, 1 on error, 2 on usage errors."""
    try:
        app(args=argv, prog_name="kb", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if argv is None:
            raise
        return code
    except KeyboardInterrupt:
        _stderr().print("interrupted")
        code = 130
    except Exception as error:
        code = _report(error, _stderr())
    if argv is None:
        sys.exit(code)
    return code


def _stderr() -> Console:
    """The console errors are printed on (rich is imported only when there is one to print)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


#: The exit status after a broken pipe: typer's own, for the broken pipes it sees itself (those not
#: wrapped in a KBError), so that every command ends the same way.
BROKEN_PIPE = 1


def _broken_pipe(error: BaseException | None) -> bool:
    """Whether ``error`` is, or was raised while handling or because of, a broken pipe."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, BrokenPipeError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _quiet_broken_pipe() -> int:
    """End quietly once the reader of standard output has gone (``kb ... | head``)."""
    try:  # the interpreter flushes stdout at exit: into /dev/null, not into the closed pipe (which would print a warning)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        return BROKEN_PIPE  # a stdout without a file descriptor (an in-process run) needs no redirecting
    return BROKEN_PIPE


def _report(error: Exception, err: Console) -> int:
    """Print ``error`` as one line on standard error; the exit status."""
    if _broken_pipe(error):
        return _quiet_broken_pipe()
    from rich.markup import escape

    if isinstance(error, KBError):
        err.print(f"[bold red]error:[/bold red] {escape(str(error))}", soft_wrap=True)
        return 1
    # the CLI never shows a bare traceback; KB_DEBUG=1 shows it
    if os.environ.get("KB_DEBUG"):
        traceback.print_exception(error)
    err.print(f"[bold red]internal error:[/bold red] {type(error).__name__}: {escape(str(error))} (set KB_DEBUG=1 for the traceback)", soft_wrap=True)
    return 1
