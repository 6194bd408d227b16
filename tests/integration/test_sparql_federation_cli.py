"""`kb sparql` and SERVICE clauses (issue 12, item 5), through the command line."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_the_cli_says_so_in_one_line(tmp_path: Path) -> None:
    assert run_cli(tmp_path / "store", "init").code == 0
    result = run_cli(tmp_path / "store", "sparql", "SELECT * { SERVICE ?x { ?s ?p ?o } }")
    assert result.code == 1 and "federation is off" in result.stderr and "internal error" not in result.stderr
    result = run_cli(tmp_path / "store", "sparql", "--allow-service", "SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }")
    assert result.code == 1 and "only a constant http" in result.stderr
