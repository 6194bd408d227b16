"""The query catalogue: SPARQL templates in ``queries/*.rq`` with typed parameters and rows.

Each template is standalone SPARQL with a ``#+`` YAML header::

    #+ summary: Outcome results for a drug, outcome or trial.
    #+ parameters:
    #+   drug: {type: concept, category: drug, variable: drug_iri, description: "..."}
    #+   min_grade: {type: integer, default: 0}
    #+ columns:
    #+   doi: string
    #+   estimate: decimal

Parameter ``x`` binds variable ``?x`` unless its header names another
(``trial: {type: string, variable: trial_name}``), so that parameters and output
columns may share user-facing names. A value is first turned into an RDF term of the
declared type (a concept name is resolved through the vocabulary to its IRI, a DOI is
normalized, a number parsed) and then bound as a term (:mod:`kb.sparql`), never pasted
into the query text. Rows are typed named tuples built from the declared columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox
import yaml

from kb.errors import IdentifierError, ParameterError, QueryError, UnknownTermError
from kb.identifiers import normalize_doi, normalize_nct, normalize_pmid
from kb.models.base import normalize_partial_date
from kb.paths import queries_dir
from kb.rdf.terms import decimal, integer, iri, partial_date, string
from kb.store import KBStore, SelectResult
from kb.vocab import CATEGORIES, Vocabulary, get_vocabulary

__all__ = [
    "PARAMETER_TYPES",
    "COLUMN_TYPES",
    "Parameter",
    "Template",
    "load_template",
    "iter_templates",
    "bind_parameters",
    "run_template",
    "row_class",
    "publication",
    "outcome_results",
    "adverse_events",
    "mechanisms",
    "drugs_for_target",
    "trial_reports",
    "provenance",
    "stats",
]

PARAMETER_TYPES = ("concept", "string", "integer", "decimal", "date", "doi", "pmid", "nct", "iri", "boolean")
COLUMN_TYPES = {"string": str, "integer": int, "decimal": float, "boolean": bool, "date": str, "iri": str}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Parameter:
    """A declared template parameter."""

    name: str
    type: str
    variable: str = ""  # the SPARQL variable it binds; defaults to the name
    category: str | None = None
    required: bool = False
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class Template:
    """A query template: its header and its SPARQL text."""

    name: str
    summary: str
    parameters: dict[str, Parameter]
    columns: dict[str, str]
    text: str
    path: Path
    one_of: tuple[str, ...] = ()


def _header(text: str, path: Path) -> dict[str, Any]:
    lines = [line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise QueryError(f"{path.name}: no '#+' header")
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as error:
        raise QueryError(f"{path.name}: malformed '#+' header: {error}") from error
    if not isinstance(header, dict) or not isinstance(header.get("summary"), str):
        raise QueryError(f"{path.name}: the header needs a 'summary'")
    return header


def _parse_template(path: Path) -> Template:
    text = path.read_text(encoding="utf-8")
    header = _header(text, path)
    parameters: dict[str, Parameter] = {}
    for name, spec in (header.get("parameters") or {}).items():
        spec = spec or {}
        kind = spec.get("type")
        if not _NAME_RE.match(str(name)) or kind not in PARAMETER_TYPES:
            raise QueryError(f"{path.name}: parameter {name!r} needs a lower-case name and a type in {PARAMETER_TYPES}")
        category = spec.get("category")
        if kind == "concept" and category not in CATEGORIES:
            raise QueryError(f"{path.name}: concept parameter {name!r} needs a category in {CATEGORIES}")
        variable = str(spec.get("variable", name))
        if not _NAME_RE.match(variable):
            raise QueryError(f"{path.name}: parameter {name!r} has an invalid variable name {variable!r}")
        parameters[name] = Parameter(
            name=name, type=kind, variable=variable, category=category, required=bool(spec.get("required", False)),
            default=spec.get("default"), description=str(spec.get("description", "")),
        )
    columns = {str(k): str(v) for k, v in (header.get("columns") or {}).items()}
    unknown = [c for c, t in columns.items() if t not in COLUMN_TYPES]
    if not columns or unknown:
        raise QueryError(f"{path.name}: columns need types in {tuple(COLUMN_TYPES)} (bad: {unknown})")
    one_of = tuple(header.get("one_of") or ())
    return Template(path.stem, header["summary"].strip(), parameters, columns, text, path, one_of)


@cache
def _templates() -> dict[str, Template]:
    return {path.stem: _parse_template(path) for path in sorted(queries_dir().glob("*.rq"))}


def iter_templates() -> Iterator[Template]:
    """Every template of the catalogue, by name."""
    return iter(_templates().values())


def load_template(name: str) -> Template:
    """The template called ``name``; a :class:`QueryError` listing the known names if none."""
    templates = _templates()
    if name not in templates:
        raise QueryError(f"no query template {name!r}; known: {', '.join(templates)}")
    return templates[name]


def _term(template: Template, parameter: Parameter, value: Any, vocabulary: Vocabulary) -> ox.NamedNode | ox.Literal:
    where = f"parameter {parameter.name!r} of {template.name!r}"
    text = str(value).strip()
    try:
        if parameter.type == "concept":
            concept = vocabulary.resolve(text, category=parameter.category, strict=True)
            return iri(concept.iri)
        if parameter.type == "string":
            return string(text)
        if parameter.type == "integer":
            return integer(int(text))
        if parameter.type == "decimal":
            number = Decimal(text)
            if not number.is_finite():
                raise ValueError(text)
            return decimal(float(number))
        if parameter.type == "boolean":
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return ox.Literal(str(text.lower() in ("true", "1", "yes")).lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
        if parameter.type == "date":
            return partial_date(normalize_partial_date(text))
        if parameter.type == "doi":
            return string(normalize_doi(text))
        if parameter.type == "pmid":
            return string(normalize_pmid(text))
        if parameter.type == "nct":
            return string(normalize_nct(text))
        if parameter.type == "iri":
            return iri(text.removeprefix("<").removesuffix(">"))
    except UnknownTermError as error:
        raise ParameterError(f"{where}: {error}") from error
    except (IdentifierError, ValueError, InvalidOperation) as error:
        raise ParameterError(f"{where}: {value!r} is not a valid {parameter.type} ({error})") from error
    raise ParameterError(f"{where}: unsupported type {parameter.type!r}")  # unreachable: checked when parsed


def bind_parameters(
    template: Template, params: Mapping[str, Any] | None = None, *, vocabulary: Vocabulary | None = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check ``params`` against the template's declaration and turn each into an RDF term."""
    params = {k: v for k, v in (params or {}).items() if v is not None}
    unknown = sorted(set(params) - set(template.parameters))
    if unknown:
        known = ", ".join(template.parameters) or "none"
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for {template.name!r}; it takes: {known}")
    if template.one_of and not any(name in params for name in template.one_of):
        raise ParameterError(f"{template.name!r} needs one of: {', '.join(template.one_of)}")
    vocabulary = vocabulary or get_vocabulary()
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    for parameter in template.parameters.values():
        value = params.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise ParameterError(f"parameter {parameter.name!r} of {template.name!r} is required")
            continue
        bindings[parameter.variable] = _term(template, parameter, value, vocabulary)
    return bindings


