"""The findings reader: errors name the file, the record path and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.findings import read_findings_file
from kb.errors import FindingsFileError
from tests.conftest import example_files


def test_every_example_reads() -> None:
    for path in example_files():
        assert read_findings_file(path).source.id


def test_error_names_file_path_and_field(tmp_path: Path) -> None:
    text = example_files()[0].read_text(encoding="utf-8").replace("p_value: 0.001", "p_value: 7", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FindingsFileError) as caught:
        read_findings_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "comparisons[0].p_value" in message


def test_duplicate_yaml_key_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("source:\n  id: a\n  id: b\n", encoding="utf-8")
    with pytest.raises(FindingsFileError, match=r"line 3.*duplicate key 'id'"):
        read_findings_file(path)


def test_duplicate_json_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"source": {"id": "a", "id": "b"}}', encoding="utf-8")
    with pytest.raises(FindingsFileError, match="duplicate key"):
        read_findings_file(path)


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("list.yaml", "- a\n- b\n", "a mapping"),
        ("notes.txt", "x", "unknown file type"),
        ("broken.json", "{", "invalid JSON"),
        ("bom.yaml", "\ufeffsource: {}\n", "source.id"),
    ],
)
def test_malformed_files(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FindingsFileError, match=expected):
        read_findings_file(path)
