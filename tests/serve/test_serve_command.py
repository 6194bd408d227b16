"""``kb serve`` as a command: clear errors before anything starts, a clean stop, the workers end with it."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx

from tests.conftest import run_cli
from tests.serve.conftest import start_server


def test_missing_store_is_an_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "nothing-here", "serve", "--port", "0")
    assert result.code == 1 and "no store at" in result.stderr and "Traceback" not in result.stderr


def test_memory_store_is_refused() -> None:
    result = run_cli(Path(":memory:"), "serve", "--port", "0")
    assert result.code == 1 and "serves a store directory" in result.stderr


def test_port_in_use_is_an_error(serve_store: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli(serve_store, "serve", "--port", str(port))
    assert result.code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def _worker_pids(server_pid: int) -> list[int]:
    """The server's child processes (its query workers), from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server_pid:
                children.append(int(entry))
    return children


def test_sigterm_stops_cleanly_with_its_workers(serve_store: Path, tmp_path: Path) -> None:
    server = start_server(serve_store, tmp_path / "log", "--workers", "2")
    workers = _worker_pids(server.process.pid)
    assert len(workers) == 2
    assert httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(20) == 0
    assert "kb serve: stopped" in server.log()
    for pid in workers:  # the server waited for its workers: none is left running
        assert not os.path.exists(f"/proc/{pid}")


def test_a_worker_killed_from_outside_is_replaced(serve_store: Path, tmp_path: Path) -> None:
    """A worker that dies while idle (the OOM killer, an operator) costs no request: the job goes
    to another worker, and the dead one is replaced."""
    server = start_server(serve_store, tmp_path / "log", "--workers", "2")
    try:
        workers = _worker_pids(server.process.pid)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        for _ in range(6):
            assert httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60).status_code == 200
        replaced = [e for e in server.access_log() if e.get("event") == "worker replaced"]
        assert sorted(e["pid"] for e in replaced) == sorted(workers)
        assert set(_worker_pids(server.process.pid)).isdisjoint(workers)
    finally:
        server.stop()
