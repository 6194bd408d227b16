"""The query catalogue: SPARQL templates in ``queries/*.rq``, typed parameters, typed rows.

Each template is a standalone SPARQL 1.1 SELECT query (it runs as it stands in any SPARQL
tool, over the union of the graphs) whose leading ``#+`` comment lines are a YAML header::

    #+ summary: Mechanism claims for a drug, a target or both.
    #+ parameters:
    #+   drug: {type: concept, category: drug, variable: drug_iri, description: "drug by name"}
    #+   target: {type: concept, category: target, variable: target_iri}
    #+ one_of: [drug, target]           # optional: at least one of these must be given
    #+ columns:
    #+   drug: string
    #+   direction: string

Parameter ``x`` binds the variable ``?x``, or the one its ``variable`` names, so that a
parameter and a column may share a user-facing name (``drug`` the IRI to match, ``drug`` the
label to show). A value becomes an RDF term first: a concept name is resolved through the
vocabulary to its IRI, a DOI is normalized, a number is typed. Terms are joined in as a
``VALUES`` block (:func:`kb.sparql.bind_values`), never pasted into the text. Each row comes
back as an instance of one :class:`typing.NamedTuple` class per template, built from its
``columns``, with Python values (``None`` where a column is unbound).

>>> from kb.store import KBStore
>>> run_template(KBStore.memory(), "stats")[0].sources
0
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, Optional, Protocol

import pyoxigraph as ox
import yaml

from kb.errors import KBError, ParameterError, QueryError, UnknownTermError
from kb.identifiers import normalize_doi, normalize_nct, normalize_pmid
from kb.models.base import normalize_partial_date
from kb.paths import queries_dir
from kb.rdf.terms import partial_date
from kb.store import KBStore, Term
from kb.vocab import CATEGORIES, get_vocabulary

__all__ = [
    "PARAMETER_TYPES",
    "COLUMN_TYPES",
    "ConceptResolver",
    "Parameter",
    "Template",
    "load_template",
    "iter_templates",
    "bind_parameters",
    "run_template",
    "row_type",
    "publication",
    "outcome_results",
    "adverse_events",
    "mechanisms",
    "drugs_for_target",
    "trial_reports",
    "provenance",
    "stats",
]

#: The parameter types a template header may declare.
PARAMETER_TYPES: tuple[str, ...] = ("concept", "string", "integer", "decimal", "date", "doi", "pmid", "nct", "iri")
#: Column types and the Python type of their values (dates and times are ISO strings).
COLUMN_TYPES: dict[str, type] = {"string": str, "integer": int, "decimal": float, "boolean": bool, "date": str, "datetime": str, "iri": str}

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER_KEYS = {"summary", "description", "parameters", "one_of", "columns"}
_PARAMETER_KEYS = {"type", "category", "variable", "description", "default", "required"}
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_INT64 = 2**63
_DECIMAL_LIMIT = Decimal("1e20")  # Oxigraph's xsd:decimal holds about +-1.7e20, 18 decimals


class ConceptResolver(Protocol):
    """What concept parameters need: :meth:`kb.vocab.Vocabulary.resolve`."""

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Any: ...


@dataclass(frozen=True)
class Parameter:
    """A declared template parameter; it binds ``?variable`` (by default ``?name``)."""

    name: str
    type: str
    variable: str = ""
    category: str | None = None
    required: bool = False
    default: object = None
    description: str = ""


@dataclass(frozen=True)
class Template:
    """A query template: header fields, the query text (header included) and its file."""

    name: str
    summary: str
    parameters: dict[str, Parameter]
    columns: dict[str, str]
    text: str
    path: Path
    description: str = ""
    one_of: tuple[str, ...] = field(default=())

    @property
    def row_type(self) -> type[tuple]:
        """The NamedTuple class of this template's rows (see :func:`row_type`)."""
        return row_type(self)


# -- loading ------------------------------------------------------------------------


