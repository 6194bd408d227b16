"""32 concurrent clients, 20 queries each, while ``kb ingest`` (another process) writes to the
same store: every request is answered, correctly, none lost; and a query that starts after an
ingest has committed sees what it committed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from kb.paths import examples_dir
from tests.conftest import run_cli
from tests.serve.conftest import kb_sparql, start_server

CLIENTS, QUERIES = 32, 20
STABLE = ["mm009_weber2007.yaml", "mm010_ash2005.yaml", "mm010_dimopoulos2007.yaml"]
CHURN = {"pooled_ash2007.yaml": "ash-2007-pooled-os", "pooled_leukemia2009.yaml": "leukemia-2009-pooled-mm009-mm010"}
WEBER = "https://w3id.org/trial-evidence-kb/id/graph/source/weber-2007-mm009"
TEKB = "PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#>\n"
GRAPH_QUERY = "SELECT ?s ?p ?o WHERE { GRAPH <" + WEBER + "> { ?s ?p ?o } } ORDER BY ?s ?p ?o"
SOURCES_QUERY = TEKB + "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a tekb:SourceGraph } }"
_KB = "import sys; from kb.cli import main; sys.exit(main(sys.argv[1:]))"


def _kb(store: Path, *args: str) -> None:
    """Run ``kb`` as its own process (a writer the server does not share anything with)."""
    done = subprocess.run([sys.executable, "-c", _KB, "--store", str(store), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _solutions(body: bytes) -> list[tuple[str, ...]]:
    parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [tuple(str(s[n]) for n in names) for s in parsed]


def test_concurrent_clients_while_an_ingest_writes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli(store, "ingest", "findings", *(str(examples_dir() / name) for name in STABLE)).code == 0
    expected_graph = _solutions(kb_sparql(store, GRAPH_QUERY))
    api_params = {"doi": "10.1056/NEJMoa070596"}
    expected_api = json.loads(run_cli(store, "query", "outcome_results", "-p", "doi=10.1056/NEJMoa070596", "-f", "json").stdout)
    expected_csv = kb_sparql(store, TEKB + "SELECT ?finding ?quote WHERE { ?finding a tekb:MechanismClaim ; tekb:quote ?quote } ORDER BY ?finding", "csv")
    assert len(expected_graph) > 100 and expected_api

    server = start_server(store, tmp_path / "log")
    stop = threading.Event()
    commits: list[float] = []

    def churn() -> None:
        while not stop.is_set():
            _kb(store, "ingest", "findings", "--wait", "60", *(str(examples_dir() / name) for name in CHURN))
            commits.append(time.monotonic())
            for source in CHURN.values():
                _kb(store, "sources", "remove", source, "--wait", "60")

    def client(number: int) -> list[str]:
        problems = []
        with httpx.Client(base_url=server.url, timeout=120) as http:
            for index in range(QUERIES):
                kind = (number + index) % 4
                if kind == 0:
                    response = http.get("sparql", params={"query": GRAPH_QUERY}, headers={"Accept": "application/sparql-results+json"})
                    ok = response.status_code == 200 and _solutions(response.content) == expected_graph
                elif kind == 1:
                    response = http.get("api/templates/outcome_results", params=api_params)
                    ok = response.status_code == 200 and response.json()["rows"] == expected_api
                elif kind == 2:
                    query = TEKB + "SELECT ?finding ?quote WHERE { ?finding a tekb:MechanismClaim ; tekb:quote ?quote } ORDER BY ?finding"
                    response = http.post("sparql", data={"query": query}, headers={"Accept": "text/csv"})
                    ok = response.status_code == 200 and response.content == expected_csv
                else:
                    response = http.post("sparql", content=SOURCES_QUERY, headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
                    ok = response.status_code == 200 and int(response.json()["results"]["bindings"][0]["n"]["value"]) in (3, 4, 5)
                if not ok:
                    problems.append(f"client {number} query {index} (kind {kind}): {response.status_code} {response.text[:300]}")
        return problems

    writer = threading.Thread(target=churn, name="ingest-churn")
    try:
        writer.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(client, range(CLIENTS)))
        clients_done = time.monotonic()
        stop.set()
        writer.join(300)
        assert not writer.is_alive()
        # the rule: once an ingest has committed (its process has ended), the next query sees it
        _kb(store, "ingest", "findings", *(str(examples_dir() / name) for name in CHURN))
        after = httpx.post(server.sparql, content=SOURCES_QUERY, headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        assert int(after.json()["results"]["bindings"][0]["n"]["value"]) == 5
    finally:
        stop.set()
        server.stop()
    problems = [problem for found in results for problem in found]
    assert problems == [], "\n".join(problems[:10])
    assert commits and commits[0] < clients_done  # the queries ran while ingests wrote (and removed)
    answered: list[dict[str, Any]] = [e for e in server.access_log() if e.get("path") in ("/sparql", "/api/templates/outcome_results")]
    assert len(answered) == CLIENTS * QUERIES + 1 and all(e["status"] == 200 for e in answered)
