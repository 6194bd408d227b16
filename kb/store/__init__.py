"""Stores: the backend protocol and its implementations.

:class:`~kb.store.backend.StoreBackend` is what the KB needs from a quad store;
:class:`~kb.store.oxigraph.OxigraphStore` (embedded, on disk or in memory) is the default.
``KBStore`` is the name earlier releases used for the Oxigraph store, kept as an alias.
"""

from __future__ import annotations

import os

from kb.store.backend import MEMORY, SelectResult, StoreBackend, Term, default_store_path
from kb.store.oxigraph import OxigraphStore, rdf_format

__all__ = [
    "MEMORY", "KBStore", "OxigraphStore", "SelectResult", "StoreBackend", "Term", "default_store_path", "open_store",
    "rdf_format",
]

KBStore = OxigraphStore


def open_store(location: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> StoreBackend:
    """Open the store at ``location`` (a directory or ``:memory:``), or at :func:`default_store_path`.

    :raises StoreError: when the store cannot be opened (missing when read-only, locked by
        another writer, not a store).
    """
    return OxigraphStore.open(default_store_path() if location is None else location, read_only=read_only)
