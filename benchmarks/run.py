"""Benchmarks: `python benchmarks/run.py [--documents N]`.

Every figure is printed next to a baseline measured in the same process, as a ratio:
- ingest: our whole path (validate JSON into records, map to RDF, swap the source graph into the
  on-disk store, one transaction per source) against a bare `json.loads` of the same files, and
  against pyoxigraph's own bulk loader writing the same quads;
- memory store: the same quads added to plain rdflib (`Dataset.addN`);
- queries: each catalogue template on our store against the same bound query text on plain rdflib.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyoxigraph as ox  # noqa: E402

from kb.ingestion import load_documents  # noqa: E402
from kb.models import FindingsDocument  # noqa: E402
from kb.rdf import IriScheme  # noqa: E402
from kb.store import KBStore  # noqa: E402
from kb.vocab import get_vocabulary  # noqa: E402
from synthetic import synthetic_documents  # noqa: E402


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def row(label: str, seconds: float, baseline: float, note: str = "") -> None:
    print(f"  {label:<48} {seconds * 1000:>10.1f} ms   x{seconds / baseline:>8.2f}   {note}")


def bench_ingest(count: int, workdir: Path) -> KBStore:
    print(f"\n== ingest: {count} synthetic reports ==")
    documents = synthetic_documents(count)
    texts = [d.model_dump_json() for d in documents]
    bare, _ = timed(lambda: [json.loads(t) for t in texts])
    row("baseline: json.loads of every file", bare, bare)

    vocabulary = get_vocabulary()
    store = KBStore.open(workdir / "kb")

    def ours() -> object:
        parsed = [("bench.json", FindingsDocument.model_validate_json(t)) for t in texts]
        return load_documents(store, parsed, iris=IriScheme(), vocabulary=vocabulary)

    seconds, report = timed(ours)
    quads = store.count()
    row("ours: validate + map + per-source transaction", seconds, bare, f"{quads} quads, {quads / seconds:,.0f} quads/s")

    all_quads = list(store.quads())
    bulk_store = ox.Store(str(workdir / "bulk"))
    bulk, _ = timed(lambda: bulk_store.bulk_extend(all_quads))
    row("pyoxigraph bulk_extend of the same quads", bulk, bare, f"ours/bulk = {seconds / bulk:.1f}")

    from rdflib import Dataset, Literal, URIRef, BNode

    def to_rdflib(term):
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        return Literal(term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value))

    converted = [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), to_rdflib(q.graph_name)) for q in all_quads]
    dataset = Dataset(default_union=True)
    rdflib_seconds, _ = timed(lambda: dataset.addN((s, p, o, dataset.graph(g)) for s, p, o, g in converted))
    row("plain rdflib Dataset.addN (memory) of the same quads", rdflib_seconds, bare, f"ours/rdflib = {seconds / rdflib_seconds:.2f}")
    return store


QUERY_CASES = [
    ("publication", {"doi": "10.5555/bench.7"}),
    ("outcome_results", {"drug": "lenalidomide", "outcome": "overall survival"}),
    ("adverse_events", {"drug": "bortezomib", "min_grade": "3", "min_incidence": "20"}),
    ("mechanisms", {"target": "NF-kB"}),
    ("drugs_for_target", {"target": "interleukin-6"}),
    ("trial_reports", {"trial": "NCT90000042"}),
    ("stats", {}),
]


def bench_queries(store: KBStore, dataset, label: str, oxrdflib_graph=None) -> None:
    """Each template on our store, and (when ``dataset`` is given) on plain rdflib with the same text."""
    from kb.query import bind_parameters, load_template
    from kb.sparql import bind_values

    print(f"\n== queries: {label} ==")
    for name, params in QUERY_CASES:
        template = load_template(name)
        bindings = bind_parameters(template, params, vocabulary=get_vocabulary())
        ours, result = timed(lambda: store.select(template.text, bindings), repeat=3)
        line = f"  {name:<18} ours {ours * 1000:>9.1f} ms  {len(result.rows):>6} rows"
        if dataset is not None:
            text = bind_values(template.text, bindings)
            theirs, rows = timed(lambda: list(dataset.query(text)))
            line += f"   rdflib {theirs * 1000:>10.1f} ms  {len(rows):>6} rows   rdflib/ours = {theirs / ours:,.0f}"
        if oxrdflib_graph is not None:
            text = bind_values(template.text, bindings)
            through, rows = timed(lambda: list(oxrdflib_graph.query(text)), repeat=3)
            line += f"   oxrdflib {through * 1000:>8.1f} ms  {len(rows):>6} rows   oxrdflib/ours = {through / ours:.2f}"
        print(line)


def to_oxrdflib_dataset(store: KBStore):
    """The same quads behind rdflib's API on Oxigraph (oxrdflib), or None when it is not installed."""
    try:
        from rdflib import Dataset
        import oxrdflib  # noqa: F401 - registers the "Oxigraph" rdflib store
    except ImportError:
        return None
    buffer = io.BytesIO()
    store.dump(buffer, format="nquads")
    dataset = Dataset(store="Oxigraph", default_union=True)
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="ox-nquads")
    return dataset


def to_rdflib_dataset(store: KBStore):
    """The store's quads in a plain in-memory rdflib Dataset (the baseline)."""
    from rdflib import Dataset

    buffer = io.BytesIO()
    store.dump(buffer, format="nquads")
    dataset = Dataset(default_union=True)
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000, help="synthetic reports to ingest (about 340 quads each)")
    parser.add_argument("--compare-documents", type=int, default=30, help="reports in the small KB compared with plain rdflib")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = bench_ingest(args.documents, Path(directory))
        bench_queries(store, None, f"our store on disk, {store.count():,} quads")
        memory = KBStore.memory()
        memory.bulk_extend(store.quads())
        bench_queries(memory, None, "our store in memory, same quads, against rdflib's API on in-memory Oxigraph (oxrdflib)", to_oxrdflib_dataset(store))
        small = KBStore.memory()
        parsed = [("bench.json", d) for d in synthetic_documents(args.compare_documents)]
        load_documents(small, parsed, iris=IriScheme(), vocabulary=get_vocabulary())
        bench_queries(small, to_rdflib_dataset(small), f"ours vs plain rdflib, same bound text, {small.count():,} quads (rdflib's engine does not finish these at the size above)")


if __name__ == "__main__":
    main()
