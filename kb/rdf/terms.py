"""Small constructors for Oxigraph terms: IRIs from rdflib namespace terms, typed literals."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox

from kb.namespaces import XSD

__all__ = ["Predicate", "iri", "string", "optional_string", "decimal", "integer", "boolean", "partial_date", "date_time", "triple"]

#: A predicate as mapping code writes it: an Oxigraph node, or an IRI string such as an rdflib
#: namespace term (``URIRef`` is a ``str``).
Predicate = ox.NamedNode | str

_XSD_DECIMAL = ox.NamedNode(str(XSD.decimal))
_XSD_INTEGER = ox.NamedNode(str(XSD.integer))
_XSD_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_XSD_DATE = ox.NamedNode(str(XSD.date))
_XSD_GYEAR = ox.NamedNode(str(XSD.gYear))
_XSD_GYEARMONTH = ox.NamedNode(str(XSD.gYearMonth))
_XSD_DATETIME = ox.NamedNode(str(XSD.dateTime))


def iri(value: str) -> ox.NamedNode:
    """An IRI node from a string or an rdflib ``URIRef``."""
    return ox.NamedNode(str(value))


def string(value: str) -> ox.Literal:
    """A plain string literal."""
    return ox.Literal(value)


def optional_string(value: str | None) -> ox.Literal | None:
    """A string literal, or None for a missing or empty value."""
    return ox.Literal(value) if value else None


def decimal(value: float) -> ox.Literal:
    """An ``xsd:decimal`` literal written without float noise.

    >>> decimal(0.44).value, decimal(1e-6).value, decimal(11).value
    ('0.44', '0.000001', '11.0')
    """
    # repr() is the shortest text that reads back as the same float: no 0.4400000000000000022.
    text = format(Decimal(repr(float(value))).normalize(), "f")
    if "." not in text:
        text += ".0"
    return ox.Literal(text, datatype=_XSD_DECIMAL)


def integer(value: int) -> ox.Literal:
    """An ``xsd:integer`` literal."""
    return ox.Literal(str(int(value)), datatype=_XSD_INTEGER)


def boolean(value: bool) -> ox.Literal:
    """An ``xsd:boolean`` literal."""
    return ox.Literal("true" if value else "false", datatype=_XSD_BOOLEAN)


def partial_date(value: str) -> ox.Literal:
    """``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` for a full or partial date.

    >>> partial_date("2005-06").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    """
    datatype = {4: _XSD_GYEAR, 7: _XSD_GYEARMONTH}.get(len(value), _XSD_DATE)
    return ox.Literal(value, datatype=datatype)


def date_time(value: str) -> ox.Literal:
    """An ``xsd:dateTime`` literal from an ISO 8601 string."""
    return ox.Literal(value, datatype=_XSD_DATETIME)


#: Predicates as Oxigraph nodes, by IRI: a mapping uses a few dozen predicates hundreds of
#: thousands of times, and building the node each time was a tenth of the mapping time.
_PREDICATE_NODES: dict[str, ox.NamedNode] = {}


def triple(subject: ox.NamedNode, predicate: Predicate, obj: ox.NamedNode | ox.Literal) -> ox.Triple:
    """A triple; ``predicate`` may be an rdflib ``URIRef``."""
    if not isinstance(predicate, ox.NamedNode):
        node = _PREDICATE_NODES.get(predicate)
        if node is None:
            node = _PREDICATE_NODES[predicate] = ox.NamedNode(str(predicate))
        predicate = node
    return ox.Triple(subject, predicate, obj)