def load_template(name: str) -> Template:
    """The template ``queries/{name}.rq``; :class:`QueryError` if unknown or malformed.

    >>> load_template("trial_reports").parameters["trial"].required
    True
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise QueryError(f"invalid template name {name!r}: use lower-case letters, digits and '_'")
    path = queries_dir() / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in queries_dir().glob("*.rq"))) or "none"
        raise QueryError(f"no query template {name!r}; known templates: {known}")
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


def iter_templates() -> Iterator[Template]:
    """Every template of the catalogue, by name."""
    for path in sorted(queries_dir().glob("*.rq")):
        yield load_template(path.stem)


@cache
def _load(path: Path, _mtime_ns: int, _size: int) -> Template:
    # Cached per file version: a changed file (new mtime or size) is read again.
    text = path.read_text(encoding="utf-8")
    header = _parse_header(text, path)
    where = f"{path.name}:"
    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise QueryError(f"{where} header needs a 'summary' line")
    parameters = {name: _parameter(name, spec, where) for name, spec in _mapping(header, "parameters", where).items()}
    columns = _mapping(header, "columns", where)
    if not columns:
        raise QueryError(f"{where} header needs 'columns'")
    for column, kind in columns.items():
        if not _valid_variable(column) or kind not in COLUMN_TYPES:
            raise QueryError(f"{where} column {column!r}: type must be one of {', '.join(COLUMN_TYPES)}, got {kind!r}")
    variables = [parameter.variable for parameter in parameters.values()]
    if len(set(variables)) != len(variables):
        raise QueryError(f"{where} two parameters bind the same variable: {variables}")
    one_of = header.get("one_of") or []
    if not isinstance(one_of, list) or any(p not in parameters for p in one_of):
        raise QueryError(f"{where} 'one_of' must list declared parameters, got {one_of!r}")
    description = header.get("description") or ""
    if not isinstance(description, str):
        raise QueryError(f"{where} 'description' must be text")
    return Template(path.stem, summary.strip(), parameters, dict(columns), text, path, description.strip(), tuple(one_of))


def _parse_header(text: str, path: Path) -> dict[str, Any]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not lines:
        raise QueryError(f"{path.name}: no '#+' YAML header at the top of the file")
    try:
        header = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as error:
        raise QueryError(f"{path.name}: malformed '#+' header: {error}") from error
    if not isinstance(header, dict):
        raise QueryError(f"{path.name}: the '#+' header must be a YAML mapping")
    unknown = set(header) - _HEADER_KEYS
    if unknown:
        raise QueryError(f"{path.name}: unknown header keys {sorted(unknown)}; use {sorted(_HEADER_KEYS)}")
    return header


def _mapping(header: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = header.get(key) or {}
    if not isinstance(value, dict):
        raise QueryError(f"{where} '{key}' must be a mapping")
    return value


def _parameter(name: object, spec: object, where: str) -> Parameter:
    if not isinstance(name, str) or not _valid_variable(name):
        raise QueryError(f"{where} parameter name {name!r} is not a SPARQL variable name")
    if not isinstance(spec, dict) or set(spec) - _PARAMETER_KEYS:
        raise QueryError(f"{where} parameter {name!r} must be a mapping with keys among {sorted(_PARAMETER_KEYS)}")
    kind, category = spec.get("type"), spec.get("category")
    if kind not in PARAMETER_TYPES:
        raise QueryError(f"{where} parameter {name!r}: type must be one of {', '.join(PARAMETER_TYPES)}, got {kind!r}")
    if (kind == "concept") != (category is not None) or (category is not None and category not in CATEGORIES):
        raise QueryError(f"{where} parameter {name!r}: a concept needs a category of {', '.join(CATEGORIES)}, and only a concept has one")
    variable = spec.get("variable", name)
    if not isinstance(variable, str) or not _valid_variable(variable):
        raise QueryError(f"{where} parameter {name!r}: variable {variable!r} is not a SPARQL variable name")
    required, default = spec.get("required", False), spec.get("default")
    if not isinstance(required, bool) or (required and default is not None):
        raise QueryError(f"{where} parameter {name!r}: 'required' must be true or false, and a required parameter has no default")
    return Parameter(name, kind, variable, category, required, default, str(spec.get("description") or ""))


def _valid_variable(name: str) -> bool:
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name)) and not name.startswith("_")


# -- binding ------------------------------------------------------------------------


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
        normalize = {"doi": normalize_doi, "pmid": normalize_pmid, "nct": normalize_nct}.get(parameter.type)
        text = _text(value)
        return ox.Literal(normalize(text) if normalize else text)
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
    elif not isinstance(value, str) and isinstance(getattr(value, "iri", None), str):
        value = value.iri  # a kb.vocab.Concept: checked against the vocabulary like any IRI
    text = _text(value)
    concept = (vocabulary or get_vocabulary()).resolve(text, category=parameter.category, strict=True)
    if concept is None:
        raise UnknownTermError(f"{text!r} is not in the vocabulary for category {parameter.category!r}")
    return ox.NamedNode(concept.iri)


# -- running ------------------------------------------------------------------------


def run_template(
    store: KBStore,
    name: str | Template,
    params: Mapping[str, object] | None = None,
    *,
    vocabulary: ConceptResolver | None = None,
) -> list[tuple]:
    """Run a template over ``store``; one row (of :func:`row_type`) per solution, in order."""
    template = name if isinstance(name, Template) else load_template(name)
    bindings = bind_parameters(template, params or {}, vocabulary=vocabulary)
    result = store.select(template.text, bindings)
    if result.variables != tuple(template.columns):
        raise QueryError(f"{template.name}: the query selects {list(result.variables)}, the header declares {list(template.columns)}")
    row = row_type(template)
    kinds = tuple(template.columns.items())
    return [row(*(_value(template, column, kind, term) for (column, kind), term in zip(kinds, values))) for values in result.rows]


def row_type(template: Template | str) -> type[tuple]:
    """The NamedTuple class of a template's rows, e.g. ``StatsRow``; built once per header.

    >>> row_type("stats")._fields[:2]
    ('sources', 'publications')
    """
    template = template if isinstance(template, Template) else load_template(template)
    return _row_type(template.name, tuple(template.columns.items()))


@cache
def _row_type(name: str, columns: tuple[tuple[str, str], ...]) -> type[tuple]:
    class_name = "".join(part.capitalize() for part in name.split("_")) + "Row"
    fields = [(column, Optional[COLUMN_TYPES[kind]]) for column, kind in columns]
    row = NamedTuple(class_name, fields)  # type: ignore[misc]
    row.__doc__ = f"A row of the {name!r} query template."
    row.__module__ = __name__
    return row


def _value(template: Template, column: str, kind: str, term: Term | None) -> object:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    text = term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)
    try:
        if kind == "integer":
            number = Decimal(text)
            if number != number.to_integral_value():
                raise ValueError(text)
            return int(number)
        if kind == "decimal":
            return float(text)
        if kind == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[text]
    except (ValueError, KeyError, InvalidOperation):
        raise QueryError(f"{template.name}: column {column!r} expects {kind}, got {text!r}") from None
    return text


# -- helpers ------------------------------------------------------------------------


def publication(store: KBStore, *, doi: str | None = None, pmid: str | None = None) -> list[tuple]:
    """A publication's record and authors in order, by DOI or PMID (``publication.rq``)."""
    return run_template(store, "publication", {"doi": doi, "pmid": pmid})


