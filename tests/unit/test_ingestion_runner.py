"""The ingestion runner and its sinks, in memory: one read per file, all-or-nothing files, the bulk sink's crash rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest

import kb.ingestion.runner as runner_module
from kb.ingestion import BulkStoreSink, IngestRunner, ListSink, LoadStatus, NQuadsEmitSink, load_documents
from kb.ingestion.bulk import journal_graph
from kb.models import FindingsDocument
from kb.rdf import IriScheme
from kb.readers import Reader, ReadNote, SkippedRecord, get_reader
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.findings import read_findings_file
from tests.conftest import FIXED_TIME, example_files

LATER = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _pubmed(folder: Path, count: int = 3, *, first: int = 0) -> Path:
    """A small PubMed file of ``count`` generated records with DOIs (numbered from ``first``)."""
    records = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{4_000_000 + n}</PMID><Article><Journal><Title>J</Title></Journal>"
        f"<ArticleTitle>Record {n}.</ArticleTitle><AuthorList><Author><LastName>W{n}</LastName></Author></AuthorList>"
        f"</Article></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=\"doi\">10.5555/unit.{n}</ArticleId>"
        "</ArticleIdList></PubmedData></PubmedArticle>"
        for n in range(first, first + count)
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "set.xml"
    path.write_text(f"<?xml version='1.0'?><PubmedArticleSet>{records}</PubmedArticleSet>", encoding="utf-8")
    return path


def _comparable(quads: object) -> list[str]:
    """Quads as sorted text, blank nodes (the ontology's: each parse names them anew) as ``_:``."""
    def term(t: object) -> str:
        return "_:" if isinstance(t, ox.BlankNode) else str(t)

    return sorted(" ".join(map(term, (q.subject, q.predicate, q.object, q.graph_name))) for q in quads)  # type: ignore[attr-defined]


class CountingReader:
    """A reader that counts how often each file is opened; ``fail_after`` files raise after that many records."""

    name = "counting"
    summary = "counts reads"

    def __init__(self, inner: Reader, fail_after: dict[Path, int] | None = None) -> None:
        self.inner = inner
        self.reads: dict[Path, int] = {}
        self.fail_after = fail_after or {}

    def read(self, path: Path, *, vocabulary: object = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        from kb.errors import RecordError

        self.reads[path] = self.reads.get(path, 0) + 1
        for count, item in enumerate(self.inner.read(path, vocabulary=vocabulary)):  # type: ignore[arg-type]
            if path in self.fail_after and count == self.fail_after[path]:
                raise RecordError(f"{path}: line 99: cut short")
            yield item


def _runner(sink: object, when: datetime = FIXED_TIME) -> IngestRunner:
    return IngestRunner(sink, iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=when)  # type: ignore[arg-type]


def _bulk(store: KBStore, **options: object) -> BulkStoreSink:
    return BulkStoreSink(store, iris=IriScheme(), vocabulary=get_vocabulary(), **options)  # type: ignore[arg-type]


def _reference(files: list[Path]) -> list[str]:
    """What the per-source transactional path (StoreSink) makes of ``files``."""
    store = KBStore.memory()
    documents = [(str(path), read_findings_file(path)) for path in files]
    assert load_documents(store, documents, iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME).ok
    return _comparable(store.quads())


def _changed(tmp_path: Path, name: str = "changed.yaml") -> Path:
    target = example_files()[0]
    changed = tmp_path / name
    changed.write_text(target.read_text(encoding="utf-8").replace("11.1", "11.2", 1), encoding="utf-8")
    return changed


def test_a_list_sink_reads_each_file_once_and_a_file_failing_halfway_keeps_nothing() -> None:
    files = example_files()
    reader = CountingReader(get_reader("findings"), fail_after={files[1]: 0})
    sink = ListSink()
    report = _runner(sink).ingest_files(reader, files)
    assert set(reader.reads.values()) == {1}
    assert [f for f, _ in report.failed] == [str(files[1])] and "line 99" in report.failed[0][1]
    assert {g.source_id for g in sink.graphs} == {read_findings_file(p).source.id for p in files if p != files[1]}
    assert sink.finished


def test_a_list_sink_forgets_the_publications_of_a_failed_file(tmp_path: Path) -> None:
    pubmed = _pubmed(tmp_path)
    reader = CountingReader(get_reader("pubmed"), fail_after={pubmed: 2})
    sink = ListSink()
    assert not _runner(sink).ingest_files(reader, [pubmed]).ok
    assert sink.graphs == [] and sink._publications == {}


def test_the_bulk_sink_builds_the_store_the_transactional_path_builds() -> None:
    store = KBStore.memory()
    reader = CountingReader(get_reader("findings"))
    report = _runner(_bulk(store)).ingest_files(reader, example_files())
    assert report.ok and {s.status for s in report.loaded} == {LoadStatus.added}
    assert set(reader.reads.values()) == {1}
    assert _comparable(store.quads()) == _reference(example_files())
    assert not store.has_graph(journal_graph(IriScheme()))


def test_one_batch_per_file_gives_the_same_store() -> None:
    store = KBStore.memory()
    sink = _bulk(store, batch_quads=1)
    assert _runner(sink).ingest_files(get_reader("findings"), example_files()).ok
    assert sink.batches == len(example_files())
    assert _comparable(store.quads()) == _reference(example_files())


def test_a_second_run_skips_unchanged_sources_before_mapping_them(monkeypatch: pytest.MonkeyPatch) -> None:
    store = KBStore.memory()
    assert _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files()).ok
    before = sorted(map(str, store.quads()))
    mapped: list[str] = []
    original = runner_module.document_to_graph
    monkeypatch.setattr(runner_module, "document_to_graph", lambda document, **kw: mapped.append(document.source.id) or original(document, **kw))
    sink = _bulk(store)
    report = _runner(sink, LATER).ingest_files(get_reader("findings"), example_files())
    assert {s.status for s in report.loaded} == {LoadStatus.unchanged} and mapped == [] and sink.batches == 0
    assert all(s.triples > 0 for s in report.loaded)
    assert sorted(map(str, store.quads())) == before


def test_a_changed_file_replaces_its_graph_and_a_source_twice_in_a_run_ends_as_the_last(tmp_path: Path) -> None:
    store = KBStore.memory()
    assert _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files()).ok
    changed = _changed(tmp_path)
    report = _runner(_bulk(store)).ingest_files(get_reader("findings"), [changed])
    assert [s.status for s in report.loaded] == [LoadStatus.replaced]
    values = {q.object.value for q in store.quads() if q.predicate.value.endswith("#value")}
    assert "11.2" in values and "11.1" not in values

    # both versions in one run, in one batch: the second wins, as it does one transaction at a time
    fresh = KBStore.memory()
    report = _runner(_bulk(fresh)).ingest_files(get_reader("findings"), [example_files()[0], changed, example_files()[0]])
    assert [s.status for s in report.loaded] == [LoadStatus.added, LoadStatus.replaced, LoadStatus.replaced]
    assert _comparable(fresh.quads()) == _reference([example_files()[0], changed, example_files()[0]])
    again = _runner(_bulk(fresh)).ingest_files(get_reader("findings"), [example_files()[0], example_files()[0]])
    assert [s.status for s in again.loaded] == [LoadStatus.unchanged, LoadStatus.unchanged]


