"""The KB as a network: a networkx ``MultiDiGraph`` of its entities, and analyses on it.

Nodes are drugs, targets, conditions, outcomes, adverse events, trials, publications and authors,
keyed by IRI, with ``label``, ``kind`` and (where a prefix covers the IRI) ``curie``. Edges carry
the finding's numbers and its source (``source_id``, ``doi``, ``status``) (``queries/network_edges.rq`` lists the edge kinds). Attributes
are never None, so the graph writes to GraphML and GEXF with every attribute typed. An edge's key is
``predicate:`` and a hash of its row, the same in every export of the same KB whatever order the
store yields the rows in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from kb.curie import compress_iri
from kb.export import formats_of
from kb.errors import KBError
from kb.query import load_template, run_template
from kb.query.rows import QueryTarget, to_rows
from kb.store import SelectResult
from kb.vocab import get_vocabulary
from kb.vocab.vocabulary import Vocabulary

__all__ = ["GRAPH_FORMATS", "iter_rows", "iter_network", "to_networkx", "write_graph", "write_network", "write_graphml", "find_node", "iter_paths", "describe_edge", "hubs", "neighbours", "coauthors"]

GRAPH_FORMATS = formats_of("network")


#: Solutions converted to typed rows at a time when streaming a template's results.
_CHUNK = 2_000
_EDGE_SKIP = ("subject", "object", "subject_kind", "object_kind")
#: GraphML attribute types of the template's column types (what networkx writes for the values).
_GRAPHML_TYPES = {"string": "string", "iri": "string", "decimal": "double", "integer": "long", "boolean": "boolean"}
_NODE_KEYS = ("label", "name", "kind", "iri", "curie")


def iter_rows(target: QueryTarget, name: str) -> Iterator[Any]:
    """The rows of a parameterless template, converted a chunk at a time as the store yields them
    (``run_template`` holds every row; an export of millions of rows should not)."""
    template = load_template(name)
    if template.parameters:
        raise KBError(f"{name} takes parameters: run it with run_template")
    store = target.store if hasattr(target, "store") else target
    solutions = iter(store.raw_query(template.text_for(set())))
    columns = tuple(template.columns)
    while chunk := list(islice(solutions, _CHUNK)):
        rows = tuple(tuple(solution[column] for column in columns) for solution in chunk)
        yield from to_rows(template, SelectResult(columns, rows))


def iter_network(target: QueryTarget) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """The network as it streams from the store: ``("node", id, "", attributes)`` the first time a
    node is met, then ``("edge", subject, object, attributes)`` with the edge's ``key``.

    Holds the node labels and the ids of the nodes met, not the edges.
    """
    labels = {row.node: row.label for row in run_template(target, "node_labels")}
    seen: set[str] = set()
    for row in iter_rows(target, "network_edges"):
        record = row._asdict()
        for end in ("subject", "object"):
            node = record[end]
            if node not in seen:
                seen.add(node)
                label = labels.get(node) or node
                # "name" repeats the label: Cytoscape shows a node's "name" (Gephi its "label"); the IRI is "iri".
                attributes = {"label": label, "name": label, "kind": record[f"{end}_kind"], "iri": node}
                curie = compress_iri(node)
                if curie:
                    attributes["curie"] = curie
                yield "node", node, "", attributes
        # "source" would clash with node-link JSON's edge endpoints: the edge says "source_id".
        record["source_id"] = record.pop("source")
        edge = {k: v for k, v in record.items() if v is not None and k not in _EDGE_SKIP}
        # The key is derived from the row, not its position: the template has no ORDER BY (sorting
        # cost more than the rest), so rows may come in another order, and the key stays the same.
        edge["key"] = f"{record['predicate']}:{_row_key(row)}"
        yield "edge", record["subject"], record["object"], edge


def _row_key(row: tuple[Any, ...]) -> str:
    """16 hex digits of a hash of the row: rows are distinct, so is the key, whatever their order."""
    return hashlib.blake2b(json.dumps(row, ensure_ascii=False).encode("utf-8"), digest_size=8).hexdigest()


def to_networkx(target: QueryTarget) -> nx.MultiDiGraph:
    """Project the KB onto a ``MultiDiGraph`` of entities; one edge per finding or link, per source."""
    graph = nx.MultiDiGraph()
    for kind, first, second, attributes in iter_network(target):
        if kind == "node":
            graph.add_node(first, **attributes)
        else:
            key = attributes.pop("key")
            graph.add_edge(first, second, key=key, **attributes)
    return graph


def write_network(target: QueryTarget, output: IO[bytes] | Path, *, format: str) -> None:
    """Write the KB's network in ``format``. GraphML, node-link and Cytoscape JSON stream from the
    store (edges are written as they come; what is held is the nodes); GEXF, which lists every node
    before any edge and numbers attributes up front, is written from :func:`to_networkx`'s graph."""
    writers = {"graphml": write_graphml, "node-link": _write_json_network, "cytoscape": _write_json_network}
    if format not in writers:
        write_graph(to_networkx(target), output, format=format)
        return
    if isinstance(output, Path):
        with output.open("wb") as handle:
            writers[format](target, handle, format=format)
    else:
        writers[format](target, output, format=format)


