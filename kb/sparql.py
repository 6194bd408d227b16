"""Binding query variables to RDF terms without pasting user text into queries.

Values are bound through an inline ``VALUES`` block placed at the top of the query's
WHERE group. Each value is an RDF term serialized by Oxigraph in N-Triples syntax
(IRIs are validated on construction, literals are escaped), so a value can never
close a string, open a group or add a pattern. The same text works on the embedded
store and on any SPARQL 1.1 server.

Oxigraph's own ``substitutions`` would avoid the text step, but it only substitutes
variables in the SELECT projection, which rules out filter thresholds such as
``?min_grade`` (see ``docs/decisions/0003-binding-parameters.md``).

>>> import pyoxigraph as ox
>>> print(bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": ox.Literal('x" } UNION { ?a ?b ?c')}))
SELECT ?s WHERE { VALUES (?o) { ("x\\" } UNION { ?a ?b ?c") }
 ?s ?p ?o }
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import pyoxigraph as ox

from kb.errors import QueryError

__all__ = [
    "bind_values", "where_brace_offset", "service_targets", "check_federation", "check_nesting", "check_read_only",
    "check_query", "MAX_NESTING", "MAX_BRACKET_NESTING",
    "QueryTimeout", "StoppingWriter", "run_with_timeout", "until_stopped",
]

T = TypeVar("T")

_VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_IRI_RE = re.compile(r"<[^<>\"{}|^`\\\s]*>")
#: Where a scan for the WHERE group, or for FROM, must look: comments, IRIs, strings, braces and the
#: keyword's first letter (inside a group, FROM cannot stand: braces and what may hide them only);
#: the characters between are skipped in one regex step instead of one at a time.
_WHERE_SCAN_RE = re.compile(r"[#<\"'{wW]")
_FROM_SCAN_RE = re.compile(r"[#<\"'{}fF]")
_GROUP_SCAN_RE = re.compile(r"[#<\"'{}]")


def _skip(text: str, index: int) -> int:
    """If a comment, string or IRI starts at ``index``, return the index just past it."""
    char = text[index]
    if char == "#":
        end = text.find("\n", index)
        return len(text) if end < 0 else end + 1
    if char == "<":
        match = _IRI_RE.match(text, index)
        return match.end() if match else index + 1  # a lone '<' is the less-than operator
    if char in "\"'":
        quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
        position = index + len(quote)
        while position < len(text):
            if text[position] == "\\":
                position += 2
                continue
            if text.startswith(quote, position):
                return position + len(quote)
            position += 1
        raise QueryError("unterminated string in query")
    return index


def where_brace_offset(query: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE group.

    It is the first ``{`` after a top-level ``WHERE`` keyword, or, when the query
    has no ``WHERE`` keyword (``SELECT * { ... }``), the first ``{``.

    >>> where_brace_offset('CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }')
    29
    """
    index, first_brace, saw_where = 0, -1, False
    while index < len(query):
        found = _WHERE_SCAN_RE.search(query, index)
        if found is None:
            break
        index = found.start()
        skipped = _skip(query, index)
        if skipped != index:
            index = skipped
            continue
        char = query[index]
        if char == "{":
            if saw_where:
                return index
            if first_brace < 0:
                first_brace = index
        elif char in "wW" and query[index : index + 5].upper() == "WHERE" and not query[index - 1 : index].isalnum():
            if not query[index + 5 : index + 6].isalnum():
                saw_where = True
                index += 5
                continue
        index += 1
    if first_brace < 0:
        raise QueryError("query has no WHERE group")
    return first_brace


