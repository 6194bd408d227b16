"""The query catalogue: every template parses, and declares exactly what it binds and returns.

Each ``queries/*.rq`` is parsed by two engines (rdflib's parser and Oxigraph, run against an
empty store); its ``#+`` header must load; every declared parameter's variable must occur in
the query; the SELECT projection must be the declared columns, in order; a variable the query
only reads (never binds) must be a declared parameter; and a variable named like a parameter
of any template must, in each template, be its own parameter or one of its columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.paths import Path as RdflibPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

import kb.query.templates as templates_module
from kb.errors import ParameterError, QueryError
from kb.paths import queries_dir
from kb.query import COLUMN_TYPES, PARAMETER_TYPES, Template, bind_parameters, iter_templates, load_template
from kb.vocab import CATEGORIES

TEMPLATE_FILES = sorted(queries_dir().glob("*.rq"))
NAMES = [path.stem for path in TEMPLATE_FILES]
EXPECTED = {"publication", "outcome_results", "adverse_events", "mechanisms", "drugs_for_target", "trial_reports", "provenance", "stats"}


def _algebra(template: Template) -> CompValue:
    """rdflib's algebra of the template, parsed once per text (pyparsing is slow; the tests only read it)."""
    return _parse(template.text)


@lru_cache(maxsize=None)
def _parse(text: str) -> CompValue:
    return prepareQuery(text).algebra


def _walk(node: object) -> Iterator[object]:
    """Every node of an rdflib algebra tree, expressions included."""
    yield node
    if isinstance(node, dict):  # CompValue is an OrderedDict
        for key, value in node.items():
            if key != "_vars":  # rdflib's cached variable sets would hide nothing but add noise
                yield from _walk(value)
    elif isinstance(node, (list, tuple, set)):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, RdflibPath):
        return


def _used_variables(template: Template) -> set[str]:
    """Every variable the query mentions (rdflib's internal aggregate variables excluded)."""
    return {str(node) for node in _walk(_algebra(template)) if isinstance(node, Variable) and not str(node).startswith("__")}


def _bound_variables(template: Template) -> set[str]:
    """Variables some part of the query binds: triple patterns, GRAPH, BIND, VALUES, sub-SELECTs."""
    bound: set[str] = set()
    for node in _walk(_algebra(template)):
        if not isinstance(node, CompValue):
            continue
        # (rdflib leaves the pattern of an EXISTS as parse-tree nodes: TriplesBlock, GraphGraphPattern, Bind.)
        if node.name in ("BGP", "TriplesBlock"):
            bound |= {str(term) for triple in node.triples for term in triple if isinstance(term, Variable)}
        elif node.name in ("Graph", "GraphGraphPattern") and isinstance(node.term, Variable):
            bound.add(str(node.term))
        elif node.name in ("Extend", "Bind"):
            bound.add(str(node.var))
        elif node.name == "values":
            bound |= {str(var) for row in node.res for var in row}
        elif node.name == "Project":
            bound |= {str(var) for var in node.PV}
    return bound


def _parameter_variables(template: Template) -> set[str]:
    return {parameter.variable for parameter in template.parameters.values()}


def test_the_catalogue_has_the_expected_templates() -> None:
    assert EXPECTED <= set(NAMES)
    assert [template.name for template in iter_templates()] == NAMES


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=NAMES)
def test_template_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    form = load_template(path.stem).form
    assert prepareQuery(text).algebra.name == {"select": "SelectQuery", "construct": "ConstructQuery"}[form]
    result = ox.Store().query(text, use_default_graph_as_union=True)
    assert isinstance(result, {"select": ox.QuerySolutions, "construct": ox.QueryTriples}[form])


@pytest.mark.parametrize("name", NAMES)
def test_header_is_well_formed(name: str) -> None:
    template = load_template(name)
    # A SELECT template declares its columns; a CONSTRUCT template returns a graph and has none.
    assert template.summary and bool(template.columns) == (template.form == "select")
    assert template.text.startswith("#+ summary:")
    assert all(kind in COLUMN_TYPES for kind in template.columns.values())
    for parameter in template.parameters.values():
        assert parameter.type in PARAMETER_TYPES
        assert (parameter.category in CATEGORIES) == (parameter.type == "concept")
        assert parameter.description, f"{name}: describe parameter {parameter.name!r}"
    assert set(template.one_of) <= set(template.parameters)
    # Defaults are values of their type: binding nothing but the defaults works.
    bind_parameters(template, {}, partial=True)


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_variable_occurs_in_the_query(name: str) -> None:
    template = load_template(name)
    missing = _parameter_variables(template) - _used_variables(template)
    assert not missing, f"{name}: parameters bind variables the query never uses: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_projection_is_the_declared_columns_in_order(name: str) -> None:
    template = load_template(name)
    if template.form == "construct":
        pytest.skip("a CONSTRUCT template projects no columns")
    projected = [str(variable) for variable in _algebra(template)["PV"]]
    assert projected == list(template.columns)
    solutions = ox.Store().query(template.text, use_default_graph_as_union=True)
    assert [variable.value for variable in solutions.variables] == list(template.columns)


