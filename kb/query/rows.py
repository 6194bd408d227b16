"""Running templates, and rows as named tuples with Python values.

A template runs over a :class:`~kb.KnowledgeBase` (its store and its merged vocabulary) or
over a bare store: then names resolve through the bundled vocabulary plus the user
vocabularies the store holds under the default IRI base, as ``kb query`` resolves them.
Either way a name the vocabularies miss is looked up among the concept nodes the store holds
(:mod:`kb.vocab.known`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Protocol, cast

import pyoxigraph as ox

from kb.errors import QueryError
from kb.query.binding import ConceptResolver, bind_parameters
from kb.query.templates import COLUMN_TYPES, Template, load_template

if TYPE_CHECKING:  # annotations only: a template's text and rows need no store module
    from kb.store import SelectResult, StoreBackend, Term

#: What a template runs over: a store, or anything with ``store`` and ``vocabulary``
#: attributes (a :class:`kb.KnowledgeBase`).
QueryTarget = Any

__all__ = ["Row", "run_template", "construct_template", "to_rows", "row_type"]


class Row(Protocol):
    """A template's row, as a type checker sees it: a named tuple whose fields are the template's
    columns (known only once its header is read), so any attribute is a column value."""

    @property
    def _fields(self) -> tuple[str, ...]: ...

    def _asdict(self) -> dict[str, Any]: ...

    def __getattr__(self, name: str) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


def _target(target: QueryTarget, vocabulary: ConceptResolver | None) -> tuple[StoreBackend, ConceptResolver]:
    """The store and the resolver a template runs with.

    Without an explicit ``vocabulary``, names resolve through the KB's vocabulary and then the
    concept nodes the store holds (:class:`kb.vocab.known.KnownNames`): a name ingested
    without a vocabulary match can be asked for by its text or its local IRI.
    """
    if hasattr(target, "store") and hasattr(target, "vocabulary"):
        return target.store, vocabulary or getattr(target, "names", None) or target.vocabulary
    if vocabulary is None:
        from kb.rdf import IriScheme  # the default base, as a bare store carries none
        from kb.vocab.known import KnownNames
        from kb.vocab.stored import load_vocabulary

        iris = IriScheme()
        vocabulary = KnownNames(load_vocabulary(target, iris), target, unresolved_iri=iris.unresolved_concept)
    return target, vocabulary


def run_template(
    target: QueryTarget,
    name: str | Template,
    params: Mapping[str, object] | None = None,
    *,
    vocabulary: ConceptResolver | None = None,
) -> list[Row]:
    """Run a template over a knowledge base or a store; one row (of :func:`row_type`) per solution, in order.

    :raises ParameterError: for an unknown, missing or ill-typed parameter.
    :raises UnknownTermError: for a concept name no vocabulary knows.
    :raises QueryError: for an unknown template, or a CONSTRUCT template.
    """
    template = name if isinstance(name, Template) else load_template(name)
    if template.form != "select":
        raise QueryError(f"{template.name} is a CONSTRUCT template: it returns a graph (kb export --query {template.name})")
    store, vocabulary = _target(target, vocabulary)
    bindings = bind_parameters(template, params or {}, vocabulary=vocabulary)
    return to_rows(template, store.select(template.text_for(_given(template, bindings)), bindings))


def construct_template(
    target: QueryTarget,
    name: str | Template,
    params: Mapping[str, object] | None = None,
    *,
    vocabulary: ConceptResolver | None = None,
) -> list[ox.Triple]:
    """Run a CONSTRUCT template; the triples of the graph it builds, without repeats."""
    template = name if isinstance(name, Template) else load_template(name)
    if template.form != "construct":
        raise QueryError(f"{template.name} is a SELECT template: it returns rows (kb query {template.name})")
    store, vocabulary = _target(target, vocabulary)
    bindings = bind_parameters(template, params or {}, vocabulary=vocabulary)
    return list(dict.fromkeys(store.construct(template.text_for(_given(template, bindings)), bindings)))


def _given(template: Template, bindings: Mapping[str, object]) -> set[str]:
    """The names of the parameters that bind a value (given, or defaulted)."""
    return {name for name, parameter in template.parameters.items() if parameter.variable in bindings}


def to_rows(template: Template, result: SelectResult) -> list[Row]:
    """The typed rows of ``result``, the solutions of ``template``'s query however it was run.

    >>> from kb.store import OxigraphStore
    >>> template = load_template("stats")
    >>> to_rows(template, OxigraphStore.memory().select(template.text))[0].trials
    0
    """
    if result.variables != tuple(template.columns):
        raise QueryError(f"{template.name}: the query selects {list(result.variables)}, the header declares {list(template.columns)}")
    # row_type builds a NamedTuple class with these columns as fields: it takes one value per
    # column and each instance is a Row (typed as a plain tuple class, its constructor is not).
    row = cast(Callable[..., Row], row_type(template))
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
    row.__module__ = "kb.query"
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
