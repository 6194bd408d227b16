"""``kb graph``: network analyses over the KB (paths, neighbours, co-authors, hubs)."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
import typer
from rich.console import Console

from kb.cli.context import open_kb
from kb.cli.output import RowFormat, print_rows
from kb.export.network import coauthors, describe_edge, find_node, hubs, iter_paths, neighbours, to_networkx
from kb.vocab import Vocabulary

__all__ = ["app"]

app = typer.Typer(help="Network analyses over the KB's entities.", no_args_is_help=True)


def _graph(ctx: typer.Context) -> tuple[nx.MultiDiGraph, Vocabulary]:
    """The KB's network, and its vocabulary to find nodes by name."""
    with open_kb(ctx, read_only=True) as kb:
        return to_networkx(kb), kb.vocabulary


def describe_step(data: dict[str, Any]) -> str:
    """An edge as ``kb graph paths`` prints it: :func:`describe_edge`, with the arms a comparison
    sets against each other (in the report's own direction) or the arm an adverse event counts.

    >>> describe_step({"predicate": "has_result", "measure": "hazard_ratio", "estimate": 1.295,
    ...                "arm": "Dexamethasone alone", "reference_arm": "Lenalidomide plus dexamethasone", "source_id": "s"})
    'has_result [Dexamethasone alone vs Lenalidomide plus dexamethasone: hazard_ratio 1.295; source s]'
    """
    text = describe_edge(data)
    if data.get("arm") and data.get("reference_arm"):
        arms = f"{data['arm']} vs {data['reference_arm']}"
    elif data.get("arm"):
        arms = f"arm {data['arm']}"
    else:
        return text
    # The first '[' opens the details (a predicate never holds one).
    return text.replace("[", f"[{arms}: ", 1) if "[" in text else f"{text} [{arms}]"


@app.command()
def paths(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(help="From: a name, CURIE, IRI or label, e.g. lenalidomide.")],
    end: Annotated[str, typer.Argument(help="To, e.g. 'overall survival'.")],
    limit: Annotated[int, typer.Option(help="At most this many paths.")] = 5,
) -> None:
    """Shortest paths from one entity to another, with the findings' numbers, the arms they compare and sources on each step."""
    graph, vocabulary = _graph(ctx)
    a, b = find_node(graph, start, vocabulary=vocabulary), find_node(graph, end, vocabulary=vocabulary)
    console = Console(highlight=False, soft_wrap=True)
    count = 0
    for path in iter_paths(graph, a, b, limit=limit):
        count += 1
        steps = [graph.nodes[path[0][0]]["label"]]
        for _, target, data in path:
            steps.append(f"--{describe_step(data)}--> {graph.nodes[target]['label']}")
        console.print(f"{count}. " + " ".join(steps), markup=False)
    if not count:
        console.print(f"no path from {graph.nodes[a]['label']!r} to {graph.nodes[b]['label']!r}", markup=False)


@app.command("neighbours")
def neighbours_command(
    ctx: typer.Context,
    node: Annotated[str, typer.Argument(help="A name, CURIE, IRI or label.")],
    depth: Annotated[int, typer.Option(help="How many steps out.")] = 1,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
) -> None:
    """Entities within DEPTH steps of NODE."""
    graph, vocabulary = _graph(ctx)
    print_rows(("label", "kind", "distance"), neighbours(graph, find_node(graph, node, vocabulary=vocabulary), depth=depth), fmt)


@app.command("coauthors")
def coauthors_command(
    ctx: typer.Context,
    author: Annotated[str, typer.Argument(help="Author name as the KB holds it, or ORCID IRI.")],
    fmt: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
) -> None:
    """Co-authors of AUTHOR with the number of shared publications."""
    graph, vocabulary = _graph(ctx)
    print_rows(("coauthor", "shared_publications"), coauthors(graph, find_node(graph, author, vocabulary=vocabulary)), fmt)


@app.command("hubs")
def hubs_command(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(help="How many per kind.")] = 5,
    fmt: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
) -> None:
    """The most connected entities of each kind."""
    rows = [(kind, label, degree) for kind, items in hubs(_graph(ctx)[0], top=top).items() for label, degree in items]
    print_rows(("kind", "label", "degree"), rows, fmt)
