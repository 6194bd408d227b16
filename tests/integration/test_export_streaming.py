"""The network exports stream (issue 10): GraphML is written while the template's rows arrive,
without a networkx graph, and reads back as the graph networkx writes from ``to_networkx``; the
KGX export reads ``network_edges`` once, without holding its rows. No timing here: the figures are
in benchmarks/ and the report of the change.
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx
import pytest

from kb import KnowledgeBase
from kb.export import network
from kb.export.network import iter_rows, to_networkx, write_graph, write_graphml
from kb.query import run_template
from kb.store import KBStore


@pytest.fixture(scope="module")
def kb(example_store: KBStore) -> KnowledgeBase:
    return KnowledgeBase(example_store)


def _read(data: bytes) -> nx.MultiDiGraph:
    return nx.read_graphml(io.BytesIO(data))


def _edges(graph: nx.MultiDiGraph) -> list[tuple[Any, ...]]:
    return sorted((u, v, k, tuple(sorted(d.items()))) for u, v, k, d in graph.edges(keys=True, data=True))


def test_streamed_graphml_reads_back_as_the_networkx_file(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = io.BytesIO()
    write_graph(to_networkx(kb), expected, format="graphml")
    monkeypatch.setattr(network, "_CHUNK", 7)  # rows converted a few at a time, across chunk boundaries
    streamed = io.BytesIO()
    write_graphml(kb, streamed)
    before, after = _read(expected.getvalue()), _read(streamed.getvalue())
    assert isinstance(after, nx.MultiDiGraph)
    assert dict(after.nodes(data=True)) == dict(before.nodes(data=True))
    assert _edges(after) == _edges(before)
    estimates = [d["estimate"] for *_, d in after.edges(data=True) if "estimate" in d]
    assert estimates and all(isinstance(e, float) for e in estimates)
    assert all(isinstance(d["position"], int) for *_, d in after.edges(data=True) if "position" in d)


def test_graphml_export_builds_no_networkx_graph(kb: KnowledgeBase, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the GraphML export built a networkx graph")

    monkeypatch.setattr(network, "to_networkx", refuse)
    kb.export("graphml", tmp_path / "kb.graphml")
    assert _read((tmp_path / "kb.graphml").read_bytes()).number_of_edges() == len(run_template(kb, "network_edges"))


def test_rows_are_streamed_in_chunks_equal_to_the_template_rows(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network, "_CHUNK", 5)
    streamed = iter_rows(kb, "network_edges")
    assert not isinstance(streamed, list)
    assert sorted(streamed) == sorted(run_template(kb, "network_edges"))


def test_kgx_reads_the_network_rows_once_and_lazily(kb: KnowledgeBase, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.export import kgx

    calls: list[str] = []
    original = kgx.iter_rows

    def counting(target: Any, name: str) -> Any:
        calls.append(name)
        return original(target, name)

    monkeypatch.setattr(kgx, "iter_rows", counting)
    report = kb.export("kgx", tmp_path / "kgx", infores="infores:test").kgx
    assert calls == ["network_edges"]
    assert report is not None and report.edges_by_predicate.get("biolink:has_adverse_event")


@pytest.mark.parametrize("fmt", ["node-link", "cytoscape"])
def test_streamed_json_reads_back_as_the_networkx_data(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    import json

    graph = to_networkx(kb)
    expected = nx.node_link_data(graph, edges="links") if fmt == "node-link" else nx.cytoscape_data(graph)
    monkeypatch.setattr(network, "to_networkx", lambda *_: (_ for _ in ()).throw(AssertionError("built a networkx graph")))
    streamed = io.BytesIO()
    network.write_network(kb, streamed, format=fmt)
    data = json.loads(streamed.getvalue())
    if fmt == "node-link":
        assert nx.utils.graphs_equal(nx.node_link_graph(data, edges="links"), graph)
        parts = ("nodes", "links")
        found, wanted = data, expected
    else:
        assert nx.utils.graphs_equal(nx.cytoscape_graph(data), nx.cytoscape_graph(expected))
        parts = ("nodes", "edges")
        found, wanted = data["elements"], expected["elements"]
    for part in parts:
        assert sorted(json.dumps(item, sort_keys=True) for item in found[part]) == sorted(json.dumps(item, sort_keys=True) for item in wanted[part])
