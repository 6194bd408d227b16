"""Messages about stores and sources (issue 12, item 11, in part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase, SourceNotFoundError, StoreError
from kb.paths import examples_dir
from tests.conftest import run_cli


def test_a_store_is_never_created_among_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="holds other files and no store"):
        KnowledgeBase.open(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    result = run_cli(folder, "ingest", "findings", str(examples_dir() / "mm009_weber2007.yaml"))
    assert result.code == 1 and "holds other files and no store" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_an_existing_store_and_an_empty_directory_open(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with KnowledgeBase.open(empty) as kb:
        kb.init()
    with KnowledgeBase.open(empty) as kb:  # now a store: CURRENT is there
        assert kb.stats().quads > 0


def test_an_unknown_source_suggests_close_ids_instead_of_listing_all() -> None:
    kb = KnowledgeBase.memory()
    kb.ingest("findings", sorted(examples_dir().glob("*.yaml")))
    with pytest.raises(SourceNotFoundError, match=r"no source 'weber-2007-mm09' in the store \(did you mean: weber-2007-mm009\?\)"):
        kb.remove_source("weber-2007-mm09")
    with pytest.raises(SourceNotFoundError, match=r"\('kb sources list' lists them\)"):
        kb.remove_source("zzz")
