"""The networkx projection, its graph-file exports, and the analyses on it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest

from kb.errors import KBError
from kb.export.network import coauthors, find_node, hubs, iter_paths, neighbours, to_networkx, write_graph
from kb.store import KBStore


@pytest.fixture(scope="module")
def graph(example_store: KBStore) -> nx.MultiDiGraph:
    return to_networkx(example_store)


def test_nodes_are_typed_entities_with_labels(graph) -> None:
    kinds = {data["kind"] for _, data in graph.nodes(data=True)}
    assert kinds == {"drug", "target", "condition", "outcome", "adverse_event", "trial", "publication", "author"}
    assert graph.nodes["http://purl.obolibrary.org/obo/CHEBI_63791"]["label"] == "lenalidomide"
    assert graph.nodes["http://purl.obolibrary.org/obo/CHEBI_63791"]["curie"] == "CHEBI:63791"


def test_no_attribute_is_none(graph) -> None:
    assert all(v is not None for _, data in graph.nodes(data=True) for v in data.values())
    assert all(v is not None for *_, data in graph.edges(data=True) for v in data.values())


def test_path_from_lenalidomide_to_overall_survival_carries_the_numbers(graph) -> None:
    start, end = find_node(graph, "lenalidomide"), find_node(graph, "overall survival")
    paths = list(iter_paths(graph, start, end, limit=10))
    assert paths
    last_steps = [path[-1][2] for path in paths]
    assert any(step.get("estimate") == 0.44 and step.get("source_id") == "weber-2007-mm009" for step in last_steps)
    assert all(graph.nodes[path[1][0]]["kind"] == "trial" for path in paths)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_files_read_back_with_typed_attributes(graph, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"kb.{fmt}"
    write_graph(graph, path, format=fmt)
    back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    estimates = [d["estimate"] for *_, d in back.edges(data=True) if "estimate" in d]
    assert estimates and all(isinstance(e, float) for e in estimates)
    positions = [d["position"] for *_, d in back.edges(data=True) if "position" in d]
    assert positions and all(isinstance(p, int) for p in positions)


def test_node_link_round_trips(graph) -> None:
    buffer = io.BytesIO()
    write_graph(graph, buffer, format="node-link")
    back = nx.node_link_graph(json.loads(buffer.getvalue()), edges="links")
    assert nx.utils.graphs_equal(back, graph)


def test_cytoscape_json_lists_every_node(graph) -> None:
    buffer = io.BytesIO()
    write_graph(graph, buffer, format="cytoscape")
    data = json.loads(buffer.getvalue())
    assert len(data["elements"]["nodes"]) == graph.number_of_nodes()


def test_neighbours_coauthors_and_hubs(graph) -> None:
    around = neighbours(graph, find_node(graph, "NF-kB"), depth=1)
    assert ("lenalidomide", "drug", 1) in around
    weber = find_node(graph, "Donna M Weber")
    assert ("Christine Chen", 1) in coauthors(graph, weber)
    assert hubs(graph, top=1)["drug"][0][0] == "lenalidomide"


def test_unknown_node_is_a_clear_error(graph) -> None:
    with pytest.raises(KBError, match="no node named"):
        find_node(graph, "unobtainium")
