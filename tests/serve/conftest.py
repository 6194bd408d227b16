"""``kb serve`` as a user starts it: a subprocess on a free 127.0.0.1 port, stopped after the tests.

:func:`start_server` runs ``kb --store STORE serve --port 0 ...`` (the same entry point as the
console script), waits for the line announcing the URL, and returns a :class:`Server` whose
``url`` the tests call with real clients (SPARQLWrapper, httpx). The server's standard error
(the announcement, the JSON access log) goes to a file the test can read.

Fixtures: ``serve_store`` (a copy of the session's example store, this test's own),
``server`` (a read-only server over the examples, shared by a module's tests: they must not write).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli

#: How long a server may take to start (its workers import the KB and open the store).
START_SECONDS = 60.0
_LISTENING = re.compile(r"kb serve: listening on (http://\S+/)")
_KB = "import sys; from kb.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass
class Server:
    """A running ``kb serve``."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    store: Path

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint's URL."""
        return self.url + "sparql"

    def log(self) -> str:
        """Everything the server wrote to standard error so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def access_log(self) -> list[dict[str, object]]:
        """The access log's entries so far (the JSON lines of standard error)."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def stop(self) -> int:
        """Stop the server as Ctrl-C would (SIGINT); kill it if it has not ended after 15 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def start_server(store: Path, log_dir: Path, *args: str) -> Server:
    """Start ``kb --store STORE serve --port 0 ARGS`` and wait until it listens.

    :raises AssertionError: when it ends or does not announce its URL within :data:`START_SECONDS`.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"serve-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _KB, "--store", str(store), "serve", "--host", "127.0.0.1", "--port", "0", *args],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        found = _LISTENING.search(text)
        if found:
            return Server(process, found.group(1), log_path, store)
        if process.poll() is not None:
            raise AssertionError(f"kb serve ended with {process.returncode} before listening:\n{text}")
        time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise AssertionError(f"kb serve did not announce its URL within {START_SECONDS:g} s:\n{log_path.read_text()}")


@pytest.fixture
def serve_store(built_store_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the session's example store (every example file ingested)."""
    store = tmp_path / "store"
    shutil.copytree(built_store_dir, store)
    return store


@pytest.fixture(scope="module")
def module_store(built_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example store for one module's read-only server."""
    store = tmp_path_factory.mktemp("serve") / "store"
    shutil.copytree(built_store_dir, store)
    return store


@pytest.fixture(scope="module")
def server(module_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A read-only ``kb serve`` over the examples (time limit 3 s), shared by a module's tests."""
    running = start_server(module_store, tmp_path_factory.mktemp("serve-log"), "--timeout", "3")
    try:
        yield running
    finally:
        running.stop()


def kb_sparql(store: Path, query: str, fmt: str = "json") -> bytes:
    """What ``kb --store STORE sparql QUERY --format FMT`` prints (run in-process)."""
    result = run_cli(store, "sparql", query, "--format", fmt)
    assert result.code == 0, result.stderr
    return result.stdout.encode("utf-8")
