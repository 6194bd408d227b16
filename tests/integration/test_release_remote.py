"""A release does not depend on the store it was written from: the same KB on an Oxigraph server
(``--store URL``) and in the embedded store gives the same dump, byte for byte, and the same data files."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kb.knowledge_base import KnowledgeBase
from kb.paths import examples_dir
from kb.release import write_release
from tests.integration.servers import Server

FIXED = datetime(2026, 1, 1, tzinfo=timezone.utc)
FILES = ("kb-1.0.nq.gz", "tables/evidence.csv", "tables/adverse-events.csv", "kgx/nodes.tsv", "kgx/edges.tsv")


def _fill(kb: KnowledgeBase) -> None:
    kb.init()
    report = kb.ingest("findings", sorted(examples_dir().glob("*.yaml")), generated_at=FIXED)
    assert not report.failed


@pytest.fixture
def remote(oxigraph_server: Server) -> Iterator[KnowledgeBase]:
    """The examples on the session's Oxigraph server, which is emptied before and after."""
    kb = KnowledgeBase.open(oxigraph_server.url)
    kb.store.drop_graphs(kb.store.named_graphs())
    try:
        _fill(kb)
        yield kb
    finally:
        kb.store.drop_graphs(kb.store.named_graphs())
        kb.close()


def test_a_release_from_a_server_equals_one_from_the_embedded_store(remote: KnowledgeBase, tmp_path: Path) -> None:
    embedded = KnowledgeBase.memory()
    _fill(embedded)
    infores = "infores:trial-evidence-kb-test"
    served = write_release(remote, tmp_path / "served" / "1.0", "1.0", issued=FIXED, infores=infores)
    local = write_release(embedded, tmp_path / "local" / "1.0", "1.0", issued=FIXED, infores=infores)
    assert served.manifest.counts["quads"] == local.manifest.counts["quads"] > 0
    for name in FILES:
        assert (tmp_path / "served" / "1.0" / name).read_bytes() == (tmp_path / "local" / "1.0" / name).read_bytes(), name
    assert served.manifest.sources == local.manifest.sources
    assert b"_:c14n0 " in gzip.decompress((tmp_path / "served" / "1.0" / FILES[0]).read_bytes())  # blank nodes, relabelled
