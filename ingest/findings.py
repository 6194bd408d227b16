"""Findings files (YAML or JSON) to validated :class:`kb.models.FindingsDocument` records.

A findings file is one source record: it is read and validated whole, and any problem
is reported with the file, the record path and the field, e.g.
``mm009.yaml: outcome_results[2].comparisons[0].p_value: Input should be less than or equal to 1``.
"""

from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kb.errors import FindingsFileError
from kb.models import FindingsDocument
from kb.readers import ConceptResolver, plain_message

__all__ = ["FindingsReader", "read_findings_file", "format_location", "unknown_field_message"]

_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


#: The most values a findings file may expand to once its aliases are followed. Curated files
#: share a provenance block or two (a few thousand values in all); nested aliases expand
#: exponentially (a 3 KB file became 34 MB at depth 7 and hung the reader past it).
MAX_EXPANDED_VALUES = 100_000


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for with every alias followed (shared nodes counted once each time)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


class _Strict:
    """What makes a safe YAML loader strict: it rejects a key given twice in one mapping (PyYAML keeps the last),
    and a document whose aliases expand past :data:`MAX_EXPANDED_VALUES` values.

    Dates and times stay text: the models parse them and name the field of a bad one
    (PyYAML would fail on ``2007-13-45`` with no field, or turn it into a date object).
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            size = _expanded_size(node, {})
            if size > MAX_EXPANDED_VALUES:
                raise yaml.composer.ComposerError(
                    None, None, f"its aliases expand to {size:,} values (at most {MAX_EXPANDED_VALUES:,})", node.start_mark
                )
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc,no-any-return]


class _StrictLoader(_Strict, yaml.SafeLoader):
    """The strict loader in Python: its errors are the ones reported (line, column, problem)."""


class _FastStrictLoader(_Strict, yaml.CSafeLoader):
    """The strict loader on libyaml (about 10x faster): used first; any error is reported as the
    Python loader reports it (it parses the file again), so messages do not depend on libyaml."""


#: More flow brackets than this and a YAML file is read by the Python loader alone: libyaml's
#: composer recurses in C (no RecursionError, the C stack is the limit), the Python one fails cleanly.
_FAST_MAX_BRACKETS = 2_000


def _load_yaml(text: str) -> Any:
    """``text`` as YAML, strictly: libyaml when it is safe to, the Python loader for errors and deep nesting."""
    if yaml.__with_libyaml__ and text.count("[") + text.count("{") <= _FAST_MAX_BRACKETS:
        try:
            return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 - a CSafeLoader subclass
        except (yaml.YAMLError, RecursionError):
            pass  # parsed again below, for the Python loader's message
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def _reject_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key(s) {', '.join(map(repr, duplicates))}")
    return dict(pairs)


def format_location(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as a record path.

    >>> format_location(("outcome_results", 2, "comparisons", 0, "p_value"))
    'outcome_results[2].comparisons[0].p_value'
    """
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The record models an annotation holds: itself, or inside tuples, lists, unions and ``Annotated``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found.extend(_models_in(argument))
    return found


def _fields_at(model: type[BaseModel], location: tuple[int | str, ...]) -> set[str]:
    """The field names of the record(s) at ``location`` inside ``model`` (list indexes skipped)."""
    models = [model]
    for part in location:
        if isinstance(part, int):
            continue
        models = [inner for current in models if part in current.model_fields
                  for inner in _models_in(current.model_fields[part].annotation)]
    return {name for current in models for name in current.model_fields}


def unknown_field_message(model: type[BaseModel], location: tuple[int | str, ...]) -> str:
    """What to say about an unknown field at ``location``: that it is unknown, and the known field it resembles.

    >>> unknown_field_message(FindingsDocument, ("analyses", 0, "cutoff"))
    "unknown field 'cutoff'; did you mean 'cutoff_date'?"
    """
    name = str(location[-1]) if location else ""
    close = difflib.get_close_matches(name, sorted(_fields_at(model, location[:-1])), n=1, cutoff=0.6)
    return f"unknown field {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")


def _parse(path: Path) -> Any:
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise FindingsFileError(str(path), [("", f"unknown file type {path.suffix!r}: use .yaml, .yml or .json")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise FindingsFileError(str(path), [("", f"cannot read file: {error}")]) from error
    try:
        if kind == "yaml":
            return _load_yaml(text)
        return json.loads(text, object_pairs_hook=_reject_duplicate_json_keys)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FindingsFileError(str(path), [(where, f"invalid YAML: {error.problem}")]) from error
    except (yaml.YAMLError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise FindingsFileError(str(path), [("", f"invalid {kind.upper()}: {error}")]) from error
    except RecursionError:
        raise FindingsFileError(str(path), [("", f"invalid {kind.upper()}: nested too deeply")]) from None


def read_findings_file(path: str | Path) -> FindingsDocument:
    """Read and validate one findings file; raise :class:`FindingsFileError` naming what is wrong."""
    path = Path(path)
    data = _parse(path)
    if not isinstance(data, dict):
        raise FindingsFileError(str(path), [("", "a findings file must hold a mapping with 'source' at the top")])
    try:
        return FindingsDocument.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            if item["type"] == "extra_forbidden":
                message = unknown_field_message(FindingsDocument, item["loc"])
            else:
                message = plain_message(item["msg"])
            problems.append((format_location(item["loc"]), message))
        raise FindingsFileError(str(path), problems) from None


class FindingsReader:
    """The ``findings`` reader: curated YAML/JSON findings files."""

    name = "findings"
    summary = "curated findings files (YAML or JSON) validated by kb.models.FindingsDocument"

    def read(self, path: Path, *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument]:
        """Yield the file's one document."""
        yield read_findings_file(path)