def test_a_file_failing_halfway_loads_nothing_and_no_vocabulary_is_written(tmp_path: Path) -> None:
    store = KBStore.memory()
    pubmed = _pubmed(tmp_path)
    reader = CountingReader(get_reader("pubmed"), fail_after={pubmed: 2})
    report = _runner(_bulk(store)).ingest_files(reader, [pubmed])
    assert not report.ok and report.loaded == []
    assert store.count() == 0


def test_a_failed_file_between_good_ones_is_cut_off_the_spool() -> None:
    files = example_files()
    store = KBStore.memory()
    reader = CountingReader(get_reader("findings"), fail_after={files[2]: 0})
    report = _runner(_bulk(store)).ingest_files(reader, files)
    assert [f for f, _ in report.failed] == [str(files[2])]
    kept = [p for p in files if p != files[2]]
    assert _comparable(store.quads()) == _reference(kept)


@pytest.mark.parametrize("load_quads", [200_000, 50], ids=["one-chunk", "a-chunk-per-source"])
def test_a_file_failing_after_some_records_is_cut_off_across_spool_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load_quads: int
) -> None:
    import kb.ingestion.bulk as bulk

    monkeypatch.setattr(bulk, "LOAD_QUADS", load_quads)
    good = [_pubmed(tmp_path / "a", 3), _pubmed(tmp_path / "c", 3, first=20)]
    bad = _pubmed(tmp_path / "b", 6, first=10)
    store = KBStore.memory()
    reader = CountingReader(get_reader("pubmed"), fail_after={bad: 4})
    report = _runner(_bulk(store)).ingest_files(reader, [good[0], bad, good[1]])
    assert [f for f, _ in report.failed] == [str(bad)] and len(report.loaded) == 6
    clean = KBStore.memory()
    assert _runner(_bulk(clean)).ingest_files(get_reader("pubmed"), good).ok
    assert _comparable(store.quads()) == _comparable(clean.quads())


