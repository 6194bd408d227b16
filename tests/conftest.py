"""Shared fixtures: the bundled examples, a KB built from them, and a CLI runner."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kb.ingestion import load_documents
from kb.paths import examples_dir
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.findings import read_findings_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)


def example_files() -> list[Path]:
    """The bundled findings files."""
    return sorted(examples_dir().glob("*.yaml"))


def build_store(files: list[Path] | None = None) -> KBStore:
    """An in-memory KB holding ``files`` (default: every example)."""
    store = KBStore.memory()
    documents = [(str(path), read_findings_file(path)) for path in (files or example_files())]
    report = load_documents(store, documents, iris=IriScheme(), vocabulary=get_vocabulary(), generated_at=FIXED_TIME)
    assert report.ok, report.failed
    return store


@pytest.fixture(scope="session")
def example_store() -> KBStore:
    """A KB built from every example; tests must not write to it."""
    return build_store()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path):
    """Run ``kb`` in-process against a store in tmp_path; returns code, stdout and stderr."""
    from kb.cli import main

    store = tmp_path / "store"

    def run(*args: str, store_path: Path | None = None) -> CliResult:
        err = io.StringIO()
        buffer = io.BytesIO()
        wrapper = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
        original = sys.stdout
        with redirect_stderr(err):
            sys.stdout = wrapper
            try:
                code = main(["--store", str(store_path or store), *args])
            finally:
                wrapper.flush()
                sys.stdout = original
        return CliResult(code, buffer.getvalue().decode("utf-8"), err.getvalue())

    return run
