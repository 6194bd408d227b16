"""What a search service gives the KB: the searcher protocol and its results, as data.

``kb`` never imports ``ingest``: the searchers (PubMed E-utilities, ClinicalTrials.gov API v2)
live in :mod:`ingest.search` and register under the entry-point group
``trial_evidence_kb.searches`` (``pyproject.toml``); :func:`get_searcher` finds them by service
name. A searcher answers three questions for a query:

- :meth:`Searcher.search`: every record the query matches (optionally within a date window,
  at most ``limit``), fetched and mapped to documents;
- :meth:`Searcher.members`: which records the query matches now (identifiers and, where the
  service gives it cheaply, their state), without fetching them: what disappeared is told by it;
- :meth:`Searcher.updated_since`: the records entered or updated since a date, fetched;
- :meth:`Searcher.fetch`: records by identifier (a record that joined the result without
  being updated).

A query is a small mapping of strings (:data:`Query`); each searcher says which keys it takes
and checks them (:meth:`Searcher.normalize`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from kb.errors import KBError

if TYPE_CHECKING:
    from kb.models import FindingsDocument
    from kb.readers import ConceptResolver, ReadNote, SkippedRecord

__all__ = [
    "SEARCH_GROUP", "Query", "Hit", "SearchOutcome", "Members", "Searcher", "available_searchers", "get_searcher",
    "SearchError", "parse_date",
]

#: The entry-point group of searchers, named by service (``pubmed``, ``ctgov``).
SEARCH_GROUP = "trial_evidence_kb.searches"

#: A query: parameter name -> value (PubMed: ``term``; ClinicalTrials.gov: ``condition``,
#: ``intervention``, ``term``, ``status``). Stored as given after :meth:`Searcher.normalize`.
Query = Mapping[str, str]


class SearchError(KBError):
    """A query a service cannot take (an unknown parameter, a malformed date or status)."""


@dataclass(frozen=True)
class Hit:
    """One record a search returned, with the state an update compares.

    ``record_id`` is the service's identifier (a PMID, an NCT number); ``source_id`` the KB source
    the record became (None when it was not fetched). ``status`` is a registry record's overall
    status (``COMPLETED``), ``has_results`` whether it has posted results, ``updated`` the date
    (ISO) its last update was posted; PubMed records carry none of the three.
    """

    record_id: str
    source_id: str | None = None
    status: str | None = None
    has_results: bool | None = None
    updated: str | None = None


@dataclass
class SearchOutcome:
    """What one search (or fetch) run gave: the records it matched and the documents fetched.

    ``ids`` are the identifiers the service listed as matching, in its order, each once;
    ``hits`` the state of each record fetched, by identifier; ``items`` the documents (and
    skipped records and notes) ready for :meth:`kb.ingestion.IngestRunner.load`; ``count`` what
    the service said the query matches (it may exceed ``ids`` when ``limit`` cut the run short).
    """

    count: int = 0
    ids: list[str] = field(default_factory=list)
    hits: dict[str, Hit] = field(default_factory=dict)
    items: list[FindingsDocument | SkippedRecord | ReadNote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0

    def extend(self, other: SearchOutcome) -> None:
        """Add ``other``'s records to this outcome; a record already held is not added again."""
        from kb.models import FindingsDocument

        held = {item.source.id for item in self.items if isinstance(item, FindingsDocument)}
        for record_id in other.ids:
            if record_id not in self.hits and record_id not in self.ids:
                self.ids.append(record_id)
        for record_id, hit in other.hits.items():
            self.hits.setdefault(record_id, hit)
        for item in other.items:
            if isinstance(item, FindingsDocument):
                if item.source.id in held:
                    continue
                held.add(item.source.id)
            self.items.append(item)
        self.notes.extend(other.notes)
        self.requests += other.requests


@dataclass
class Members:
    """Which records a query matches now: ``hits`` in the service's order (state where given).

    ``complete`` is False when the service would not list them all (PubMed's ESearch lists the
    first 10,000), so what is missing from ``hits`` has not necessarily left the result.
    """

    count: int = 0
    hits: list[Hit] = field(default_factory=list)
    complete: bool = True
    requests: int = 0

    @property
    def ids(self) -> list[str]:
        """The identifiers, in order."""
        return [hit.record_id for hit in self.hits]


@runtime_checkable
class Searcher(Protocol):
    """Runs queries against one service (see the module docstring)."""

    service: str
    summary: str

    def normalize(self, query: Query) -> dict[str, str]:
        """``query`` checked and in its stored form; :class:`SearchError` naming what is wrong."""
        ...

    def describe(self, query: Query) -> str:
        """One line saying what ``query`` asks, for listings."""
        ...

    def search(
        self,
        query: Query,
        *,
        since: date | None = None,
        until: date | None = None,
        datetype: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        vocabulary: ConceptResolver | None = None,
    ) -> SearchOutcome:
        """Every record ``query`` matches (within the date window, at most ``limit``), fetched."""
        ...

    def members(self, query: Query, *, page_size: int | None = None) -> Members:
        """The records ``query`` matches now, without fetching them."""
        ...

    def updated_since(
        self, query: Query, since: date, until: date, *, page_size: int | None = None, vocabulary: ConceptResolver | None = None
    ) -> SearchOutcome:
        """The records ``query`` matches that were entered or updated from ``since`` to ``until``, fetched."""
        ...

    def fetch(self, record_ids: Iterable[str], *, vocabulary: ConceptResolver | None = None) -> SearchOutcome:
        """Records by identifier; one the service does not know is a skipped record."""
        ...


@cache
def available_searchers() -> dict[str, Searcher]:
    """Every installed searcher, by service name."""
    return {entry_point.name: entry_point.load()() for entry_point in entry_points(group=SEARCH_GROUP)}


def get_searcher(service: str) -> Searcher:
    """The searcher of ``service`` (``pubmed``, ``ctgov``); a clear error when none is installed."""
    installed = available_searchers()
    if service not in installed:
        known = ", ".join(sorted(installed)) or "none (is trial-evidence-kb installed? run 'pip install -e .')"
        raise SearchError(f"no search service {service!r}; installed: {known}")
    return installed[service]


_DATE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$")


def parse_date(text: str, what: str) -> date:
    """A date written ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (or with ``/``); the first day of a year or month.

    >>> parse_date("2024/03", "--mindate")
    datetime.date(2024, 3, 1)
    """
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError("not YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.groups()
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise SearchError(f"{what}: {text!r} is not a date ({error})") from None
