"""One measurement per process, for the harness (``python -m benchmarks.worker COMMAND ...``).

Each command prints JSON lines on standard output; the last field of each is the process's
peak RSS so far (``ru_maxrss``). Commands:

- ``parse XML``: a bare lxml ``iterparse`` over a PubMed file (the floor of reading it);
- ``yaml FOLDER``: ``yaml.load`` (libyaml when available) of findings files;
- ``count STORE``: quads in a store;
- ``dump STORE OUT``: pyoxigraph's own ``Store.dump`` to N-Quads (the export floor);
- ``bulkload NQUADS DIR``: ``Store.bulk_load`` of N-Quads into a fresh store (the ingest floor);
- ``export STORE FORMAT OUT [INFORES]``: ``KnowledgeBase.export``;
- ``templates STORE CASES.json REPEAT BUDGET_S``: each case through
  ``KnowledgeBase.open(STORE, read_only=True).query(...)``, one line per case.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(**fields: object) -> None:
    print(json.dumps({**fields, "maxrss_mib": round(_rss_mib(), 1)}, default=str), flush=True)


def parse(path: str) -> None:
    from lxml import etree

    start = time.perf_counter()
    records = 0
    for _, element in etree.iterparse(path, events=("end",), tag="PubmedArticle", resolve_entities=False, no_network=True, huge_tree=True):
        records += 1
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]
    _emit(seconds=time.perf_counter() - start, records=records)


def load_yaml(paths: list[str]) -> None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if len(paths) == 1 and Path(paths[0]).is_dir():
        paths = [str(p) for p in sorted(Path(paths[0]).glob("*.yaml"))]
    start = time.perf_counter()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            yaml.load(handle, Loader=loader)
    _emit(seconds=time.perf_counter() - start, files=len(paths))


def count(store: str) -> None:
    import pyoxigraph as ox

    _emit(quads=len(ox.Store.read_only(store)))


def dump(store: str, output: str) -> None:
    import pyoxigraph as ox

    opened = ox.Store.read_only(store)
    start = time.perf_counter()
    opened.dump(output, format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - start
    _emit(seconds=seconds, quads=len(opened), bytes=Path(output).stat().st_size)


def bulkload(nquads: str, folder: str) -> None:
    import pyoxigraph as ox

    store = ox.Store(folder)
    start = time.perf_counter()
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - start
    _emit(seconds=seconds, quads=len(store))


def export(store: str, fmt: str, output: str, infores: str | None = None) -> None:
    from kb import KnowledgeBase

    with KnowledgeBase.open(store, read_only=True) as kb:
        quads = kb.store.count()
        start = time.perf_counter()
        result = kb.export(fmt, output, infores=infores) if infores else kb.export(fmt, output)
        seconds = time.perf_counter() - start
    target = Path(output)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) if target.is_dir() else target.stat().st_size
    rows = getattr(result, "rows", None)
    kgx = getattr(result, "kgx", None)
    if kgx is not None:
        kgx = {k: v for k, v in vars(kgx).items() if isinstance(v, (int, float, str))} if hasattr(kgx, "__dict__") else str(kgx)
    _emit(seconds=seconds, quads=quads, rows=rows, bytes=size, kgx=kgx)


def _finding_iri(kb, trial: str) -> str | None:
    for name, params in (("outcome_results", {"trial": trial}), ("adverse_events", {"trial": trial}), ("evidence_table", {})):
        try:
            rows = kb.query(name, **params)
        except Exception:  # noqa: BLE001 - a changed template: try the next one
            continue
        for row in rows:
            value = getattr(row, "finding", None) or getattr(row, "comparison", None)
            if value:
                return str(value)
    return None


def templates(store: str, cases_path: str, repeat: str, budget: str) -> None:
    """Run each case; after the first run, repeat while fewer than REPEAT runs and under BUDGET_S seconds."""
    from kb import KnowledgeBase

    cases = json.loads(Path(cases_path).read_text(encoding="utf-8"))
    runs_wanted, budget_s = int(repeat), float(budget)
    start = time.perf_counter()
    kb = KnowledgeBase.open(store, read_only=True)
    kb.vocabulary  # noqa: B018 - load the vocabularies before timing anything
    _emit(event="opened", seconds=time.perf_counter() - start)
    finding = None
    for case in cases:
        params = dict(case["params"])
        if params.get("finding") == "@finding":
            finding = finding or _finding_iri(kb, case.get("trial", ""))
            if finding is None:
                _emit(event="case", id=case["id"], error="no finding IRI found to query with", runs_ms=[], rows=None)
                continue
            params["finding"] = finding
        _emit(event="start", id=case["id"])
        runs: list[float] = []
        rows = None
        error = None
        spent = 0.0
        while len(runs) < runs_wanted and (not runs or spent < budget_s):
            t0 = time.perf_counter()
            try:
                result = kb.query(case["template"], **params)
            except Exception as exc:  # noqa: BLE001 - record and go on, as the brief asks
                error = f"{type(exc).__name__}: {exc}"[:500]
                break
            elapsed = time.perf_counter() - t0
            runs.append(elapsed * 1000)
            spent += elapsed
            rows = len(result)
        _emit(event="case", id=case["id"], error=error, runs_ms=[round(r, 3) for r in runs], rows=rows)
    kb.close()


COMMANDS = {"parse": parse, "count": count, "dump": dump, "bulkload": bulkload, "export": export, "templates": templates}


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "yaml":
        load_yaml(args)
    else:
        COMMANDS[command](*args)


if __name__ == "__main__":
    main(sys.argv[1:])
