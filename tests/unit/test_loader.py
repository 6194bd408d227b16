"""Loading: idempotent re-ingest, replacement, exact removal, all-or-nothing per source (in-memory stores)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from kb.errors import SourceNotFoundError
from kb.ingestion import LoadStatus, load_documents
from kb.knowledge_base import KnowledgeBase
from kb.models import FindingsDocument
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.findings import read_findings_file
from tests.conftest import build_store, example_files

LATER = datetime(2026, 6, 1, tzinfo=timezone.utc)


def load(store: KBStore, files: list[Path], when: datetime = LATER):
    documents = [(str(path), read_findings_file(path)) for path in files]
    return load_documents(store, documents, iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=when)


def test_every_example_becomes_one_source_graph(example_store: KBStore) -> None:
    sources = KnowledgeBase(example_store).sources
    assert len(sources) == len(example_files())
    assert all(s.triples > 0 and s.derived_from for s in sources)


def test_ingesting_the_same_files_twice_changes_nothing() -> None:
    store = build_store()
    before = set(store.quads())
    report = load(store, example_files())  # a later time: still nothing may change
    assert {s.status for s in report.loaded} == {LoadStatus.unchanged}
    assert set(store.quads()) == before


def test_a_changed_file_replaces_its_graph_only(tmp_path: Path) -> None:
    store = build_store()
    files = example_files()
    target = files[0]
    target_graph = "source/" + read_findings_file(target).source.id
    others_before = {q for q in store.quads() if not q.graph_name.value.endswith(target_graph)}
    changed = tmp_path / target.name
    changed.write_text(target.read_text(encoding="utf-8").replace("11.1", "11.2", 1), encoding="utf-8")
    report = load(store, [changed])
    assert [s.status for s in report.loaded] == [LoadStatus.replaced]
    values = {q.object.value for q in store.quads() if q.predicate.value.endswith("#value")}
    assert "11.2" in values and "11.1" not in values
    assert others_before <= set(store.quads())


def test_remove_source_deletes_exactly_its_statements() -> None:
    store = build_store()
    source = KnowledgeBase(store).sources[0]
    graph_quads = {q for q in store.quads() if q.graph_name.value == source.graph}
    before = set(store.quads())
    removed = KnowledgeBase(store).remove_source(source.source_id)
    assert removed == len(graph_quads)
    assert set(store.quads()) == before - graph_quads


def test_removing_an_unknown_source_is_a_clear_error() -> None:
    with pytest.raises(SourceNotFoundError, match="no source 'nope'"):
        KnowledgeBase(build_store()).remove_source("nope")


def test_one_bad_document_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source whose write fails is reported; the others load; the failed one is unchanged."""
    store = KBStore.memory()
    files = example_files()
    first_id = read_findings_file(files[0]).source.id
    original = store.replace_graph

    def failing(graph, triples):
        if graph.value.endswith("/" + first_id):
            from kb.errors import StoreError

            raise StoreError("write failed, store unchanged: simulated")
        original(graph, triples)

    monkeypatch.setattr(store, "replace_graph", failing)
    report = load(store, files)
    assert [f for f, _ in report.failed] == [str(files[0])]
    assert len(report.loaded) == len(files) - 1
    assert first_id not in {s.source_id for s in KnowledgeBase(store).sources}


def test_canonical_hash_ignores_yaml_formatting(tmp_path: Path) -> None:
    path = example_files()[0]
    document = read_findings_file(path)
    as_json = tmp_path / "same.json"
    as_json.write_text(document.model_dump_json(indent=1), encoding="utf-8")
    store = build_store([path])
    report = load(store, [as_json])
    assert [s.status for s in report.loaded] == [LoadStatus.unchanged]
    assert isinstance(read_findings_file(as_json), FindingsDocument)


def test_vocabulary_graph_holds_the_vocabulary_used_to_resolve() -> None:
    """The graph follows the Vocabulary object handed in, not the files on disk."""
    from kb.vocab.stored import ensure_vocabulary
    from kb.paths import vocabulary_dir
    from kb.vocab import Vocabulary

    store = KBStore.memory()
    drugs_only = Vocabulary.load([vocabulary_dir() / "drugs.ttl"])
    assert ensure_vocabulary(store, IriScheme(), drugs_only)
    labels = {q.object.value for q in store.quads() if q.predicate.value.endswith("#prefLabel")}
    assert "lenalidomide" in labels and "neutropenia" not in labels
    assert not ensure_vocabulary(store, IriScheme(), Vocabulary.load([vocabulary_dir() / "drugs.ttl"]))
    assert ensure_vocabulary(store, IriScheme(), get_vocabulary())
    labels = {q.object.value for q in store.quads() if q.predicate.value.endswith("#prefLabel")}
    assert "neutropenia" in labels