def bind_values(query: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]) -> str:
    """Return ``query`` with ``bindings`` joined in as a VALUES block at the top of WHERE.

    Any RDF term may be passed (a store's bindings are); only IRIs and literals are accepted.
    """
    if not bindings:
        return query
    names, terms = [], []
    for name, term in bindings.items():
        if not _VARIABLE_RE.match(name):
            raise QueryError(f"invalid variable name {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"variable ?{name} must be bound to an IRI or a literal, got {type(term).__name__}")
        names.append(f"?{name}")
        terms.append(str(term))
    brace = where_brace_offset(query) + 1
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}\n"
    return query[:brace] + block + query[brace:]


_SERVICE_RE = re.compile(r"SERVICE(?![A-Za-z0-9_])(\s+SILENT(?![A-Za-z0-9_]))?\s*", re.IGNORECASE)


def service_targets(query: str) -> list[str]:
    r"""The target of every ``SERVICE`` clause in ``query`` (an ``<IRI>``, a ``?variable``, or a prefixed
    name), skipping comments, strings and IRIs.

    >>> service_targets('SELECT * { # SERVICE <x> in a comment\n SERVICE <http://a.example/sparql> { ?s ?p ?o } }')
    ['<http://a.example/sparql>']
    >>> service_targets('SELECT * { ?s ?p "SERVICE <y>" . SERVICE SILENT ?endpoint { ?s ?p ?o } }')
    ['?endpoint']
    """
    targets, index = [], 0
    while index < len(query):
        skipped = _skip(query, index)
        if skipped != index:
            index = skipped
            continue
        match = _SERVICE_RE.match(query, index) if query[index] in "sS" and not query[index - 1 : index].isalnum() else None
        if match:
            end = match.end()
            target = query[end : _skip(query, end)] if query[end : end + 1] == "<" else re.match(r"[^\s{]*", query[end:])
            targets.append(target if isinstance(target, str) else target.group(0) if target else "")
            index = end
            continue
        index += 1
    return targets


def check_federation(query: str, *, allow_service: bool = False) -> None:
    """Refuse ``SERVICE`` clauses unless federation is allowed, and always those that cannot be followed.

    A ``SERVICE`` makes the store fetch from another host: off by default. With it allowed, only a
    constant ``http(s)`` IRI is followed; ``SERVICE ?var`` and other schemes (``file:``) are refused.
    A user's query gets this through :func:`check_query`, with the checks that must precede parsing.

    :raises QueryError: naming the clause.
    """
    for target in service_targets(query):
        if not allow_service:
            raise QueryError(f"SERVICE {target} would query another host: federation is off (allow it with --allow-service)")
        if not (target.startswith("<http://") or target.startswith("<https://")):
            raise QueryError(f"SERVICE {target}: only a constant http(s) endpoint IRI can be followed")


class QueryTimeout(QueryError):
    """A query ran past its time limit and was stopped."""


class _Stopped(Exception):
    """Raised inside the worker when the caller gave up waiting (never seen by callers)."""


class StoppingWriter:
    """A binary stream for a serializer running under :func:`run_with_timeout`: each write fails
    once ``stop`` is set, which ends the serialization (and the evaluation feeding it)."""

    def __init__(self, stream: Any, stop: threading.Event) -> None:
        self.stream = stream
        self.stop = stop

    def write(self, data: bytes) -> int:
        """Write ``data``, unless the caller has stopped waiting."""
        if self.stop.is_set():
            raise _Stopped
        return int(self.stream.write(data))

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.stream.flush()


def until_stopped(items: Iterable[T], stop: threading.Event) -> Iterator[T]:
    """``items`` (lazily evaluated solutions or triples), stopping as soon as ``stop`` is set:
    the evaluation goes no further than the solution it was computing."""
    for item in items:
        if stop.is_set():
            raise _Stopped
        yield item


