"""Findings YAML is read with libyaml when it can be; the data and the error messages are the Python loader's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import ingest.findings as findings
from ingest.findings import read_findings_file
from kb.errors import FindingsFileError
from tests.conftest import example_files

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_both_loaders_read_the_same_data(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert yaml.load(text, Loader=findings._FastStrictLoader) == yaml.load(text, Loader=findings._StrictLoader)  # noqa: S506


def test_libyaml_is_used_for_an_ordinary_file(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    original = yaml.load

    def spy(text: str, Loader: type) -> object:  # noqa: N803 - yaml.load's own name
        used.append(Loader.__name__)
        return original(text, Loader=Loader)  # noqa: S506

    monkeypatch.setattr(findings.yaml, "load", spy)
    read_findings_file(example_files()[0])
    assert used == ["_FastStrictLoader"]


@pytest.mark.parametrize("text, message", [
    ("source:\n  id: a\n  id: b\n", "duplicate key 'id'"),
    ("source: [1, 2\n", "invalid YAML"),
    ("source:\n  id: 'open\n", "invalid YAML"),
    ("a: &x [1]\nb: *y\n", "invalid YAML"),
    ("a: \x07\n", "invalid YAML"),
])
def test_an_error_is_reported_as_the_python_loader_reports_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FindingsFileError) as fast:
        read_findings_file(path)
    monkeypatch.setattr(findings, "_FAST_MAX_BRACKETS", -1)  # the Python loader alone
    with pytest.raises(FindingsFileError) as python:
        read_findings_file(path)
    assert message in str(fast.value) and str(fast.value) == str(python.value)


def test_deep_flow_nesting_never_reaches_libyaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libyaml's composer recurses in C: deep nesting goes to the Python loader, which fails cleanly."""
    monkeypatch.setattr(findings, "_FastStrictLoader", None)  # would fail loudly if used
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 20_000 + "]" * 20_000, encoding="utf-8")
    with pytest.raises(FindingsFileError, match="nested too deeply"):
        read_findings_file(path)
