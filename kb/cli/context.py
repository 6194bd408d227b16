"""Options every command shares (store location, IRI base) and how they are resolved."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # imported by open_kb: `kb --help` and argument errors need none of the KB
    from kb.knowledge_base import KnowledgeBase

__all__ = ["Settings", "settings", "open_kb", "Wait"]

#: ``--wait SECONDS`` for the commands that write: how long to retry opening a store another
#: process is writing to (RocksDB lets one writer in at a time).
Wait = Annotated[
    float,
    typer.Option("--wait", min=0, metavar="SECONDS", help="If another kb process is writing to the store, retry for up to this many seconds."),
]
#: Seconds between attempts to open a locked store.
_RETRY = 0.25


@dataclass
class Settings:
    """The resolved global options."""

    store: str | None = None
    base: str | None = None

    @property
    def store_path(self) -> str:
        from kb.store import default_store_path

        return self.store or default_store_path()


def settings(ctx: typer.Context) -> Settings:
    """The settings the top-level callback stored on the context."""
    found = ctx.find_object(Settings)
    return found if found is not None else Settings()


def open_kb(ctx: typer.Context, *, read_only: bool = False, wait: float = 0.0) -> KnowledgeBase:
    """Open the selected knowledge base (read-only for commands that only read).

    ``wait``: seconds to keep retrying while another process is writing to the store.

    :raises StoreLocked: when the store is still locked after ``wait`` seconds.
    """
    from kb.knowledge_base import KnowledgeBase
    from kb.rdf import IriScheme, default_base
    from kb.store.oxigraph import StoreLocked

    chosen = settings(ctx)
    try:
        base = chosen.base or default_base()
        IriScheme(base)  # checked before the store is opened
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--base") from error
    deadline = time.monotonic() + wait
    while True:
        try:
            return KnowledgeBase.open(chosen.store_path, base=base, read_only=read_only)
        except StoreLocked as locked:
            left = deadline - time.monotonic()
            if left <= 0:
                if wait:
                    raise StoreLocked(locked.path, f"another kb process is still writing to {locked.path} after --wait {wait:g} s") from None
                raise
            time.sleep(min(_RETRY, left))
