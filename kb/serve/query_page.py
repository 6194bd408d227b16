"""The query page (filled in below)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from kb.serve.context import ServeContext

__all__ = ["routes"]


def routes(ctx: ServeContext) -> list[BaseRoute]:
    """The query page routes."""
    return []
