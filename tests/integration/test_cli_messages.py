"""What the `kb` command says when the machine gets in the way: a full disk during an ingest or an
export, an export path that cannot be written, a store another process is writing to, a raw query
that runs away. Always one clear error line and exit 1; never `internal error`, never a traceback.

A full disk is injected as OSError(ENOSPC) (the store's bulk loader, or the spool's writer), not
made by filling a disk.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.errors import StoreError
from kb.export import EXPORT_FORMATS
from kb.ingestion.bulk import Spooler
from kb.sparql import QueryTimeout
from kb.store import KBStore, OxigraphStore
from tests.conftest import example_files

#: A query whose solutions never end on any store with a few thousand quads (streamed lazily).
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: A query Oxigraph evaluates fully before its first solution (COUNT over a product): it cannot be
#: stopped between solutions, only by ending the process.
ENDLESS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _clean(stderr: str) -> None:
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr


# -- a full disk during an ingest ------------------------------------------------------------


def _full_disk_on_bulk_load(monkeypatch: pytest.MonkeyPatch, failing_call: int) -> None:
    original = OxigraphStore.bulk_load
    calls = {"n": 0}

    def bulk_load(self: OxigraphStore, source: object, *, format: str) -> None:
        calls["n"] += 1
        if calls["n"] == failing_call:
            raise StoreError("bulk load failed: No space left on device") from OSError(errno.ENOSPC, "No space left on device")
        original(self, source, format=format)  # type: ignore[arg-type]

    monkeypatch.setattr(OxigraphStore, "bulk_load", bulk_load)


def test_disk_full_while_committing_reports_what_was_committed(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_INGEST_BATCH_QUADS", "1")  # a batch per file
    _full_disk_on_bulk_load(monkeypatch, failing_call=3)
    files = [str(path) for path in example_files()]
    result = cli("ingest", "findings", *files)
    assert result.code == 1
    _clean(result.stderr)
    assert "No space left on device" in result.stderr
    assert "2 source(s) committed, 1 not committed" in result.stderr
    assert "not committed  dimopoulos-2007-mm010" in result.stderr
    assert f"not read  {files[3]}" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ingest stopped")

    monkeypatch.undo()  # space again: the same command finishes the rest
    again = cli("ingest", "findings", *files, "--json")
    assert again.code == 0, again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert (counts["unchanged"], counts["added"]) == (2, 3)


def test_disk_full_while_spooling_stops_at_once(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Spooler._spool
    calls = {"n": 0}

    def spool(self: Spooler, mapped: object, stream: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, mapped, stream)  # type: ignore[arg-type]

    monkeypatch.setattr(Spooler, "_spool", spool)
    monkeypatch.setenv("KB_INGEST_BATCH_QUADS", "1")
    files = [str(path) for path in example_files()]
    result = cli("ingest", "findings", *files, "--json")
    assert result.code == 1
    _clean(result.stderr)
    summary = json.loads(result.stdout)
    assert summary["committed"] == ["weber-2007-mm009"]
    assert summary["not_committed"] == ["ash-2005-mm010-interim"]
    assert summary["files_not_read"] == files[2:]
    assert f"while reading {files[1]}: [Errno 28] No space left on device" in result.stderr
    assert calls["n"] == 2  # nothing was spooled after the error


# -- exports to paths that cannot be written ---------------------------------------------------


@pytest.mark.parametrize("fmt", [row.name for row in EXPORT_FORMATS])
def test_export_to_a_bad_path_is_a_clear_error(built, tmp_path: Path, fmt: str) -> None:
    extra = ["--infores", "infores:test"] if fmt == "kgx" else []
    (tmp_path / "plain").write_text("a file")
    bad = tmp_path / "plain" if fmt == "kgx" else tmp_path  # a file for KGX's directory, a directory for a file
    result = built("export", "--format", fmt, "-o", str(bad), *extra)
    assert result.code == 1
    _clean(result.stderr)
    assert f"cannot write {bad}" in result.stderr or f"cannot write into {bad}" in result.stderr
    missing = built("export", "--format", fmt, "-o", str(tmp_path / "missing" / "out"), *extra)
    assert missing.code == 1
    _clean(missing.stderr)
    assert f"{tmp_path / 'missing'} does not exist" in missing.stderr


def test_export_to_a_full_device(built) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    result = built("export", "--format", "nquads", "-o", "/dev/full")
    assert result.code == 1
    _clean(result.stderr)
    assert "cannot write /dev/full: No space left on device" in result.stderr


# -- a second writer -------------------------------------------------------------------------


@pytest.fixture
def locked_store(built, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """tmp_path/store held open for writing by another process until a line is sent to its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); print('locked', flush=True); sys.stdin.readline()",
         str(tmp_path / "store")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield holder
    if holder.poll() is None:
        holder.communicate("release\n", timeout=60)


