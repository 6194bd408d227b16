"""The checks a user's SPARQL passes before any parser sees it (issue 12 item 5, issue 11 item 5):
a bound on nesting (Oxigraph's parser overflows its stack and kills the process past ~2,000
levels), updates refused by name, and a wrong first word reported where it is."""

from __future__ import annotations

import pytest

from kb.errors import QueryError
from kb.knowledge_base import KnowledgeBase
from kb.sparql import MAX_BRACKET_NESTING, MAX_NESTING, check_nesting, check_query, check_read_only


def _parens(depth: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "1" + ")" * depth + ") }"


@pytest.mark.parametrize("depth", [50_000, 5_000, MAX_NESTING])
def test_deep_nesting_is_refused_before_parsing(depth: int) -> None:
    with pytest.raises(QueryError, match=f"nests brackets more than {MAX_NESTING} deep"):
        check_nesting(_parens(depth))


def test_nesting_counts_every_kind_of_bracket() -> None:
    braces = "SELECT * WHERE " + "{ " * 600 + "?s ?p ?o " + "} " * 600
    brackets = "SELECT * WHERE { ?s ?p " + "[ ?p " * 600 + "?o" + " ]" * 600 + " }"
    for query in (braces, brackets):
        with pytest.raises(QueryError, match="line 1, column"):
            check_nesting(query)


def test_blank_node_lists_have_a_lower_bound() -> None:
    def nested(depth: int) -> str:
        return "SELECT * WHERE { ?s ?p " + "[ ?p " * depth + "?o" + " ]" * depth + " }"

    check_nesting(nested(MAX_BRACKET_NESTING))
    with pytest.raises(QueryError, match=f"nests blank nodes .* more than {MAX_BRACKET_NESTING} deep"):
        check_nesting(nested(MAX_BRACKET_NESTING + 1))
    sideways = "SELECT * WHERE { " + " . ".join(f"?s ?p [ ?q [ ?r ?o{i} ] ]" for i in range(100)) + " }"
    check_nesting(sideways)  # many lists, each shallow


def test_brackets_in_strings_iris_and_comments_do_not_count() -> None:
    noise = '"' + "(" * 1000 + '" ' + "'" + "{" * 1000 + "' " + '"""' + "[" * 1000 + '""" '
    query = "SELECT * WHERE {\n# " + "(" * 1000 + "\n ?s <http://example.org/(((> " + noise + "FILTER(?x < 3 && (1)) }"
    check_nesting(query, limit=3)


def test_the_position_of_the_first_level_too_deep_is_named() -> None:
    with pytest.raises(QueryError, match=r"more than 2 deep \(at line 2, column 9\)"):
        check_nesting("SELECT *\nWHERE {(((1))) }", limit=2)


def test_a_query_at_the_bound_passes() -> None:
    check_nesting(_parens(MAX_NESTING - 2))  # two levels taken by WHERE { and FILTER(


def test_the_knowledge_base_refuses_deep_nesting_without_crashing() -> None:
    with KnowledgeBase.open(":memory:") as kb:
        with pytest.raises(QueryError, match="too deep"):
            kb.sparql(_parens(50_000))
        with pytest.raises(QueryError, match="too deep"):
            kb.raw_sparql(_parens(50_000))
        assert kb.sparql("ASK { FILTER(" + "(" * 100 + "true" + ")" * 100 + ") }") is True


@pytest.mark.parametrize(
    ("query", "word", "where"),
    [
        ("DROP ALL", "DROP", "line 1, column 1"),
        ("PREFIX ex: <http://example.org/>\nINSERT DATA { GRAPH ex:g { ex:a ex:b ex:c } }", "INSERT", "line 2, column 1"),
        ("# a comment\nBASE <http://example.org/> delete where { ?s ?p ?o }", "DELETE", "line 2, column 28"),
        ("WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH", "line 1, column 1"),
        ("LOAD <http://example.org/data.ttl>", "LOAD", "line 1, column 1"),
    ],
)
def test_updates_are_refused_by_name(query: str, word: str, where: str) -> None:
    with pytest.raises(QueryError, match=f"^updates are refused: .*{word} at {where} starts an update"):
        check_read_only(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEKT * WHERE { ?s ?p ?o }", "SPARQL syntax error at line 1, column 1: .* not 'SELEKT'"),
        ("PREFIX ex: <http://example.org/>\n  SLECT ?s { ?s ?p ?o }", "SPARQL syntax error at line 2, column 3: .* not 'SLECT'"),
        ("", "SPARQL syntax error: the query is empty"),
        ("  # nothing but a comment\n", "SPARQL syntax error: the query is empty"),
    ],
)
def test_a_wrong_first_word_is_a_syntax_error_naming_it(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "prefix ex: <http://example.org/> ask { ?s ?p ?o }",
        "BASE <http://example.org/>\nPREFIX : <x/>\n# note\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DESCRIBE <http://example.org/a>",
    ],
)
def test_read_only_queries_pass(query: str) -> None:
    check_query(query)


def test_an_update_through_the_knowledge_base_says_updates_are_refused() -> None:
    with KnowledgeBase.open(":memory:") as kb:
        with pytest.raises(QueryError, match="updates are refused"):
            kb.sparql("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
