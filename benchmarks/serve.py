"""``python -m benchmarks.serve``: ``kb serve`` under concurrent clients, against ``kb sparql`` in-process.

Starts ``kb serve`` on a free 127.0.0.1 port over a store (``--store``, or the bundled examples
ingested into a temporary folder, or ``--synthetic N`` reports), then runs ``--clients`` threads,
each sending ``--queries`` SPARQL queries (a mix of catalogue templates with their parameters
bound, as the API binds them, and two plain queries) by HTTP, asking for SPARQL JSON. The floor is
the same queries run in this process, one after another, through ``KnowledgeBase.raw_sparql`` and
Oxigraph's JSON serializer (what ``kb sparql`` does, without starting a process per query).

Prints p50/p95/max latency and requests/s for both, and the server's figures with ``--ingest``
(an ingest of the examples in a loop, as another process, while the clients run). Nothing
asserts on time. Example::

    .venv/bin/python -m benchmarks.serve --clients 32 --queries 20
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from kb import KnowledgeBase
from kb.paths import examples_dir
from kb.query import bind_parameters, load_template
from kb.sparql import bind_values

_KB = "import sys; from kb.cli import main; sys.exit(main(sys.argv[1:]))"
#: (template, parameters): the catalogue queries of the mix, bound as kb query binds them.
CALLS = [
    ("outcome_results", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("mechanisms", {"drug": "Revlimid"}),
    ("adverse_events", {"drug": "lenalidomide", "min_grade": "3"}),
    ("trial_reports", {"trial": "MM-009"}),
    ("publication", {"doi": "10.1056/NEJMoa070596"}),
    ("stats", {}),
]
PLAIN = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 200",
]


def _kb(store: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-c", _KB, "--store", str(store), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"kb {' '.join(args)} failed: {done.stderr}")


def queries(store: Path) -> list[str]:
    """The mix: every call's template text with its parameters bound as VALUES, then the plain queries."""
    texts = []
    with KnowledgeBase.open(store, read_only=True) as kb:
        for name, params in CALLS:
            template = load_template(name)
            bindings = bind_parameters(template, params, vocabulary=kb.names)
            given = {p for p, parameter in template.parameters.items() if parameter.variable in bindings}
            texts.append(bind_values(template.text_for(given), bindings))
    return texts + PLAIN


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _row(label: str, latencies: list[float], seconds: float) -> str:
    return (f"| {label} | {len(latencies)} | {statistics.median(latencies) * 1000:.1f} | {_percentile(latencies, 0.95) * 1000:.1f} "
            f"| {max(latencies) * 1000:.1f} | {len(latencies) / seconds:.0f} |")


def in_process(store: Path, texts: list[str], total: int) -> tuple[list[float], float]:
    """``total`` queries of the mix, one after another, as ``kb sparql`` runs them (JSON results)."""
    latencies = []
    with KnowledgeBase.open(store, read_only=True) as kb:
        started = time.perf_counter()
        for index in range(total):
            begin = time.perf_counter()
            output = io.BytesIO()
            kb.raw_sparql(texts[index % len(texts)]).serialize(output, ox.QueryResultsFormat.JSON)
            latencies.append(time.perf_counter() - begin)
        return latencies, time.perf_counter() - started


