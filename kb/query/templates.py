"""Loading query templates and checking their ``#+`` YAML headers.

>>> template = load_template("trial_reports")
>>> template.parameters["trial"].required, template.parameters["trial"].variable
(True, 'trial_key')
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kb.errors import QueryError
from kb.paths import queries_dir

# yaml and kb.vocab (CATEGORIES; it imports the CURIE converter) are imported when a header is
# first read: each file is read once per version (_load is cached), and only when asked for.

__all__ = ["PARAMETER_TYPES", "COLUMN_TYPES", "Parameter", "Template", "load_template", "iter_templates"]

#: The parameter types a template header may declare.
PARAMETER_TYPES: tuple[str, ...] = ("concept", "string", "integer", "decimal", "date", "doi", "pmid", "nct", "trial", "iri")
#: Column types and the Python type of their values (dates and times are ISO strings).
COLUMN_TYPES: dict[str, type] = {"string": str, "integer": int, "decimal": float, "boolean": bool, "date": str, "datetime": str, "iri": str}

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VARIABLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HEADER_KEYS = {"summary", "description", "parameters", "one_of", "selector", "columns"}
_PARAMETER_KEYS = {"type", "category", "variable", "description", "default", "required"}


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
    #: Parameters that may select the rows, most selective first. The query's UNION of branches
    #: marked ``# when: NAME`` (and one ``# when: none``) keeps only the branch of the first one
    #: given (:meth:`text_for`), so the query starts from an index lookup on it.
    selector: tuple[str, ...] = field(default=())
    #: The query text with only one selector branch, by branch name (built once, when loaded).
    branch_texts: dict[str, str] = field(default_factory=dict)

    def text_for(self, given: set[str]) -> str:
        """The query text to run when the parameters ``given`` are given (by parameter name).

        Oxigraph evaluates every branch of a UNION, bound variables or not, so a branch for a
        parameter that was not given would scan the store: only the selected branch is kept.
        """
        if not self.selector:
            return self.text
        chosen = next((name for name in self.selector if name in given), "none")
        return self.branch_texts[chosen]

    @property
    def form(self) -> str:
        """The query form: ``"select"``, or ``"construct"`` for templates that return a graph."""
        return query_form(self.text)


_WHEN = re.compile(r"^\s*# when: ([a-z_]+)\s*$", re.MULTILINE)
_UNION = re.compile(r"\}\s*UNION\s*\{")


def _top_level_branches(union: str) -> list[str]:
    """The bodies of ``A } UNION { B } UNION { C``, split only where the braces are at the top level."""
    branches, depth, begin, index = [], 0, 0, 0
    while index < len(union):
        char = union[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                separator = _UNION.match(union, index)
                if separator is None:
                    raise QueryError("a selector UNION must be '{ ... } UNION { ... }'")
                branches.append(union[begin:index])
                begin = index = separator.end()
                continue
            depth -= 1
        index += 1
    branches.append(union[begin:])
    return branches


def keep_branch(text: str, chosen: str) -> str:
    r"""``text`` with its selector UNION reduced to the branch marked ``# when: chosen``.

    >>> print(keep_branch("W {\n  {\n    # when: none\n    A\n  } UNION {\n    # when: drug\n    B\n  }\n  C }", "drug"))
    W {
      {
        # when: drug
        B
      }
      C }
    """
    marks = list(_WHEN.finditer(text))
    if not marks:
        raise QueryError("a template with a 'selector' needs UNION branches marked '# when: NAME'")
    start = text.rindex("{", 0, marks[0].start())
    depth, end = 0, start
    while True:  # the end of the UNION: the brace that closes the last marked branch
        char = text[end]
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and end > marks[-1].start():
            break
        end += 1
    branches = _top_level_branches(text[start + 1 : end])
    picked = [branch for branch in branches if (m := _WHEN.search(branch)) and m.group(1) == chosen]
    if len(picked) != 1:
        raise QueryError(f"a template's selector UNION has no single branch '# when: {chosen}'")
    return text[:start] + "{" + picked[0] + "}" + text[end + 1 :]


_FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.IGNORECASE | re.MULTILINE)


def query_form(text: str) -> str:
    r"""``"select"`` or ``"construct"``: the form of the first query keyword outside comments.

    >>> query_form("# SELECT in a comment\nPREFIX x: <y>\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'construct'
    """
    code = "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("PREFIX") else line for line in text.splitlines())
    match = _FORM.search(code)
    if match is None or match.group(1).upper() not in ("SELECT", "CONSTRUCT"):
        raise QueryError("a template must be a SELECT or CONSTRUCT query")
    return match.group(1).lower()


def load_template(name: str) -> Template:
    """The template ``queries/{name}.rq``; :class:`QueryError` if unknown or malformed."""
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
    form = query_form(text)
    if form == "select" and not columns:
        raise QueryError(f"{where} header needs 'columns'")
    if form == "construct" and columns:
        raise QueryError(f"{where} a CONSTRUCT template returns a graph: it has no 'columns'")
    for column, kind in columns.items():
        if not _valid_variable(column) or kind not in COLUMN_TYPES:
            raise QueryError(f"{where} column {column!r}: type must be one of {', '.join(COLUMN_TYPES)}, got {kind!r}")
    variables = [parameter.variable for parameter in parameters.values()]
    if len(set(variables)) != len(variables):
        raise QueryError(f"{where} two parameters bind the same variable: {variables}")
    one_of = header.get("one_of") or []
    if not isinstance(one_of, list) or any(p not in parameters for p in one_of):
        raise QueryError(f"{where} 'one_of' must list declared parameters, got {one_of!r}")
    selector = header.get("selector") or []
    if not isinstance(selector, list) or any(p not in parameters for p in selector):
        raise QueryError(f"{where} 'selector' must list declared parameters, got {selector!r}")
    # Every branch must be there; the texts are kept, so a query never cuts the template again.
    branch_texts = {branch: keep_branch(text, branch) for branch in ([*selector, "none"] if selector else [])}
    description = header.get("description") or ""
    if not isinstance(description, str):
        raise QueryError(f"{where} 'description' must be text")
    return Template(path.stem, summary.strip(), parameters, dict(columns), text, path, description.strip(), tuple(one_of), tuple(selector), branch_texts)


def _parse_header(text: str, path: Path) -> dict[str, Any]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not lines:
        raise QueryError(f"{path.name}: no '#+' YAML header at the top of the file")
    import yaml

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
    from kb.vocab import CATEGORIES

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
    return bool(_VARIABLE_RE.match(name))