@pytest.mark.parametrize("command", [["sources", "remove", "weber-2007-mm009"], ["vocab", "remove", "mine"], ["init"]])
def test_a_second_writer_is_told_who_holds_the_store(built, tmp_path: Path, locked_store, command: list[str]) -> None:
    result = built(*command)
    assert result.code == 1
    _clean(result.stderr)
    assert f"another kb process is writing to {tmp_path / 'store'}" in result.stderr
    assert "--wait SECONDS" in result.stderr and "LOCK" not in result.stderr


def test_wait_gives_up_with_a_clear_error(built, tmp_path: Path, locked_store) -> None:
    result = built("ingest", "findings", str(example_files()[0]), "--wait", "0.3")
    assert result.code == 1
    _clean(result.stderr)
    assert "still writing" in result.stderr and "--wait 0.3 s" in result.stderr


def test_wait_opens_the_store_once_it_is_free(built, locked_store) -> None:
    # The holder lets go while the command waits (the wait is long so that a busy machine cannot make it run out).
    release = threading.Timer(0.5, lambda: locked_store.communicate("release\n", timeout=60))
    release.start()
    try:
        result = built("sources", "remove", "weber-2007-mm009", "--wait", "120")
    finally:
        release.join()
    assert result.code == 0, result.stderr
    assert "removed source 'weber-2007-mm009'" in result.stderr


def test_reading_is_not_blocked_by_a_writer(built, locked_store) -> None:
    assert built("stats", "--format", "json").code == 0


# -- raw queries with a time limit -----------------------------------------------------------


def test_sparql_timeout_stops_a_runaway_query_in_the_library(example_store: KBStore) -> None:
    kb = KnowledgeBase(example_store)
    with pytest.raises(QueryTimeout, match="did not finish within 0.5 s"):
        kb.sparql(ENDLESS, timeout=0.5)
    assert kb.sparql("ASK { ?s ?p ?o }", timeout=60) is True
    rows = kb.sparql("SELECT ?s WHERE { ?s a ?type } LIMIT 3", timeout=60)
    assert len(rows.rows) == 3  # type: ignore[union-attr]


def test_sparql_timeout_in_the_command(built, tmp_path: Path) -> None:
    # In a process of its own: the command ends the process, which ends an evaluation that
    # cannot be stopped between solutions (COUNT).
    command = [sys.executable, "-c", "from kb.cli.main import main; main()", "--store", str(tmp_path / "store"),
               "sparql", "--timeout", "1", ENDLESS_COUNT]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    _clean(done.stderr)
    assert "did not finish within 1 s and was stopped" in done.stderr
    assert done.stdout == ""  # nothing half-printed


def test_sparql_timeout_lets_a_quick_query_through(built) -> None:
    result = built("sparql", "--timeout", "120", "--format", "csv", "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[0].strip() == "n"
    refused = built("sparql", "--timeout", "0", "ASK {}")
    assert refused.code == 1
    _clean(refused.stderr)