def over_http(url: str, texts: list[str], clients: int, per_client: int) -> tuple[list[float], float, int]:
    """``clients`` threads sending ``per_client`` queries each (POST form, one keep-alive
    connection per client: ``http.client``, which sends a request in one write); latencies, wall
    time, failures."""
    parsed = urlsplit(url)
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def client(number: int) -> None:
        nonlocal failures
        connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=120)
        try:
            for index in range(per_client):
                body = urlencode({"query": texts[(number + index) % len(texts)]}).encode()
                begin = time.perf_counter()
                connection.request("POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - begin
                with lock:
                    latencies.append(elapsed)
                    failures += response.status != 200
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return latencies, time.perf_counter() - started, failures


def start_server(store: Path, workers: int | None, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    extra = ["--workers", str(workers)] if workers else []
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-c", _KB, "--store", str(store), "serve", "--port", "0", "--no-access-log", *extra],
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://\S+/)", log.read_text())
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            raise SystemExit(f"kb serve ended: {log.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise SystemExit("kb serve did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a store to serve (read-only; default: the examples in a temporary store)")
    parser.add_argument("--synthetic", type=int, metavar="N", help="serve N synthetic reports (benchmarks/synthetic.py) plus the examples")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--queries", type=int, default=20, help="queries per client")
    parser.add_argument("--workers", type=int, help="kb serve --workers (default: its own)")
    parser.add_argument("--ingest", action="store_true", help="also measure while an ingest of the examples runs in a loop")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="kb-bench-serve-"))
    try:
        store = args.store
        if store is None:
            store = work / "store"
            _kb(store, "ingest", "findings", *map(str, sorted(examples_dir().glob("*.yaml"))))
            if args.synthetic:
                from benchmarks.synthetic import synthetic_documents

                with KnowledgeBase.open(store) as kb:
                    kb.load([(f"bench-{i}.yaml", doc) for i, doc in enumerate(synthetic_documents(args.synthetic))])
        texts = queries(store)
        total = args.clients * args.queries
        floor, floor_seconds = in_process(store, texts, total)
        process, url = start_server(store, args.workers, work / "serve.log")
        figures: dict[str, object] = {"clients": args.clients, "queries_per_client": args.queries, "mix": len(texts)}
        try:
            over_http(url, texts, min(args.clients, 4), 2)  # warm-up: workers load the templates and caches
            latencies, seconds, failures = over_http(url, texts, args.clients, args.queries)
            rows = [_row("kb sparql in-process, sequential (floor)", floor, floor_seconds),
                    _row(f"kb serve, {args.clients} clients x {args.queries}", latencies, seconds)]
            figures.update(floor_p50_ms=statistics.median(floor) * 1000, floor_p95_ms=_percentile(floor, 0.95) * 1000, floor_per_s=total / floor_seconds,
                           serve_p50_ms=statistics.median(latencies) * 1000, serve_p95_ms=_percentile(latencies, 0.95) * 1000,
                           serve_per_s=total / seconds, serve_failures=failures)
            if args.ingest:
                stop = threading.Event()
                churn_store = store

                def churn() -> None:
                    files = [str(examples_dir() / "pooled_ash2007.yaml")]
                    while not stop.is_set():
                        _kb(churn_store, "ingest", "findings", "--wait", "60", *files)
                        _kb(churn_store, "sources", "remove", "ash-2007-pooled-os", "--wait", "60")

                writer = threading.Thread(target=churn)
                writer.start()
                try:
                    during, during_seconds, during_failures = over_http(url, texts, args.clients, args.queries)
                finally:
                    stop.set()
                    writer.join()
                    _kb(churn_store, "ingest", "findings", str(examples_dir() / "pooled_ash2007.yaml"))
                rows.append(_row("kb serve, same, while an ingest writes", during, during_seconds))
                figures.update(ingest_p50_ms=statistics.median(during) * 1000, ingest_p95_ms=_percentile(during, 0.95) * 1000,
                               ingest_per_s=total / during_seconds, ingest_failures=during_failures)
        finally:
            process.terminate()
            process.wait(30)
        with KnowledgeBase.open(store, read_only=True) as kb:
            quads = kb.stats().quads
        print(f"store: {quads:,} quads; query mix: {len(texts)} queries ({', '.join(n for n, _ in CALLS)}, {len(PLAIN)} plain), SPARQL JSON results")
        print()
        print("| run | requests | p50 ms | p95 ms | max ms | requests/s |")
        print("|---|---:|---:|---:|---:|---:|")
        print("\n".join(rows))
        print(f"\nfailed requests: {figures.get('serve_failures', 0)} (+ {figures.get('ingest_failures', 0)} during the ingest)")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
