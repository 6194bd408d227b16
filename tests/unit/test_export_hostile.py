"""Exports to paths that cannot be written, and writes that fail halfway (a full disk).

A failed export leaves no partial file and an existing file untouched (the file is written beside
the target and renamed into place); every failure is an ExportError naming the path and the
reason. A full disk is injected as OSError(ENOSPC) in the format's writer, and is also met for real
on /dev/full, which is written in place like any device.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from kb import KnowledgeBase
from kb.errors import ExportError
from kb.export import EXPORT_FORMATS
from kb.store import KBStore

FILE_FORMATS = [row.name for row in EXPORT_FORMATS if not row.to_directory]


@pytest.fixture(scope="module")
def kb(example_store: KBStore) -> KnowledgeBase:
    return KnowledgeBase(example_store)


def _disk_full_after_some_bytes(path: Any) -> None:
    """Write a little to the file being exported, then fail as a full disk does."""
    with open(path, "wb") as handle:
        handle.write(b"partial output")
    raise OSError(errno.ENOSPC, "No space left on device")


def _inject_disk_full(monkeypatch: pytest.MonkeyPatch, family: str) -> None:
    if family == "rdf":
        monkeypatch.setattr("kb.export.rdf.write_rdf", lambda store, output, **_: _disk_full_after_some_bytes(output))
    elif family == "table":
        monkeypatch.setattr("kb.export.tables.write_table", lambda target, output, **_: _disk_full_after_some_bytes(output))
    elif family == "network":
        monkeypatch.setattr("kb.export.network.write_network", lambda target, output, **_: _disk_full_after_some_bytes(output))
    else:
        monkeypatch.setattr("kb.export.kgx._write_tsv", lambda handle, *_: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_disk_full_leaves_no_file_and_names_the_path(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    family = next(row.family for row in EXPORT_FORMATS if row.name == fmt)
    _inject_disk_full(monkeypatch, family)
    target = tmp_path / f"kb.{fmt}"
    with pytest.raises(ExportError, match=rf"cannot write {target}: No space left on device"):
        kb.export(fmt, target)
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary file


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_disk_full_keeps_the_existing_file(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    family = next(row.family for row in EXPORT_FORMATS if row.name == fmt)
    target = tmp_path / f"kb.{fmt}"
    target.write_bytes(b"the previous export")
    _inject_disk_full(monkeypatch, family)
    with pytest.raises(ExportError, match="No space left on device"):
        kb.export(fmt, target)
    assert target.read_bytes() == b"the previous export"
    assert list(tmp_path.iterdir()) == [target]


def test_kgx_disk_full_keeps_the_previous_files(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "kgx"
    kb.export("kgx", out, infores="infores:test")
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    _inject_disk_full(monkeypatch, "kgx")
    with pytest.raises(ExportError, match=rf"cannot write {out / 'nodes.tsv'}: No space left on device"):
        kb.export("kgx", out, infores="infores:test")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_kgx_disk_full_in_a_new_directory_leaves_nothing(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _inject_disk_full(monkeypatch, "kgx")
    with pytest.raises(ExportError, match="No space left on device"):
        kb.export("kgx", tmp_path / "kgx", infores="infores:test")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["nquads", "turtle", "jsonld", "evidence-csv", "graphml", "node-link"])
def test_a_real_full_device(kb: KnowledgeBase, fmt: str) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full on this system")
    with pytest.raises(ExportError, match="cannot write /dev/full: No space left on device"):
        kb.export(fmt, full)


def test_a_device_is_written_in_place(kb: KnowledgeBase) -> None:
    assert kb.export("nquads", Path("/dev/null")).format == "nquads"  # not replaced by a renamed file


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_directory_is_not_a_file_name(kb: KnowledgeBase, tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ExportError, match=rf"cannot write {tmp_path}: it is a directory"):
        kb.export(fmt, tmp_path)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_missing_directory_is_named(kb: KnowledgeBase, tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ExportError, match=rf"the directory {tmp_path / 'missing'} does not exist"):
        kb.export(fmt, tmp_path / "missing" / "kb.out")


def test_a_file_under_a_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ExportError, match="is not a directory"):
        kb.export("nquads", tmp_path / "plain" / "kb.nq")


def test_kgx_into_a_file_or_a_missing_folder(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ExportError, match="it is a file, not a directory"):
        kb.export("kgx", tmp_path / "plain", infores="infores:test")
    with pytest.raises(ExportError, match=rf"the directory {tmp_path / 'a'} does not exist"):
        kb.export("kgx", tmp_path / "a" / "b", infores="infores:test")
    assert not (tmp_path / "a").exists()


def test_a_new_file_gets_the_usual_mode(kb: KnowledgeBase, tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        kb.export("nquads", tmp_path / "kb.nq")
    finally:
        os.umask(mask)
    assert (tmp_path / "kb.nq").stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_directory_is_named(kb: KnowledgeBase, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(ExportError, match="is not writable"):
            kb.export("nquads", locked / "kb.nq")
    finally:
        locked.chmod(0o700)
