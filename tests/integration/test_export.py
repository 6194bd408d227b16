"""`kb export` option errors, through the CLI."""

from __future__ import annotations


def test_export_query_option_errors(built) -> None:
    cli = built
    assert "--param goes with --query" in cli("export", "--format", "nt", "-p", "drug=x").stderr
    both = cli("export", "--query", "drug_evidence", "-p", "drug=lenalidomide", "--source", "weber-2007-mm009")
    assert both.code == 1 and "--source and --query" in both.stderr
    construct = cli("query", "drug_evidence", "-p", "drug=lenalidomide")
    assert construct.code == 1 and "CONSTRUCT template" in construct.stderr
    select = cli("export", "--query", "stats", "--format", "nt")
    assert select.code == 1 and "SELECT template" in select.stderr
