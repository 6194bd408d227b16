"""Early loads: a full spool chunk of new graphs goes to the store in a background thread while the
next records are mapped. The store must end as it does without them, whatever fails and where."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.ingestion.bulk as bulk
from kb.errors import StoreError
from kb.ingestion import BulkStoreSink, LoadStatus
from kb.ingestion.bulk import IngestInterrupted, journal_graph
from kb.rdf import IriScheme
from kb.readers import get_reader
from kb.store import KBStore
from kb.vocab import get_vocabulary
from tests.unit.test_ingestion_runner import LATER, CountingReader, _comparable, _pubmed, _runner


def _sink(store: KBStore, *, early: bool, load_quads: int = 60) -> BulkStoreSink:
    sink = BulkStoreSink(store, iris=IriScheme(), vocabulary=get_vocabulary())
    sink.load_quads = load_quads
    sink._early = early
    return sink


def _files(tmp_path: Path) -> list[Path]:
    return [_pubmed(tmp_path / "a", 8), _pubmed(tmp_path / "b", 8, first=100), _pubmed(tmp_path / "c", 5, first=200)]


def _ingest(store: KBStore, files: list[Path], *, early: bool, reader: object = None, when: object = None) -> tuple[BulkStoreSink, object]:
    sink = _sink(store, early=early)
    runner = _runner(sink) if when is None else _runner(sink, when)  # type: ignore[arg-type]
    return sink, runner.ingest_files(reader or get_reader("pubmed"), files)  # type: ignore[arg-type]


def test_early_loads_build_the_store_a_commit_builds(tmp_path: Path) -> None:
    files = _files(tmp_path)
    early, late = KBStore.memory(), KBStore.memory()
    sink, report = _ingest(early, files, early=True)
    assert report.ok and sink.early_loads > 3  # type: ignore[attr-defined]
    assert _ingest(late, files, early=False)[1].ok  # type: ignore[attr-defined]
    assert _comparable(early.quads()) == _comparable(late.quads())
    assert not early.has_graph(journal_graph(IriScheme()))


def test_a_file_failing_after_its_early_loads_leaves_the_store_as_without_it(tmp_path: Path) -> None:
    files = _files(tmp_path)
    store = KBStore.memory()
    reader = CountingReader(get_reader("pubmed"), fail_after={files[1]: 6})
    sink, report = _ingest(store, files, early=True, reader=reader)
    assert [f for f, _ in report.failed] == [str(files[1])]  # type: ignore[attr-defined]
    assert sink.early_loads > 3
    clean = KBStore.memory()
    assert _ingest(clean, [files[0], files[2]], early=False)[1].ok  # type: ignore[attr-defined]
    assert _comparable(store.quads()) == _comparable(clean.quads())


def test_replaced_sources_are_never_loaded_early(tmp_path: Path) -> None:
    """A chunk that drops a stored graph waits for the commit: a failing file must leave the old graph."""
    files = _files(tmp_path)
    store = KBStore.memory()
    assert _ingest(store, files, early=True)[1].ok  # type: ignore[attr-defined]
    before = _comparable(store.quads())
    changed = tmp_path / "changed" / "set.xml"
    changed.parent.mkdir()
    changed.write_text(files[0].read_text(encoding="utf-8").replace("Record ", "Changed record "), encoding="utf-8")
    reader = CountingReader(get_reader("pubmed"), fail_after={changed: 7})
    sink, report = _ingest(store, [changed], early=True, reader=reader, when=LATER)
    assert not report.ok and sink.early_loads == 0  # type: ignore[attr-defined]
    assert _comparable(store.quads()) == before
    sink, report = _ingest(store, [changed], early=True, when=LATER)
    assert {s.status for s in report.loaded} == {LoadStatus.replaced}  # type: ignore[attr-defined]
    fresh = KBStore.memory()
    _ingest(fresh, files, early=False)
    _ingest(fresh, [changed], early=False, when=LATER)
    assert _comparable(store.quads()) == _comparable(fresh.quads())


def test_a_failed_early_load_stops_the_run_and_the_next_run_completes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path)
    store = KBStore.memory()
    original = store.bulk_load
    calls = {"n": 0}

    def failing(source: object, *, format: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise StoreError("bulk load failed: No space left on device")
        original(source, format=format)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "bulk_load", failing)
    with pytest.raises(IngestInterrupted, match="No space left on device"):
        _ingest(store, files, early=True)
    monkeypatch.setattr(store, "bulk_load", original)
    assert _ingest(store, files, early=True)[1].ok  # type: ignore[attr-defined]
    clean = KBStore.memory()
    _ingest(clean, files, early=False)
    assert _comparable(store.quads()) == _comparable(clean.quads())


def test_early_loads_are_on_by_default_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BulkStoreSink(KBStore.memory(), iris=IriScheme(), vocabulary=get_vocabulary())._early
    monkeypatch.setenv(bulk.EARLY_ENV, "0")
    assert not BulkStoreSink(KBStore.memory(), iris=IriScheme(), vocabulary=get_vocabulary())._early
