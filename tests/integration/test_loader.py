"""Loading into a store on disk: a long load flushes and keeps everything."""

from __future__ import annotations


from kb.knowledge_base import KnowledgeBase
from kb.rdf import IriScheme


def test_a_long_load_flushes_the_disk_store_and_keeps_everything(tmp_path, monkeypatch) -> None:
    import kb.ingestion.sinks as sinks
    from kb.ingestion import load_documents
    from kb.store import KBStore
    from tests.conftest import example_files
    from ingest.findings import read_findings_file
    from kb.vocab import get_vocabulary

    flushes: list[int] = []
    monkeypatch.setattr(sinks, "FLUSH_EVERY", 1)
    monkeypatch.setattr(KBStore, "flush", lambda self: flushes.append(1))
    documents = [(str(path), read_findings_file(path)) for path in example_files()]
    with KBStore.open(tmp_path / "store") as store:
        report = load_documents(store, documents, iris=IriScheme(), vocabulary=get_vocabulary())
        assert report.ok and len(flushes) == len(documents)
        assert {s.source_id for s in KnowledgeBase(store).sources} == {d.source.id for _, d in documents}
