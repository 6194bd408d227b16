"""Turning parameter values into RDF terms: resolved concepts, normalized identifiers, typed numbers.

A value that is not of its parameter's type raises :class:`~kb.errors.ParameterError` naming
the template and the parameter; nothing but a term ever reaches the query.

>>> from kb.query.templates import load_template
>>> bind_parameters(load_template("publication"), {"doi": "https://doi.org/10.1056/NEJMoa070596"})
{'doi_given': <Literal value=10.1056/nejmoa070596 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import pyoxigraph as ox

from kb.errors import KBError, ParameterError, UnknownTermError
from kb.query.templates import Parameter, Template

# kb.identifiers (pydantic), kb.models and kb.rdf are imported where a value needs them: a
# template with only string, number and concept parameters runs without them.

__all__ = ["ConceptResolver", "bind_parameters"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_INT64 = 2**63
_DECIMAL_LIMIT = Decimal("1e20")  # Oxigraph's xsd:decimal holds about +-1.7e20, 18 decimals


class ConceptResolver(Protocol):
    """What concept parameters need: :meth:`kb.vocab.Vocabulary.resolve`."""

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Any: ...


def bind_parameters(
    template: Template,
    params: Mapping[str, object],
    *,
    vocabulary: ConceptResolver | None = None,
    partial: bool = False,
) -> dict[str, ox.NamedNode | ox.Literal]:
    """The RDF term each given (or defaulted) parameter binds, by the variable it binds.

    ``None`` means not given. Unknown, missing and ill-typed parameters raise
    :class:`ParameterError` naming the template and the parameter; an unknown concept
    raises :class:`UnknownTermError`. With ``partial=True`` missing required parameters
    are allowed (to run a template as it stands, or to compare results).

    >>> from kb.query.templates import load_template
    >>> bind_parameters(load_template("adverse_events"), {"min_grade": "3"})
    {'min_grade': <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>, 'min_incidence': <Literal value=0 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#decimal>>}
    """
    unknown = sorted(set(params) - set(template.parameters))
    if unknown:
        takes = ", ".join(template.parameters) or "no parameters"
        raise ParameterError(f"{template.name}: unknown parameter {unknown[0]!r}; it takes {takes}")
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    for name, parameter in template.parameters.items():
        value = params.get(name)
        if value is None:
            value = parameter.default
        if value is None:
            if parameter.required and not partial:
                raise ParameterError(f"{template.name}: parameter {name!r} is required ({parameter.description or parameter.type})")
            continue
        bindings[parameter.variable] = _to_term(template, parameter, value, vocabulary)
    given = {template.parameters[name].variable for name in template.one_of}
    if template.one_of and not partial and not given & set(bindings):
        raise ParameterError(f"{template.name}: give at least one of {', '.join(template.one_of)}")
    return bindings


def _to_term(template: Template, parameter: Parameter, value: object, vocabulary: ConceptResolver | None) -> ox.NamedNode | ox.Literal:
    where = f"{template.name}: parameter {parameter.name!r}"
    try:
        if parameter.type == "concept":
            return _concept(value, parameter, vocabulary)
        if parameter.type == "integer":
            return _typed(_integer(value), "integer")
        if parameter.type == "decimal":
            return _typed(_decimal(value), "decimal")
        if parameter.type == "date":
            return _date(value)
        if parameter.type == "iri":
            return _iri(value)
        text = _text(value)
        if parameter.type in ("doi", "pmid", "nct"):
            from kb.identifiers import normalize_doi, normalize_nct, normalize_pmid

            normalize = {"doi": normalize_doi, "pmid": normalize_pmid, "nct": normalize_nct}[parameter.type]
            return ox.Literal(normalize(text))
        if parameter.type == "trial":
            # NCT ids and acronyms are matched in upper case; done here so the template binds the
            # key its pattern uses (a key computed in SPARQL is not an index lookup in Oxigraph).
            return ox.Literal(text.upper())
        return ox.Literal(text)
    except UnknownTermError as error:
        raise UnknownTermError(f"{where}: {error}") from error
    except (KBError, ValueError) as error:  # IdentifierError is both; pyoxigraph raises ValueError
        raise ParameterError(f"{where}: {error}") from error


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"expected text, got {type(value).__name__} {value!r}")
    text = value.strip()
    if not text:
        raise ParameterError("is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParameterError(f"{value!r} is not valid Unicode text") from None
    return text


def _typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(_XSD + datatype))


def _integer(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ParameterError(f"expected an integer, got {value!r}")
    if isinstance(value, str):
        text = _text(value)
        if not _INTEGER_RE.match(text):
            raise ParameterError(f"expected an integer, got {value!r}")
        value = int(text)
    if not -_INT64 <= value < _INT64:
        raise ParameterError(f"integer {value} is out of range")
    return str(value)


def _decimal(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ParameterError(f"expected a number, got {value!r}")
    try:
        number = Decimal(_text(value) if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ParameterError(f"expected a number, got {value!r}") from None
    if not number.is_finite() or abs(number) >= _DECIMAL_LIMIT:
        raise ParameterError(f"number {value!r} is out of range")
    return format(number.quantize(Decimal("1e-18")).normalize(), "f")


def _date(value: object) -> ox.Literal:
    # xsd:date, or xsd:gYearMonth / xsd:gYear for a partial date, as the mapping writes them.
    from kb.models.base import normalize_partial_date
    from kb.rdf.terms import partial_date

    return partial_date(normalize_partial_date(value if isinstance(value, Date) else _text(value)))


def _iri(value: object) -> ox.NamedNode:
    if isinstance(value, ox.NamedNode):
        return value
    text = _text(value)
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if not text.startswith(("http://", "https://", "urn:")):
        from kb.curie import expand_curie, looks_like_curie  # reads the prefix map on first use

        if looks_like_curie(text):
            text = expand_curie(text)
    if not _IRI_RE.match(text):
        raise ParameterError(f"expected an absolute IRI, got {value!r}")
    return ox.NamedNode(text)


def _concept(value: object, parameter: Parameter, vocabulary: ConceptResolver | None) -> ox.NamedNode:
    if isinstance(value, ox.NamedNode):
        value = value.value
    elif not isinstance(value, str) and isinstance(iri := getattr(value, "iri", None), str):
        value = iri  # a kb.vocab.Concept: checked against the vocabulary like any IRI
    text = _text(value)
    if vocabulary is None:
        raise ParameterError("a concept parameter needs a vocabulary to resolve names: run the template through a KnowledgeBase")
    concept = vocabulary.resolve(text, category=parameter.category, strict=True)
    if concept is None:
        raise UnknownTermError(f"{text!r} is not in the vocabulary for category {parameter.category!r}")
    return ox.NamedNode(concept.iri)
