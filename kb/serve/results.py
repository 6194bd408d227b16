"""Query results as a worker sends them back: SPARQL JSON terms, plain Python values, table cells, truncated at the row limit."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kb.serve.jobs import TableReply

if TYPE_CHECKING:
    import pyoxigraph as ox


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    """The first ``limit`` items, and whether there were more (one more is evaluated to know)."""
    taken: list[Any] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def _serialize_results(result: Any, fmt: Any) -> bytes:
    body = result.serialize(None, fmt)
    return bytes(body or b"")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def _json_term(term: Any) -> dict[str, Any]:
    """One RDF term in SPARQL 1.1 Query Results JSON (RDF 1.2 triple terms as Oxigraph writes them)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        encoded: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                encoded["its:dir"] = str(getattr(direction, "value", direction)).lower().rsplit(".", 1)[-1]
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
            encoded["datatype"] = term.datatype.value
        return encoded
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate), "object": _json_term(term.object)}}


def _json_solution(solution: Any, variables: list[str]) -> dict[str, Any]:
    bound = {}
    for name in variables:
        term = solution[name]
        if term is not None:
            bound[name] = _json_term(term)
    return bound


_INTEGER_TYPES = {_XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}
_FLOAT_TYPES = {_XSD + name for name in ("decimal", "double", "float")}


def plain_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> object:
    """A term as a plain Python value: an IRI's text, ``_:id`` for a blank node, a number or
    boolean for numeric and boolean literals (when well-formed), else the literal's text.

    >>> import pyoxigraph as ox
    >>> plain_value(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    3
    >>> plain_value(ox.NamedNode("http://example.org/a")), plain_value(None)
    ('http://example.org/a', None)
    """
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(Decimal(term.value))
            if datatype in _FLOAT_TYPES:
                return float(term.value)
        except (ArithmeticError, ValueError):
            return term.value  # an ill-typed literal keeps its text
        if datatype == _XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
        return term.value
    return str(term)


def _cell(term: Any) -> tuple[str, str, str] | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", f"_:{term.value}", "")
    if isinstance(term, ox.Literal):
        extra = term.language or ("" if term.datatype.value == _XSD_STRING else term.datatype.value)
        return ("literal", term.value, extra)
    return ("triple", str(term), "")


def _table(result: Any, limit: int) -> TableReply:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return TableReply("ask", (), (), bool(result), False)
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        solutions, truncated = _take(result, limit)
        return TableReply("select", variables, tuple(tuple(_cell(s[name]) for name in variables) for s in solutions), None, truncated)
    triples, truncated = _take(result, limit)
    return TableReply("graph", ("subject", "predicate", "object"), tuple((_cell(t.subject), _cell(t.predicate), _cell(t.object)) for t in triples), None, truncated)


