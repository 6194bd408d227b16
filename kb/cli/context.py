"""Options every command shares (store location, IRI base) and how they are resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # imported by open_kb: `kb --help` and argument errors need none of the KB
    from kb.knowledge_base import KnowledgeBase

__all__ = ["Settings", "settings", "open_kb"]


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


def open_kb(ctx: typer.Context, *, read_only: bool = False) -> KnowledgeBase:
    """Open the selected knowledge base (read-only for commands that only read)."""
    from kb.knowledge_base import KnowledgeBase
    from kb.rdf import IriScheme, default_base

    chosen = settings(ctx)
    try:
        base = chosen.base or default_base()
        IriScheme(base)  # checked before the store is opened
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--base") from error
    return KnowledgeBase.open(chosen.store_path, base=base, read_only=read_only)
