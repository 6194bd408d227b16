"""The embedded store in memory: atomic graph replace, removal, hostile literals, unparsable input."""

from __future__ import annotations


import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import StoreError
from kb.store import KBStore

G1 = ox.NamedNode("http://example.org/g/1")
G2 = ox.NamedNode("http://example.org/g/2")
P = ox.NamedNode("http://example.org/p")


def triples(prefix: str, count: int) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/{prefix}/{i}"), P, ox.Literal(str(i))) for i in range(count)]


def test_replace_graph_swaps_only_that_graph() -> None:
    store = KBStore.memory()
    store.replace_graph(G1, triples("a", 5))
    store.replace_graph(G2, triples("b", 3))
    store.replace_graph(G1, triples("c", 2))
    assert store.count(G1) == 2 and store.count(G2) == 3
    assert {q.subject.value for q in store.quads(G1)} == {"http://example.org/c/0", "http://example.org/c/1"}


def test_remove_graph_removes_exactly_its_statements() -> None:
    store = KBStore.memory()
    store.replace_graph(G1, triples("a", 4))
    store.replace_graph(G2, triples("a", 4))  # the same triples in another graph stay
    assert store.remove_graph(G1) == 4
    assert store.count(G1) == 0 and store.count(G2) == 4


def test_failed_write_leaves_store_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    store = KBStore.memory()
    store.replace_graph(G1, triples("a", 3))
    before = set(store.quads())

    class Failing:
        def __init__(self, inner: ox.Store) -> None:
            self.inner = inner

        def update(self, text: str) -> None:
            raise OSError("disk full")

        def __getattr__(self, name: str):
            return getattr(self.inner, name)

    monkeypatch.setattr(store, "_store", Failing(store._store))
    with pytest.raises(StoreError, match="store unchanged"):
        store.replace_graph(G1, triples("b", 3))
    monkeypatch.undo()
    assert set(store.quads()) == before


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_any_literal_is_stored_verbatim(text: str) -> None:
    """Update text is built from serialized terms: no value can break out of its literal."""
    store = KBStore.memory()
    store.replace_graph(G1, [ox.Triple(ox.NamedNode("http://example.org/s"), P, ox.Literal(text))])
    stored = [q.object.value for q in store.quads()]
    assert stored == [text]


def test_unparsable_rdf_load_is_a_clear_error_and_changes_nothing() -> None:
    store = KBStore.memory()
    store.replace_graph(G1, triples("a", 2))
    before = set(store.quads())
    with pytest.raises(StoreError, match="cannot parse nquads input"):
        store.load(b'<http://example.org/s> <http://example.org/p> "unterminated .\n', format="nquads")
    assert set(store.quads()) == before


def test_unparsable_bulk_load_is_a_clear_error() -> None:
    store = KBStore.memory()
    with pytest.raises(StoreError, match="cannot parse nquads input"):
        store.bulk_load(b'<http://example.org/s> <http://example.org/p> "unterminated .\n', format="nquads")