def outcome_results(
    store: KBStore,
    *,
    drug: str | None = None,
    outcome: str | None = None,
    trial: str | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[tuple]:
    """Arm measurements and comparisons for a drug, outcome or trial (``outcome_results.rq``)."""
    return run_template(store, "outcome_results", {"drug": drug, "outcome": outcome, "trial": trial}, vocabulary=vocabulary)


def adverse_events(
    store: KBStore,
    *,
    drug: str | None = None,
    min_grade: int | None = None,
    min_incidence: float | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[tuple]:
    """Adverse events of a drug's arms beside comparators, above thresholds (``adverse_events.rq``)."""
    params = {"drug": drug, "min_grade": min_grade, "min_incidence": min_incidence}
    return run_template(store, "adverse_events", params, vocabulary=vocabulary)


def mechanisms(
    store: KBStore,
    *,
    drug: str | None = None,
    target: str | None = None,
    vocabulary: ConceptResolver | None = None,
) -> list[tuple]:
    """Mechanism claims for a drug and/or a target (``mechanisms.rq``)."""
    return run_template(store, "mechanisms", {"drug": drug, "target": target}, vocabulary=vocabulary)


def drugs_for_target(store: KBStore, *, target: str, vocabulary: ConceptResolver | None = None) -> list[tuple]:
    """Drugs acting on a target and their outcome comparisons (``drugs_for_target.rq``)."""
    return run_template(store, "drugs_for_target", {"target": target}, vocabulary=vocabulary)


def trial_reports(store: KBStore, *, trial: str) -> list[tuple]:
    """The sources reporting a trial, with their analyses (``trial_reports.rq``)."""
    return run_template(store, "trial_reports", {"trial": trial})


def provenance(store: KBStore, *, finding: str | None = None, source: str | None = None) -> list[tuple]:
    """Provenance of a finding (by IRI) or of a source (by id) (``provenance.rq``)."""
    return run_template(store, "provenance", {"finding": finding, "source": source})


def stats(store: KBStore) -> tuple:
    """The knowledge base's counts, as one row (``stats.rq``).

    >>> from kb.store import KBStore
    >>> stats(KBStore.memory()).quads
    0
    """
    return run_template(store, "stats")[0]
