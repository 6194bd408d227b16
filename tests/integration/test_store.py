"""The embedded store on disk: reopening, read-only opening, release on close."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.errors import StoreError
from kb.store import KBStore

G1 = ox.NamedNode("http://example.org/g/1")
P = ox.NamedNode("http://example.org/p")


def triples(prefix: str, count: int) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/{prefix}/{i}"), P, ox.Literal(str(i))) for i in range(count)]


def test_persistent_store_reopens(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with KBStore.open(path) as store:
        store.replace_graph(G1, triples("a", 2))
    del store
    reader = KBStore.open(path, read_only=True)
    assert reader.count(G1) == 2
    with pytest.raises(StoreError, match="read-only"):
        reader.replace_graph(G1, [])


def test_read_only_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        KBStore.open(tmp_path / "absent", read_only=True)


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    with KBStore.open(tmp_path / "store") as store:
        store.replace_graph(G1, triples("a", 1))
    with pytest.raises(StoreError, match="is closed"):
        store.count()
    assert KBStore.open(tmp_path / "store", read_only=True).count(G1) == 1  # the database was released