@cache
def row_class(name: str) -> type:
    """The named-tuple class of ``name``'s rows, built from its declared columns."""
    template = load_template(name)
    fields = [(column, COLUMN_TYPES[kind] | None) for column, kind in template.columns.items()]
    return NamedTuple(f"{''.join(part.title() for part in name.split('_'))}Row", fields)


def _value(term: Any, kind: str) -> Any:
    if term is None:
        return None
    if kind in ("iri", "string", "date") or not isinstance(term, ox.Literal):
        return term.value
    text = term.value
    try:
        if kind == "integer":
            return int(Decimal(text))
        if kind == "decimal":
            return float(text)
        if kind == "boolean":
            return text in ("true", "1")
    except (InvalidOperation, ValueError):
        return None  # a value the store holds with another type: shown as absent, not as a crash
    return text


def _rows(template: Template, result: SelectResult) -> list[Any]:
    if tuple(result.variables) != tuple(template.columns):
        raise QueryError(f"{template.name}: query returns {result.variables}, header declares {tuple(template.columns)}")
    factory = row_class(template.name)
    kinds = list(template.columns.values())
    return [factory(*(_value(term, kind) for term, kind in zip(row, kinds))) for row in result.rows]


def run_template(
    store: KBStore, name: str, params: Mapping[str, Any] | None = None, *, vocabulary: Vocabulary | None = None
) -> list[Any]:
    """Run template ``name`` with ``params``; return typed rows."""
    template = load_template(name)
    bindings = bind_parameters(template, params, vocabulary=vocabulary)
    return _rows(template, store.select(template.text, bindings))


def publication(store: KBStore, *, doi: str | None = None, pmid: str | None = None) -> list[Any]:
    """A publication by DOI or PMID: bibliographic fields, one row per author in order."""
    return run_template(store, "publication", {"doi": doi, "pmid": pmid})


def outcome_results(store: KBStore, *, drug: str | None = None, outcome: str | None = None, trial: str | None = None) -> list[Any]:
    """Per-arm values and between-arm comparisons, with analysis, source and curation status."""
    return run_template(store, "outcome_results", {"drug": drug, "outcome": outcome, "trial": trial})


def adverse_events(
    store: KBStore, *, drug: str | None = None, event: str | None = None, trial: str | None = None,
    min_grade: int | None = None, min_incidence: float | None = None,
) -> list[Any]:
    """Adverse-event rates of the arms receiving a drug, each with the comparator arm's rate."""
    return run_template(
        store, "adverse_events",
        {"drug": drug, "event": event, "trial": trial, "min_grade": min_grade, "min_incidence": min_incidence},
    )


def mechanisms(store: KBStore, *, drug: str | None = None, target: str | None = None) -> list[Any]:
    """Mechanism claims by drug or target, with the stating source and quote."""
    return run_template(store, "mechanisms", {"drug": drug, "target": target})


def drugs_for_target(store: KBStore, *, target: str) -> list[Any]:
    """Drugs said to act on ``target``, and their outcome results."""
    return run_template(store, "drugs_for_target", {"target": target})


def trial_reports(store: KBStore, *, trial: str) -> list[Any]:
    """A trial's reports with their analyses and data cut-offs."""
    return run_template(store, "trial_reports", {"trial": trial})


def provenance(store: KBStore, *, source: str | None = None, finding: str | None = None) -> list[Any]:
    """Provenance of a source, or of one finding."""
    return run_template(store, "provenance", {"source": source, "finding": finding})


def stats(store: KBStore) -> list[Any]:
    """Counts of what the KB holds."""
    return run_template(store, "stats")