@pytest.mark.parametrize("name", NAMES)
def test_variables_only_read_are_declared_parameters(name: str) -> None:
    # A variable nothing binds can only come from outside: it must be a declared parameter.
    template = load_template(name)
    free = _used_variables(template) - _bound_variables(template)
    assert free <= _parameter_variables(template), f"{name}: undeclared inputs {free - _parameter_variables(template)}"


@pytest.mark.parametrize("name", NAMES)
def test_no_undeclared_variable_is_named_like_a_parameter(name: str) -> None:
    template = load_template(name)
    everywhere = set().union(*(_parameter_variables(t) for t in iter_templates()))
    allowed = _parameter_variables(template) | set(template.columns)
    stray = (_used_variables(template) & everywhere) - allowed
    assert not stray, f"{name}: variables named like parameters of other templates: {stray}"


@pytest.mark.parametrize("name", NAMES)
def test_templates_never_mention_the_instance_base(name: str) -> None:
    # docs/rdf-mapping.md: queries match vocabulary terms only, so any base IRI works.
    assert "w3id.org/trial-evidence-kb/id/" not in load_template(name).text


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(QueryError, match="known templates: .*outcome_results"):
        load_template("no_such_template")
    with pytest.raises(QueryError, match="invalid template name"):
        load_template("../kb/store")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "no '#\\+' YAML header"),
        ("#+ summary: [unclosed\nSELECT ?x WHERE { ?x ?p ?o }", "malformed"),
        ("#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "summary"),
        ("#+ summary: s\nSELECT ?x WHERE { ?x ?p ?o }", "columns"),
        ("#+ summary: s\n#+ columns:\n#+   x: text\nSELECT ?x WHERE { ?x ?p ?o }", "column 'x'"),
        ("#+ summary: s\n#+ colums:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "unknown header keys"),
        ("#+ summary: s\n#+ parameters:\n#+   p: {type: number}\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "type must be"),
        ("#+ summary: s\n#+ parameters:\n#+   p: {type: concept}\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "category"),
        ("#+ summary: s\n#+ parameters:\n#+   p: {type: string, variable: 'a b'}\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "variable"),
        ("#+ summary: s\n#+ parameters:\n#+   p: {type: string, required: true, default: a}\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "required"),
        ("#+ summary: s\n#+ one_of: [p]\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "one_of"),
        ("#+ summary: s\n#+ selector: [p]\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }", "'selector' must list"),
        (
            "#+ summary: s\n#+ parameters:\n#+   p: {type: string}\n#+ selector: [p]\n#+ columns:\n#+   x: string\n"
            "SELECT ?x WHERE { ?x ?a ?p }",
            "needs UNION branches marked",
        ),
        (
            "#+ summary: s\n#+ parameters:\n#+   p: {type: string}\n#+ selector: [p]\n#+ columns:\n#+   x: string\n"
            "SELECT ?x WHERE {\n  {\n    # when: p\n    ?x ?a ?p\n  } UNION {\n    # when: p\n    ?x ?b ?p\n  }\n}",
            "no single branch '# when: p'",
        ),
    ],
)
def test_malformed_headers_are_query_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str, message: str) -> None:
    (tmp_path / "broken.rq").write_text(header + "\n", encoding="utf-8")
    monkeypatch.setattr(templates_module, "queries_dir", lambda: tmp_path)
    with pytest.raises(QueryError, match=message):
        load_template("broken")


def test_a_changed_template_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates_module, "queries_dir", lambda: tmp_path)
    path = tmp_path / "mine.rq"
    path.write_text("#+ summary: first\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    assert load_template("mine").summary == "first"
    path.write_text("#+ summary: second, longer\n#+ columns:\n#+   x: string\nSELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    assert load_template("mine").summary == "second, longer"


def test_parameters_without_a_query_template_raise_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="stats: unknown parameter 'drug'; it takes no parameters"):
        bind_parameters(load_template("stats"), {"drug": "lenalidomide"})