def _write_json_network(target: QueryTarget, output: IO[bytes], *, format: str) -> None:
    """Node-link or Cytoscape JSON, edges first (as they come), then the nodes met; ``networkx``
    reads either back (``node_link_graph``, ``cytoscape_graph``) as :func:`to_networkx`'s graph."""
    cytoscape = format == "cytoscape"
    output.write(b'{"data": [], "directed": true, "multigraph": true, "elements": {"edges": [\n' if cytoscape
                 else b'{"directed": true, "multigraph": true, "graph": {}, "links": [\n')
    nodes: list[dict[str, Any]] = []
    buffer: list[str] = []
    separator = ""
    for kind, first, second, attributes in iter_network(target):
        if kind == "node":
            # Cytoscape shows "name": the label (in the attributes), not the IRI, which stays in "iri" and "id".
            nodes.append({**attributes, "id": first, "value": first} if cytoscape else {**attributes, "id": first})
            continue
        key = attributes.pop("key")
        link = {**attributes, "source": first, "target": second, "key": key}
        buffer.append(separator + json.dumps({"data": link} if cytoscape else link, ensure_ascii=False))
        separator = ",\n"
        if len(buffer) > 5_000:
            output.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    output.write("".join(buffer).encode("utf-8"))
    output.write(b'\n], "nodes": [\n' if cytoscape else b'\n], "nodes": [\n')
    output.write(",\n".join(json.dumps({"data": node} if cytoscape else node, ensure_ascii=False) for node in nodes).encode("utf-8"))
    output.write(b"\n]}}\n" if cytoscape else b"\n]}\n")


def write_graphml(target: QueryTarget, output: IO[bytes], *, format: str = "graphml") -> None:
    """Write the network as GraphML while its rows arrive: nodes when first met, edges as they come.

    GraphML lets nodes and edges interleave, and ``networkx.read_graphml`` reads the file back as the
    graph :func:`to_networkx` builds (same nodes, edges, keys and typed attributes). Every edge
    attribute a row can carry is declared, typed by the template's column types.
    """
    columns = load_template("network_edges").columns
    edge_keys = [("source_id" if name == "source" else name, _GRAPHML_TYPES.get(kind, "string"))
                 for name, kind in columns.items() if name not in _EDGE_SKIP]
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    ]
    for name, kind in edge_keys:
        parts.append(f'<key id={quoteattr(name)} for="edge" attr.name={quoteattr(name)} attr.type="{kind}"/>\n')
    for name in _NODE_KEYS:
        parts.append(f'<key id="{name}" for="node" attr.name="{name}" attr.type="string"/>\n')
    parts.append('<graph edgedefault="directed">\n')
    output.write("".join(parts).encode("utf-8"))
    buffer: list[str] = []
    for kind, first, second, attributes in iter_network(target):
        if kind == "node":
            buffer.append(f"<node id={quoteattr(first)}>")
        else:
            key = attributes.pop("key")
            buffer.append(f"<edge source={quoteattr(first)} target={quoteattr(second)} id={quoteattr(key)}>")
        buffer.extend(f'<data key="{name}">{escape(_graphml_value(value))}</data>' for name, value in attributes.items())
        buffer.append("</node>\n" if kind == "node" else "</edge>\n")
        if len(buffer) > 5_000:
            output.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    buffer.append("</graph>\n</graphml>\n")
    output.write("".join(buffer).encode("utf-8"))


def write_graph(graph: nx.MultiDiGraph, output: IO[bytes] | Path, *, format: str) -> None:
    """Write a networkx graph as GraphML, GEXF, node-link JSON or Cytoscape JSON."""
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


def _graphml_value(value: object) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    return str(value)


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
