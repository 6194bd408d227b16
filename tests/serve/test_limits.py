"""The time limit and the row limit: a query that would run for minutes ends with a clear error
within the limit plus a second, and the server goes on answering; a long result is cut and says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.serve.conftest import Server, start_server

LIMIT = 2.0
#: Three nested scans of the store: about 2.4e10 solutions to count on the examples (hours).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: A runaway whose first solution never comes: ORDER BY must see every solution first.
RUNAWAY_SORTED = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited(module_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(module_store, tmp_path_factory.mktemp("log"), "--timeout", str(LIMIT), "--row-limit", "100", "--workers", "2")
    try:
        yield server
    finally:
        server.stop()


def _count(server: Server) -> int:
    response = httpx.get(server.sparql, params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("query", [RUNAWAY, RUNAWAY_SORTED])
def test_runaway_query_ends_within_the_limit_and_the_next_is_answered(limited: Server, query: str) -> None:
    expected = _count(limited)
    started = time.monotonic()
    response = httpx.get(limited.sparql, params={"query": query}, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert f"did not finish within {LIMIT:g} s" in response.text
    assert elapsed < LIMIT + 1.0, f"the error came after {elapsed:.2f} s"
    assert _count(limited) == expected  # the next query is answered, and right


def test_every_worker_stuck_then_all_replaced(limited: Server) -> None:
    """More runaways than workers at once: each ends in time (the third once a worker is free),
    and the killed workers are replaced: queries are answered afterwards."""
    expected = _count(limited)
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: httpx.get(limited.sparql, params={"query": RUNAWAY}, timeout=60), range(3)))
    assert [r.status_code for r in responses] == [503, 503, 503]
    for _ in range(4):
        assert _count(limited) == expected


def test_row_limit_cuts_and_says_so(limited: Server) -> None:
    response = httpx.get(limited.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "json"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 100
    assert response.headers["X-KB-Truncated"] == "true" and response.headers["X-KB-Row-Limit"] == "100"
    small = httpx.get(limited.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100", "format": "csv"})
    assert "X-KB-Truncated" not in small.headers and small.headers["X-KB-Rows"] == "100"
    graph = httpx.get(limited.sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert graph.headers["X-KB-Truncated"] == "true" and len(graph.text.splitlines()) == 100


def test_timeout_is_logged(limited: Server) -> None:
    httpx.get(limited.sparql, params={"query": RUNAWAY}, timeout=60)
    entries = [e for e in limited.access_log() if e.get("path") == "/sparql" and e["status"] == 503]
    assert entries and all(isinstance(e["ms"], float) and e["ms"] >= LIMIT * 1000 for e in entries)


def test_query_page_has_the_same_limit(limited: Server) -> None:
    started = time.monotonic()
    page = httpx.get(limited.url + "query", params={"query": RUNAWAY}, timeout=60)
    assert time.monotonic() - started < LIMIT + 1.0
    assert page.status_code == 503 and "did not finish within" in page.text and 'role="alert"' in page.text
    assert _count(limited) > 0


def test_replaced_workers_are_logged(limited: Server) -> None:
    assert httpx.get(limited.sparql, params={"query": RUNAWAY}, timeout=60).status_code == 503
    deadline = time.monotonic() + 10
    while not (events := [e for e in limited.access_log() if e.get("event") == "worker replaced"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert events and all(e["reason"] == "time limit" and isinstance(e["pid"], int) for e in events)