def test_a_commit_killed_after_the_quads_is_repaired_by_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markers never written: the graphs have quads and no marker; the next run drops and rewrites them."""
    store = KBStore.memory()

    def killed(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(store, "load", killed)  # the markers' transaction
        with pytest.raises(KeyboardInterrupt):
            _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files())
    assert store.has_graph(journal_graph(IriScheme()))
    assert not any(q.predicate.value.endswith("#contentHash") for q in store.quads() if "/graph/source/" in q.graph_name.value)
    report = _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files()[:2])
    assert {s.status for s in report.loaded} == {LoadStatus.added}
    assert _comparable(store.quads()) == _reference(example_files()[:2])  # the three not met again were dropped by the journal


def test_a_marker_less_graph_met_again_is_dropped_before_it_is_rewritten(tmp_path: Path) -> None:
    store = KBStore.memory()
    assert _runner(_bulk(store)).ingest_files(get_reader("findings"), [_changed(tmp_path)]).ok
    graph = next(g for g in store.named_graphs() if "/graph/source/" in g.value)
    store.drop_graphs([])  # nothing to drop is fine
    marker = next(store.quads_matching(graph, ox.NamedNode("https://w3id.org/trial-evidence-kb/ontology#contentHash"), None, graph))
    store._live().remove(marker)  # an incomplete graph left by a writer without a journal
    report = _runner(_bulk(store)).ingest_files(get_reader("findings"), [example_files()[0]])
    assert [s.status for s in report.loaded] == [LoadStatus.added]
    assert _comparable(store.quads()) == _reference([example_files()[0]])


def test_the_emit_sink_writes_what_the_store_would_hold(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sink = NQuadsEmitSink(out, iris=IriScheme(), vocabulary=get_vocabulary())
    reader = CountingReader(get_reader("findings"), fail_after={example_files()[1]: 0})
    report = _runner(sink).ingest_files(reader, example_files())
    assert len(report.failed) == 1
    kept = [p for p in example_files() if p != example_files()[1]]
    assert sorted(p.name for p in out.iterdir()) == sorted([*(p.name + ".nq" for p in kept), "vocabulary.nq"])
    loaded = KBStore.memory()
    for path in out.iterdir():
        loaded.bulk_load(path, format="nquads")
    assert _comparable(loaded.quads()) == _reference(kept)
    lines = (out / (kept[0].name + ".nq")).read_text(encoding="utf-8").splitlines()
    assert "#contentHash" in lines[-1]  # the marker comes last


def test_the_store_is_compacted_once_after_the_last_batch_and_not_when_nothing_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = KBStore.open(tmp_path / "store")
    steps: list[str] = []
    original_optimize, original_load = store.optimize, store.load
    monkeypatch.setattr(store, "optimize", lambda: steps.append("optimize") or original_optimize())
    monkeypatch.setattr(store, "load", lambda *a, **kw: steps.append("markers") or original_load(*a, **kw))
    sink = _bulk(store, batch_quads=1)
    assert _runner(sink).ingest_files(get_reader("findings"), example_files()).ok
    assert sink.batches == len(example_files()) > 1
    assert steps == ["markers"] * sink.batches + ["optimize"]  # once, after the last batch's markers
    assert _comparable(store.quads()) == _reference(example_files())  # compacting changes no quad
    steps.clear()
    again = _bulk(store)
    report = _runner(again, LATER).ingest_files(get_reader("findings"), example_files())
    assert {s.status for s in report.loaded} == {LoadStatus.unchanged} and steps == []
    store.close()


def test_a_failed_compaction_says_the_sources_were_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.errors import StoreError

    store = KBStore.open(tmp_path / "store")

    def broken() -> None:
        raise StoreError("cannot compact the store: disk full")

    monkeypatch.setattr(store, "optimize", broken)
    with pytest.raises(StoreError, match="every source was written, but compacting"):
        _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files())
    assert _comparable(store.quads()) == _reference(example_files())
    store.close()


def test_a_repeated_record_is_noted_once_and_told_apart_from_a_different_one(tmp_path: Path) -> None:
    """read_guarded keeps a digest of each source's first record (not the record) to tell the two cases apart."""
    record = _pubmed(tmp_path / "one", 1).read_text(encoding="utf-8").split("<PubmedArticleSet>")[1].split("</PubmedArticleSet>")[0]
    changed = record.replace("Record 0.", "Record zero.")
    path = tmp_path / "twice.xml"
    path.write_text(f"<?xml version='1.0'?><PubmedArticleSet>{record}{record}{changed}</PubmedArticleSet>", encoding="utf-8")
    items = list(runner_module.read_guarded(get_reader("pubmed"), path, get_vocabulary()))
    documents = [item for item in items if isinstance(item, FindingsDocument)]
    notes = [str(item) for item in items if isinstance(item, ReadNote)]
    assert len(documents) == 1 and documents[0].source.publication.title == "Record 0."  # type: ignore[union-attr]
    assert len(notes) == 2
    assert "record 2:" in notes[0] and "appears again in this file (a duplicate record)" in notes[0]
    assert "record 3:" in notes[1] and "appears again in this file with different content" in notes[1]


def test_compaction_can_be_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.ingestion.bulk import OPTIMIZE_ENV

    store = KBStore.open(tmp_path / "store")
    calls: list[str] = []
    monkeypatch.setattr(store, "optimize", lambda: calls.append("optimize"))
    monkeypatch.setenv(OPTIMIZE_ENV, "0")
    assert _runner(_bulk(store)).ingest_files(get_reader("findings"), example_files()).ok
    assert calls == [] and _comparable(store.quads()) == _reference(example_files())
    store.close()
