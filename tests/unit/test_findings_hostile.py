"""Hostile findings files (issue 12, item 1): aliases that expand too far are refused at once, deep
nesting is a clear error, long values are not echoed whole."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.findings import read_findings_file
from kb.errors import MESSAGE_CAP, FindingsFileError
from tests.conftest import data_path

BOMB = data_path("hostile", "yaml_alias_bomb.yaml")


def test_a_yaml_alias_bomb_is_refused_naming_the_file_and_line() -> None:
    started = time.process_time()
    with pytest.raises(FindingsFileError) as caught:
        read_findings_file(BOMB)
    message = str(caught.value)
    assert str(BOMB) in message and "line 1" in message and "aliases expand to 8,335,593,970 values (at most 100,000)" in message
    assert time.process_time() - started < 5  # a guard against a hang, not a benchmark: it takes milliseconds
    assert len(message) < 1_000


def test_a_shared_block_is_still_allowed() -> None:
    """The examples share provenance blocks through aliases: they still read."""
    from kb.paths import examples_dir

    assert read_findings_file(examples_dir() / "mm009_weber2007.yaml").source.id == "weber-2007-mm009"


def test_deep_nesting_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(FindingsFileError, match="nested too deeply"):
        read_findings_file(path)


def test_a_huge_value_is_not_echoed_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("source:\n  id: " + "x" * 1_000_000 + "\n", encoding="utf-8")
    with pytest.raises(FindingsFileError) as caught:
        read_findings_file(path)
    message = str(caught.value)
    assert len(message) < 3 * MESSAGE_CAP + len(str(path)) + 200
    assert "… (1,000,098 characters)" in message
