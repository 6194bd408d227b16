"""What a query over the union of graphs sees (``docs/decisions/0008-union-default-graph.md``).

The union default graph holds a triple once per graph that holds it (every backend kb runs on:
embedded Oxigraph, Oxigraph server, Virtuoso). So a raw ``COUNT(*)`` over ``{ ?s ?p ?o }``
counts quads, ``kb stats`` reports quads and, on request, distinct triples (the RDF merge),
and every template answers the same rows whether the union repeats triples or merges them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib

from kb import KnowledgeBase, OxigraphStore
from kb.paths import examples_dir
from kb.sparql import bind_values
from kb.store.backend import Term
from tests.conftest import FIXED_TIME, run_cli, shared_path
from tests.integration.servers import Server
from tests.integration.template_goldens import CALLS, build

COUNT_UNION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_MERGE = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
#: Triples (without blank nodes, whose labels differ per store) that more than one graph holds.
SHARED_TRIPLES = """
SELECT ?s ?p ?o (COUNT(?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) }
GROUP BY ?s ?p ?o HAVING(COUNT(?g) > 1) ORDER BY DESC(?graphs) ?s ?p ?o
"""


def _number(kb: KnowledgeBase, query: str) -> int:
    result = kb.sparql(query)
    assert not isinstance(result, (bool, list))
    value = result.rows[0][0]
    assert isinstance(value, ox.Literal)
    return int(value.value)


def _examples(kb: KnowledgeBase) -> KnowledgeBase:
    report = kb.ingest("findings", sorted(examples_dir().glob("*.yaml")), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    return kb


@pytest.fixture(scope="module")
def examples() -> Iterator[KnowledgeBase]:
    kb = _examples(KnowledgeBase.memory())
    yield kb
    kb.close()


def test_raw_sparql_counts_a_triple_once_per_graph_and_stats_reports_both(examples: KnowledgeBase) -> None:
    stats = examples.stats(distinct_triples=True)
    assert stats.quads == examples.store.count() == _number(examples, COUNT_UNION)
    assert stats.triples == _number(examples, COUNT_MERGE)
    assert stats.triples < stats.quads  # the examples share trials, arms and drugs between sources
    assert stats[:-1] == examples.stats()  # the same row, one column longer
    assert not hasattr(examples.stats(), "triples")


def test_the_counts_equal_rdflibs_of_the_nquads_export(examples: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "kb.nq"
    examples.export("nquads", path)
    dataset = rdflib.Dataset()
    dataset.parse(path, format="nquads")
    quads = list(dataset.quads((None, None, None, None)))
    stats = examples.stats(distinct_triples=True)
    assert stats.quads == len(quads)
    assert stats.triples == len({(s, p, o) for s, p, o, _ in quads})


def test_kb_stats_prints_distinct_triples_on_request(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _examples(KnowledgeBase.open(store)).close()
    plain = run_cli(store, "stats", "--format", "json")
    asked = run_cli(store, "stats", "--triples", "--format", "json")
    assert plain.code == asked.code == 0, (plain.stderr, asked.stderr)
    [plain_row], [asked_row] = json.loads(plain.stdout), json.loads(asked.stdout)
    assert "triples" not in plain_row
    assert asked_row == {**plain_row, "triples": asked_row["triples"]}
    assert 0 < asked_row["triples"] < asked_row["quads"]


class RdfMergeStore(OxigraphStore):
    """A store whose default graph is the RDF merge of its named graphs: each triple once.

    This is the other reading of "the union" (Jena's ``unionDefaultGraph``, for one): the
    merge is written into the default graph and queried without Oxigraph's union option.
    """

    def _query(self, query: str, bindings: Mapping[str, Term] | None, *, dataset: Any = None) -> Any:
        return self._live().query(bind_values(query, bindings or {}), use_default_graph_as_union=False)


def _merged(kb: KnowledgeBase) -> KnowledgeBase:
    store = ox.Store()
    quads = list(kb.store.quads())
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return KnowledgeBase(RdfMergeStore(store))


#: GROUP_CONCAT columns, whose parts SPARQL leaves in no order (as in test_store_contract.py).
CONCATENATED = {("publication", "sources"): " ", ("unresolved", "name"): " | ", ("unresolved", "sources"): ", ",
                ("synthesis_estimates", "pools"): " ", ("synthesis_estimates", "pooled_trials"): ", "}


def _rows(kb: KnowledgeBase, name: str, params: dict[str, Any]) -> list[str]:
    """The rows as a sorted list: rows that tie on every ORDER BY key (evidence_table, adverse_event_table,
    drugs_for_target on the shared fixtures) come in the order the store meets them."""
    rows = []
    for row in kb.query(name, params):
        record = row._asdict()
        for (template, column), separator in CONCATENATED.items():
            if template == name and record[column]:
                record[column] = separator.join(sorted(record[column].split(separator)))
        rows.append(json.dumps(record, default=str, sort_keys=True))
    return sorted(rows)


@pytest.mark.parametrize("corpus", ["examples", "examples_and_shared"])
def test_every_template_answers_the_same_over_the_rdf_merge(corpus: str) -> None:
    union = build(shared_path() if corpus == "examples_and_shared" else None)
    merged = _merged(union)
    assert _number(merged, COUNT_UNION) == union.stats(distinct_triples=True).triples < union.stats().quads
    assert merged.stats(distinct_triples=True) == union.stats(distinct_triples=True)
    differing = [(name, params) for name, params in CALLS if _rows(union, name, params) != _rows(merged, name, params)]
    assert not differing


@pytest.mark.parametrize("server_name", ["oxigraph_server", "virtuoso_server"])
def test_servers_repeat_a_triple_per_graph_and_count_the_same(server_name: str, request: pytest.FixtureRequest,
                                                              examples: KnowledgeBase) -> None:
    server: Server = request.getfixturevalue(server_name)
    kb = KnowledgeBase.open(server.url)
    try:
        for graph in kb.store.named_graphs():  # the session's server may hold another module's graphs
            kb.store.remove_graph(graph)
        _examples(kb)
        assert kb.store.count() == examples.store.count()
        assert kb.store.distinct_triples() == examples.store.distinct_triples()
        shared = examples.sparql(SHARED_TRIPLES)
        assert not isinstance(shared, (bool, list)) and shared.rows
        for store in (examples, kb):
            for s, p, o, graphs in shared.rows[:5]:
                found = store.sparql("SELECT ?s WHERE { ?s ?p ?o }", {"s": s, "p": p, "o": o})  # type: ignore[dict-item]
                assert not isinstance(found, (bool, list))
                assert isinstance(graphs, ox.Literal) and len(found.rows) == int(graphs.value)
    finally:
        for graph in kb.store.named_graphs():
            kb.store.remove_graph(graph)
        kb.close()
