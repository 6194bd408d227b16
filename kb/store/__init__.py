"""Stores: the backend protocol and its implementations.

:class:`~kb.store.backend.StoreBackend` is what the KB needs from a quad store;
:class:`~kb.store.oxigraph.OxigraphStore` (embedded, on disk or in memory) is the default;
:class:`~kb.store.remote.RemoteStore` is a SPARQL 1.1 server (a location starting with http:// or https://).
``KBStore`` is the name earlier releases used for the Oxigraph store, kept as an alias.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from kb.store.backend import MEMORY, SelectResult, StoreBackend, Term, default_store_path, is_remote
from kb.store.oxigraph import OxigraphStore, rdf_format

if TYPE_CHECKING:
    from kb.store.remote import RemoteStore

__all__ = [
    "MEMORY", "KBStore", "OxigraphStore", "RemoteStore", "SelectResult", "StoreBackend", "Term", "default_store_path", "open_store",
    "rdf_format",
]

KBStore = OxigraphStore


def __getattr__(name: str) -> Any:
    # The remote backend imports requests (0.1-0.3 s): only a server location pays for it.
    if name == "RemoteStore":
        from kb.store.remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module 'kb.store' has no attribute {name!r}")


def open_store(location: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> StoreBackend:
    """Open the store at ``location`` (a directory, ``:memory:`` or a server URL), or at :func:`default_store_path`.

    A location starting with ``http://`` or ``https://`` is a SPARQL 1.1 server
    (:class:`~kb.store.remote.RemoteStore`; endpoints and credentials from the environment,
    see ``docs/remote-store.md``); read-only, it refuses updates.

    :raises StoreError: when the store cannot be opened (missing when read-only, locked by
        another writer, not a store, a server that does not answer).
    """
    chosen = default_store_path() if location is None else location
    if isinstance(chosen, str) and is_remote(chosen):
        from kb.store.remote import RemoteStore

        return RemoteStore.open(chosen, read_only=read_only)
    return OxigraphStore.open(chosen, read_only=read_only)