def run_with_timeout(work: Callable[[threading.Event], T], timeout: float | None) -> T:
    """Run ``work(stop)``, giving up after ``timeout`` seconds (None: no limit).

    pyoxigraph has no query timeout and a running evaluation cannot be interrupted from Python,
    so ``work`` runs in a daemon thread (Oxigraph releases the GIL while it evaluates) and is told
    to stop through ``stop``: :func:`until_stopped` between solutions, so a streamed result stops
    at the next solution. What Oxigraph computes before the first solution (an ORDER BY, a
    GROUP BY or COUNT over everything) cannot be cut short: in a long-lived process that part goes
    on in the background until it ends; ``kb sparql`` exits, which ends it.

    :raises QueryTimeout: when ``work`` has not finished after ``timeout`` seconds.
    """
    stop = threading.Event()
    if timeout is None:
        return work(stop)
    if timeout <= 0:
        raise QueryError(f"the query time limit must be positive, got {timeout:g} s")
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(stop)
        except BaseException as error:  # handed to the caller's thread, which raises it
            if not stop.is_set():  # else the caller has reported the timeout already
                outcome["error"] = error

    worker = threading.Thread(target=target, name="kb-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stop.set()
        raise QueryTimeout(f"the query did not finish within {timeout:g} s and was stopped (a longer --timeout, or a narrower query)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


#: The deepest nesting of ``(``, ``[`` and ``{`` a user query may have. Oxigraph's recursive-descent
#: parser overflows its stack (SIGSEGV, the process dies) somewhere past 2,000 levels, sooner in
#: threads with small stacks; real queries stay under 30.
MAX_NESTING = 500
#: The deepest nesting of ``[`` (blank-node property lists): Oxigraph's parse time grows
#: exponentially with it (64 levels take 0.2 s, 100 take 10 s, 200 over a minute); real queries
#: nest them a few levels.
MAX_BRACKET_NESTING = 32

_OPENERS, _CLOSERS = "([{", ")]}"
#: The characters :func:`check_nesting` stops at: brackets, and what may start a comment, string or IRI.
_NESTING_STOP_RE = re.compile(r"[()\[\]{}#<\"']")


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check_nesting(query: str, limit: int = MAX_NESTING) -> None:
    """Refuse a query whose brackets nest deeper than ``limit`` (``[`` deeper than
    :data:`MAX_BRACKET_NESTING`), before any parser sees it.

    Brackets inside comments, strings and IRIs do not count; unbalanced brackets are left to the
    parser to report.

    >>> check_nesting("SELECT * { ?s ?p ?o FILTER((1)) }", limit=3)
    >>> check_nesting("SELECT * { FILTER(((1))) }", limit=3)
    Traceback (most recent call last):
    ...
    kb.errors.QueryError: the query nests brackets more than 3 deep (at line 1, column 20): too deep to parse safely; flatten it

    :raises QueryError: naming where the limit is passed.
    """
    depth, brackets, index = 0, 0, 0
    bracket_limit = min(limit, MAX_BRACKET_NESTING)
    while True:
        found = _NESTING_STOP_RE.search(query, index)
        if found is None:
            return
        index = found.start()
        skipped = _skip(query, index)
        if skipped != index:
            index = skipped
            continue
        char = query[index]
        if char in _OPENERS:
            depth += 1
            brackets += char == "["
            if depth > limit or brackets > bracket_limit:
                line, column = _line_column(query, index)
                what, bound = ("brackets", limit) if depth > limit else ("blank nodes [ ... ]", bracket_limit)
                raise QueryError(
                    f"the query nests {what} more than {bound} deep (at line {line}, column {column}): too deep to parse safely; flatten it"
                )
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
            brackets = max(brackets - (char == "]"), 0)
        index += 1


_QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UPDATE_OPERATIONS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
#: A prologue declaration (BASE <iri> / PREFIX name: <iri>), and the keyword that follows the prologue.
_DECLARATION_RE = re.compile(r"(?i:BASE)\s*<[^<>\s]*>|(?i:PREFIX)\s*[^\s:]*:\s*<[^<>\s]*>")
_KEYWORD_RE = re.compile(r"[A-Za-z]+")
_SPACE_RE = re.compile(r"\s+")


def check_read_only(query: str) -> None:
    """Refuse a SPARQL update, and a query that does not start with a query form, by name.

    Oxigraph reports both as ``expected CONSTRUCT`` at a position past the word; this names the
    word and where it is.

    >>> check_read_only("PREFIX ex: <http://example.org/> # a comment\\nASK { ?s ?p ?o }")
    >>> check_read_only("PREFIX ex: <http://example.org/>\\nINSERT DATA { ex:a ex:b ex:c }")
    Traceback (most recent call last):
    ...
    kb.errors.QueryError: updates are refused: SPARQL here is read-only (SELECT, CONSTRUCT, DESCRIBE or ASK), and INSERT at line 2, column 1 starts an update; load data with kb ingest

    :raises QueryError: for an update, an empty query, or another first word.
    """
    index = 0
    while index < len(query):
        space = _SPACE_RE.match(query, index)
        if space:
            index = space.end()
            continue
        if query[index] == "#":
            index = _skip(query, index)
            continue
        declaration = _DECLARATION_RE.match(query, index)
        if declaration is None:
            break
        index = declaration.end()
    if index >= len(query):
        raise QueryError("SPARQL syntax error: the query is empty (it needs SELECT, CONSTRUCT, DESCRIBE or ASK)")
    keyword = _KEYWORD_RE.match(query, index)
    word = keyword.group(0).upper() if keyword else ""
    if word in _QUERY_FORMS or word in ("BASE", "PREFIX"):  # a malformed declaration: the parser says what is wrong
        return
    line, column = _line_column(query, index)
    if word in _UPDATE_OPERATIONS:
        raise QueryError(
            f"updates are refused: SPARQL here is read-only (SELECT, CONSTRUCT, DESCRIBE or ASK), and {word} "
            f"at line {line}, column {column} starts an update; load data with kb ingest"
        )
    found = keyword.group(0) if keyword else query[index : index + 10].split()[0]
    raise QueryError(f"SPARQL syntax error at line {line}, column {column}: a query starts with SELECT, CONSTRUCT, DESCRIBE or ASK, not {found!r}")


def check_query(query: str, *, allow_service: bool = False) -> None:
    """The checks a user's SPARQL query passes before it reaches a store: nesting
    (:func:`check_nesting`), read-only (:func:`check_read_only`) and federation (``SERVICE``).

    Every user query reaches the store through this check (``KnowledgeBase.raw_sparql``); the
    nesting bound comes first because a parser stack overflow kills the process instead of raising.

    :raises QueryError: naming what is refused.
    """
    check_nesting(query)
    check_read_only(query)
    check_federation(query, allow_service=allow_service)


_FROM_RE = re.compile(r"FROM(?![A-Za-z0-9_:\-])", re.IGNORECASE)


def declares_dataset(query: str) -> bool:
    """Whether ``query`` has a ``FROM`` or ``FROM NAMED`` clause (outside comments, strings and IRIs).

    >>> declares_dataset("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> declares_dataset('SELECT * WHERE { ?s ?p "FROM" } # FROM')
    False
    """
    # A dataset clause stands outside every group (a sub-select has none), so inside braces only
    # the braces themselves and what may hide them (comments, strings, IRIs) are looked for:
    # templates are ~10 kB and this runs on every query. (Stopping at the WHERE group would miss
    # CONSTRUCT { ... } FROM <g> { ... }, whose first brace is the template's.)
    index, depth = 0, 0
    while True:
        found = (_FROM_SCAN_RE if depth == 0 else _GROUP_SCAN_RE).search(query, index)
        if found is None:
            return False
        index = found.start()
        skipped = _skip(query, index)
        if skipped != index:
            index = skipped
            continue
        char = query[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif not (query[index - 1 : index].isalnum() or query[index - 1 : index] in (":", "_", "?", "$")) and _FROM_RE.match(query, index):
            return True
        index += 1
