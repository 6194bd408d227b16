"""A query's own dataset (FROM, FROM NAMED) and one given apart (the protocol's default-graph-uri,
named-graph-uri) are honoured by the handle and by ``kb sparql``; without either, the default
graph is the union of all graphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.conftest import FIXED_TIME, example_files, run_cli

COUNT = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    handle = KnowledgeBase.memory()
    assert handle.ingest("findings", example_files(), generated_at=FIXED_TIME).ok
    return handle


def _count(result: object) -> int:
    return int(next(iter(result))["n"].value)  # type: ignore[call-overload]


def test_without_a_dataset_the_default_graph_is_the_union(kb: KnowledgeBase) -> None:
    every = sum(1 for _ in kb.store.quads())
    assert _count(kb.raw_sparql(COUNT.format(**{"from": ""}))) == every


def test_from_names_the_default_graph(kb: KnowledgeBase) -> None:
    graph = kb.source_graph("weber-2007-mm009")
    own = sum(1 for _ in kb.store.quads(graph))
    assert 0 < own < sum(1 for _ in kb.store.quads())
    assert _count(kb.raw_sparql(COUNT.format(**{"from": f"FROM <{graph.value}>"}))) == own
    # FROM NAMED alone leaves the default graph empty, as SPARQL says.
    assert _count(kb.raw_sparql(COUNT.format(**{"from": f"FROM NAMED <{graph.value}>"}))) == 0


def test_a_dataset_given_apart_overrides_the_query(kb: KnowledgeBase) -> None:
    weber, ash = kb.source_graph("weber-2007-mm009"), kb.source_graph("ash-2007-pooled-os")
    query = COUNT.format(**{"from": f"FROM <{weber.value}>"})
    given = kb.raw_sparql(query, dataset=((ash,), ()))
    assert _count(given) == sum(1 for _ in kb.store.quads(ash))


def test_a_from_inside_a_string_or_comment_is_not_a_dataset(kb: KnowledgeBase) -> None:
    query = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <x>") } # FROM <y>'
    assert _count(kb.raw_sparql(query)) > 0


def test_kb_sparql_honours_from(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli(store, "ingest", "findings", *map(str, example_files())).code == 0
    with KnowledgeBase.open(store, read_only=True) as opened:
        graph_node = opened.source_graph("weber-2007-mm009")
        own = sum(1 for _ in opened.store.quads(graph_node))
    result = run_cli(store, "sparql", COUNT.format(**{"from": f"FROM <{graph_node.value}>"}), "--format", "json")
    assert result.code == 0, result.stderr
    assert int(json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"]) == own

