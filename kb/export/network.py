"""The KB as a network: a networkx ``MultiDiGraph`` of its entities, and analyses on it.

Nodes are drugs, targets, conditions, outcomes, adverse events, trials, publications and authors,
keyed by IRI, with ``label``, ``kind`` and (where a prefix covers the IRI) ``curie``. Edges carry
the finding's numbers and its source (``source_id``, ``doi``, ``status``) (``queries/network_edges.rq`` lists the edge kinds). Attributes
are never None, so the graph writes to GraphML and GEXF with every attribute typed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kb.curie import compress_iri
from kb.export import formats_of
from kb.errors import KBError
from kb.query import run_template
from kb.query.rows import QueryTarget
from kb.vocab import get_vocabulary
from kb.vocab.vocabulary import Vocabulary

__all__ = ["GRAPH_FORMATS", "to_networkx", "write_graph", "find_node", "iter_paths", "describe_edge", "hubs", "neighbours", "coauthors"]

GRAPH_FORMATS = formats_of("network")


def to_networkx(target: QueryTarget) -> nx.MultiDiGraph:
    """Project the KB onto a ``MultiDiGraph`` of entities; one edge per finding or link, per source."""
    labels = {row.node: row.label for row in run_template(target, "node_labels")}
    graph = nx.MultiDiGraph()
    for row in run_template(target, "network_edges"):
        record = row._asdict()
        for end in ("subject", "object"):
            node = record[end]
            if node not in graph:
                attributes = {"label": labels.get(node) or node, "kind": record[f"{end}_kind"], "iri": node}
                curie = compress_iri(node)
                if curie:
                    attributes["curie"] = curie
                graph.add_node(node, **attributes)
        # "source" would clash with node-link JSON's edge endpoints: the edge says "source_id".
        record["source_id"] = record.pop("source")
        edge = {k: v for k, v in record.items() if v is not None and k not in ("subject", "object", "subject_kind", "object_kind")}
        graph.add_edge(record["subject"], record["object"], key=f"{record['predicate']}:{len(graph.edges)}", **edge)
    return graph


def write_graph(graph: nx.MultiDiGraph, output: IO[bytes] | Path, *, format: str) -> None:
    """Write the network as GraphML, GEXF, node-link JSON or Cytoscape JSON."""
    if format == "graphml":
        nx.write_graphml(graph, output, named_key_ids=True)
    elif format == "gexf":
        nx.write_gexf(graph, output)
    elif format in ("node-link", "cytoscape"):
        data = nx.node_link_data(graph, edges="links") if format == "node-link" else nx.cytoscape_data(graph)
        text = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
        if isinstance(output, Path):
            output.write_bytes(text)
        else:
            output.write(text)
    else:
        raise KBError(f"unknown graph format {format!r}: use one of {', '.join(GRAPH_FORMATS)}")


def find_node(graph: nx.MultiDiGraph, text: str, *, vocabulary: Vocabulary | None = None) -> str:
    """The node ``text`` names: an IRI, a CURIE or name ``vocabulary`` knows, or a node label.

    Pass the KB's vocabulary (``KnowledgeBase.vocabulary``) so user vocabularies count; the
    bundled one is used without it.
    """
    if text in graph:
        return text
    concept = (vocabulary or get_vocabulary()).resolve(text)
    if concept is not None and concept.iri in graph:
        return concept.iri
    wanted = text.strip().casefold()
    matches = [node for node, data in graph.nodes(data=True) if str(data.get("label", "")).casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise KBError(f"{text!r} names {len(matches)} nodes; give an IRI or CURIE")
    raise KBError(f"no node named {text!r} in the KB graph")


def iter_paths(graph: nx.MultiDiGraph, start: str, end: str, *, limit: int = 5, max_length: int = 4) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Up to ``limit`` shortest directed paths, each as (from, to, edge attributes) steps.

    Parallel edges (several findings between the same two nodes) each give their own path.
    """
    simple = nx.DiGraph(graph)
    found = 0
    try:
        node_paths = nx.shortest_simple_paths(simple, start, end)
        for nodes in node_paths:
            if len(nodes) - 1 > max_length:
                return
            steps_options = [list(graph.get_edge_data(a, b).values()) for a, b in zip(nodes, nodes[1:])]
            for combination in _product(steps_options):
                yield [(a, b, data) for (a, b), data in zip(zip(nodes, nodes[1:]), combination)]
                found += 1
                if found >= limit:
                    return
    except nx.NetworkXNoPath:
        return


def _product(options: list[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    if not options:
        yield []
        return
    for first in options[0]:
        for rest in _product(options[1:]):
            yield [first, *rest]


def describe_edge(data: dict[str, Any]) -> str:
    """A one-line account of an edge: its kind, numbers and source.

    >>> describe_edge({"predicate": "has_result", "measure": "hazard_ratio", "estimate": 0.44, "p_value": 0.001, "source_id": "s"})
    'has_result [hazard_ratio 0.44, p 0.001; source s]'
    """
    parts = []
    if "measure" in data or "estimate" in data:
        figure = " ".join(str(data[k]) for k in ("measure", "estimate") if k in data)
        if "ci_lower" in data and "ci_upper" in data:
            figure += f" ({data['ci_lower']}-{data['ci_upper']})"
        parts.append(figure)
    for key in ("direction", "aspect", "grade", "analysis"):
        if key in data:
            parts.append(str(data[key]))
    if "percent" in data:
        parts.append(f"{data['percent']}%")
    if "p_value" in data:
        parts.append(f"p {data['p_value']}")
    detail = ", ".join(parts)
    source = f"source {data['source_id']}" if "source_id" in data else ""
    inside = "; ".join(part for part in (detail, source) if part)
    return f"{data.get('predicate', '?')} [{inside}]" if inside else str(data.get("predicate", "?"))


def hubs(graph: nx.MultiDiGraph, *, top: int = 5) -> dict[str, list[tuple[str, int]]]:
    """The most connected nodes of each kind, as (label, degree)."""
    by_kind: dict[str, Counter[str]] = {}
    for node, degree in graph.degree():
        data = graph.nodes[node]
        by_kind.setdefault(data["kind"], Counter())[data["label"]] = degree
    return {kind: counter.most_common(top) for kind, counter in sorted(by_kind.items())}


def neighbours(graph: nx.MultiDiGraph, node: str, *, depth: int = 1) -> list[tuple[str, str, int]]:
    """Nodes within ``depth`` steps of ``node`` (either direction), as (label, kind, distance)."""
    distances = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=depth)
    found = [(graph.nodes[n]["label"], graph.nodes[n]["kind"], d) for n, d in distances.items() if n != node]
    return sorted(found, key=lambda item: (item[2], item[1], item[0]))


def coauthors(graph: nx.MultiDiGraph, author: str) -> list[tuple[str, int]]:
    """Co-authors of ``author`` with the number of shared publications, most shared first."""
    if graph.nodes[author].get("kind") != "author":
        raise KBError(f"{graph.nodes[author].get('label', author)!r} is not an author")
    shared: Counter[str] = Counter()
    publications = {target for _, target, data in graph.out_edges(author, data=True) if data.get("predicate") == "author_of"}
    for publication in publications:
        for other, _, data in graph.in_edges(publication, data=True):
            if other != author and data.get("predicate") == "author_of":
                shared[graph.nodes[other]["label"]] += 1
    return sorted(shared.items(), key=lambda item: (-item[1], item[0]))
