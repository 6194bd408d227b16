"""Raw SPARQL and SERVICE clauses (issue 12, item 5): federation is off by default, and a SERVICE that
cannot be followed is a clear error, never an internal one."""

from __future__ import annotations

import pytest

from kb import KnowledgeBase
from kb.errors import QueryError
from kb.sparql import check_federation, service_targets


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", ["<http://127.0.0.1:9/sparql>"]),
        ("select * { service silent <file:///etc/passwd> { ?s ?p ?o } }", ["<file:///etc/passwd>"]),
        ("SELECT * { SERVICE ?where { ?s ?p ?o } }", ["?where"]),
        ('SELECT * { ?s ?p "SERVICE <http://x>" }  # SERVICE <http://y>', []),
        ("SELECT ?service_count { ?s <http://example.org/SERVICE> ?service_count }", []),
    ],
)
def test_service_clauses_are_found_outside_strings_comments_and_iris(query: str, targets: list[str]) -> None:
    assert service_targets(query) == targets


def test_federation_is_off_unless_allowed_and_only_http_endpoints_are_followed() -> None:
    with pytest.raises(QueryError, match="federation is off"):
        check_federation("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    check_federation("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", allow_service=True)
    for target in ("<file:///etc/passwd>", "?where"):
        with pytest.raises(QueryError, match="only a constant http"):
            check_federation(f"SELECT * {{ SERVICE {target} {{ ?s ?p ?o }} }}", allow_service=True)


def test_the_handle_refuses_a_service_clause_before_any_request() -> None:
    kb = KnowledgeBase.memory()
    with pytest.raises(QueryError, match="federation is off"):
        kb.sparql("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert kb.sparql("ASK { ?s ?p ?o }") is False
