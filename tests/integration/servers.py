"""Real SPARQL servers for the store contract tests: Oxigraph server and Virtuoso, on 127.0.0.1.

Each starts on a free port in a temporary folder, is waited for until it answers a query, and
is stopped (and its data deleted) at the end of the session. A server whose binary is not
installed is skipped with a reason: ``pip install oxigraph`` (the test extra) ships the
``oxigraph`` command; Debian's ``virtuoso-opensource`` package ships ``virtuoso-t`` and
``isql-vt``. ``.ci/run`` installs both, so CI runs every backend.

Run one by hand (it prints the URL and waits for Ctrl-C)::

    python -m tests.integration.servers oxigraph
    python -m tests.integration.servers virtuoso
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

__all__ = ["Server", "oxigraph_binary", "start_oxigraph", "start_virtuoso", "virtuoso_binary"]

#: Seconds a server may take to answer its first query (Virtuoso builds a fresh database).
START_TIMEOUT = 90.0


@dataclass
class Server:
    """A running server: the URL ``--store`` takes, its process and its data folder."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop the process (TERM, then KILL) and delete its data."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command (beside this Python first: the venv's pip installs it there)."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def _wait(server: Server, query_url: str) -> Server:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            answer = requests.get(query_url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}, timeout=2)
            if answer.status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    log = server.log.read_text(encoding="utf-8", errors="replace")[-3000:] if server.log.exists() else ""
    server.stop()
    raise RuntimeError(f"{server.name} did not answer at {query_url} within {START_TIMEOUT:.0f}s:\n{log}")


def start_oxigraph(*, union_default_graph: bool = True) -> Server:
    """``oxigraph serve`` with an on-disk store and, as the KB needs, the union default graph."""
    binary = oxigraph_binary()
    if binary is None:
        raise FileNotFoundError("oxigraph")
    folder = Path(tempfile.mkdtemp(prefix="kb-oxigraph-"))
    port = free_port()
    log = folder / "server.log"
    args = [binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        args.append("--union-default-graph")
    with log.open("wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    return _wait(Server("oxigraph", url, process, folder, log), f"{url}/query")


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {folder}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 120
"""

#: The test set-up: the anonymous SPARQL user may update (a real deployment uses /sparql-auth).
_VIRTUOSO_GRANTS = "GRANT SPARQL_UPDATE TO \"SPARQL\";\nDB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);\n"


def start_virtuoso() -> Server:
    """``virtuoso-t`` on a fresh database with its own ini; the SPARQL user may update."""
    binary = virtuoso_binary()
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if binary is None or isql is None:
        raise FileNotFoundError("virtuoso-t")
    folder = Path(tempfile.mkdtemp(prefix="kb-virtuoso-"))
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = folder / "virtuoso.log"
    with (folder / "stdout.log").open("wb") as sink:
        process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    server = _wait(Server("virtuoso", f"{base}/sparql", process, folder, log), f"{base}/sparql")
    grant = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba"], input=_VIRTUOSO_GRANTS.encode(),
                           capture_output=True, timeout=60)
    if grant.returncode != 0 or b"Error" in grant.stdout:
        server.stop()
        raise RuntimeError(f"granting SPARQL update failed: {grant.stdout.decode(errors='replace')}")
    return server


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[Server]:
    """An Oxigraph server for the session (skips when ``oxigraph`` is not installed)."""
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    server = start_oxigraph()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[Server]:
    """A Virtuoso server for the session (skips when ``virtuoso-t`` is not installed)."""
    if virtuoso_binary() is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    server = start_virtuoso()
    yield server
    server.stop()


if __name__ == "__main__":
    chosen = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}[sys.argv[1] if len(sys.argv) > 1 else "oxigraph"]
    running = chosen()
    print(f"{running.name} at {running.url} (data in {running.folder}, pid {running.process.pid}); Ctrl-C stops it", flush=True)
    try:
        running.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    os._exit(0)
