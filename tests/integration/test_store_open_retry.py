"""A read-only open retries while a writer in another process replaces RocksDB's MANIFEST."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import kb.store.oxigraph as oxigraph_store
from kb.errors import StoreError


def _flaky(failures: list[str]):
    real = ox.Store.read_only

    def read_only(path: str) -> ox.Store:
        if failures:
            raise OSError(failures.pop(0))
        return real(path)

    return read_only


def test_a_manifest_replaced_under_the_open_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ox.Store(str(tmp_path)).flush()
    failures = ["Corruption: IO error: No such file or directory: While opening a file for sequentially reading: MANIFEST-000046",
                "Corruption: The file MANIFEST-000046 may be corrupted."]
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(_flaky(failures)))
    store = oxigraph_store.OxigraphStore.open(tmp_path, read_only=True)
    assert failures == [] and store.read_only
    store.close()


def test_a_lasting_error_is_reported_not_retried_for_ever(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ox.Store(str(tmp_path)).flush()
    monkeypatch.setattr(oxigraph_store, "READ_ONLY_OPEN_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(_flaky(["Corruption: bad block"] * 10_000)))
    with pytest.raises(StoreError, match="cannot open store .*Corruption: bad block"):
        oxigraph_store.OxigraphStore.open(tmp_path, read_only=True)


def test_other_errors_are_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ox.Store(str(tmp_path)).flush()
    failures = ["Invalid argument: not a RocksDB directory", "never reached"]
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(_flaky(failures)))
    with pytest.raises(StoreError, match="Invalid argument"):
        oxigraph_store.OxigraphStore.open(tmp_path, read_only=True)
    assert failures == ["never reached"]


def test_a_query_error_caused_by_a_replaced_file_is_transient() -> None:
    """kb serve's workers reopen their handle once for such an error raised during a query."""
    try:
        try:
            raise OSError("IO error: No such file or directory: 000123.sst")
        except OSError as cause:
            raise StoreError("query failed: IO error") from cause
    except StoreError as error:
        assert oxigraph_store.is_transient_read_error(error)
    assert not oxigraph_store.is_transient_read_error(StoreError("query failed: out of memory"))
