"""The plug-in point through which importers hand records to the kb.

``kb`` never imports ``ingest``: importers register under the entry-point group
``trial_evidence_kb.readers`` (see ``pyproject.toml``), and the CLI finds them here
by name. A reader turns one file into records and raises a
:class:`~kb.errors.RecordError` subclass naming the file, record and field when it
cannot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kb.errors import KBError, cap
from kb.models import FindingsDocument
from kb.vocab.concepts import Concept

__all__ = [
    "ConceptResolver", "Reader", "Fetcher", "SkippedRecord", "ReadNote", "ENTRY_POINT_GROUP", "FETCHER_GROUP",
    "get_reader", "available_readers", "get_fetcher", "available_fetchers",
    "VocabularyFile", "VocabularyReader", "VOCABULARY_READER_GROUP", "get_vocabulary_reader", "plain_message",
]

ENTRY_POINT_GROUP = "trial_evidence_kb.readers"
FETCHER_GROUP = "trial_evidence_kb.fetchers"
VOCABULARY_READER_GROUP = "trial_evidence_kb.vocabulary_readers"


#: Validation-library wording that tells a curator nothing, and what a message says instead.
_LIBRARY_WORDING = (
    (re.compile(r"\b(?:Value|Assertion) error, "), ""),
    (re.compile(r"\bAssertion failed, "), ""),
    (re.compile(r"\bExtra inputs are not permitted\b"), "unknown field"),
)


def plain_message(text: str) -> str:
    """``text`` without pydantic's wording (``Value error, ``; ``Extra inputs are not permitted``).

    >>> plain_message("doi: Value error, malformed DOI 'x'")
    "doi: malformed DOI 'x'"
    """
    for pattern, replacement in _LIBRARY_WORDING:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class SkippedRecord:
    """A record a reader could not turn into a document, and why; the batch goes on without it.

    ``location`` names the file and record (``"refs.ris: record 3 (line 41)"``); ``problems``
    are ``(field path, message)`` pairs.
    """

    location: str
    problems: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        # Each problem may echo an input value of any length: capped, as every message is.
        detail = "; ".join(f"{cap(where)}: {cap(plain_message(what))}" if where else cap(plain_message(what)) for where, what in self.problems)
        return f"{cap(self.location)}: {detail}"


@dataclass(frozen=True)
class ReadNote:
    """Something a reader left out of a record it did load, e.g. a registry value "NA"."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{cap(self.location)}: {cap(plain_message(self.message))}"


class ConceptResolver(Protocol):
    """What a reader may use to choose among names: :meth:`kb.vocab.Vocabulary.resolve`."""

    def resolve(self, text: str, *, category: str | None = None, strict: bool = False) -> Any: ...


@runtime_checkable
class Reader(Protocol):
    """Reads one kind of file into validated records."""

    name: str
    summary: str

    def read(self, path: Path, *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """Yield the records of ``path``, a :class:`SkippedRecord` for each one that fails.

        ``vocabulary`` is the KB's (bundled plus user vocabularies), for readers that choose
        among a record's names (a registry drug's synonyms); others ignore it.

        A :class:`ReadNote` may say what was left out of a record that was yielded.

        Raise a RecordError naming the file (and line) when the file as a whole cannot be read.
        Anything else a reader raises (a bug, a ``RecursionError`` on hostile nesting) still
        fails only that file: the runner reports the file, the record it was reading and the
        exception (:func:`kb.ingestion.runner.read_guarded`). A source yielded twice in one
        file is loaded once, from its first record, and the repeat is reported as a note.
        """
        ...


@runtime_checkable
class Fetcher(Protocol):
    """Fetches records by identifier from a web service (Crossref, PubMed, ClinicalTrials.gov)."""

    name: str
    summary: str

    def fetch(self, identifiers: list[str], *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """Yield a document per record found; a SkippedRecord per invalid or missing identifier.

        Identifiers are validated before any request. Raise a FetchError when the service
        cannot be reached at all.
        """
        ...


@dataclass
class VocabularyFile:
    """What a vocabulary file reader found: concepts, and records it skipped (with file and line)."""

    concepts: list[Concept]
    skipped: list[str] = field(default_factory=list)
    mappings_ignored: int = 0  # SSSOM rows whose predicate is not an equivalence
    exact_links: bool = False  # True when the cross-references are stated equivalences (SSSOM), not loose xrefs


class VocabularyReader(Protocol):
    """Reads a user vocabulary file (OBO, OWL/Turtle/RDF-XML, SSSOM, TSV) into concepts."""

    def __call__(self, path: str | Path, *, fmt: str | None = None, category: str | None = None) -> VocabularyFile:
        """Read ``path``; :class:`~kb.errors.VocabularyError` naming the file and line when it cannot."""
        ...


def _load_group(group: str) -> dict[str, object]:
    return {entry_point.name: entry_point.load()() for entry_point in entry_points(group=group)}


@cache
def available_readers() -> dict[str, Reader]:
    """Every installed reader, by name."""
    return _load_group(ENTRY_POINT_GROUP)  # type: ignore[return-value]


@cache
def available_fetchers() -> dict[str, Fetcher]:
    """Every installed fetcher, by name."""
    return _load_group(FETCHER_GROUP)  # type: ignore[return-value]


def _pick(kind: str, name: str, installed: dict) -> object:
    if name not in installed:
        known = ", ".join(sorted(installed)) or "none (is trial-evidence-kb installed? run 'pip install -e .')"
        raise KBError(f"no {kind} named {name!r}; installed {kind}s: {known}")
    return installed[name]


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a clear error when it is not installed."""
    return _pick("reader", name, available_readers())  # type: ignore[return-value]


def get_fetcher(name: str) -> Fetcher:
    """The fetcher called ``name``; a clear error when it is not installed."""
    return _pick("fetcher", name, available_fetchers())  # type: ignore[return-value]


@cache
def get_vocabulary_reader() -> VocabularyReader:
    """The installed vocabulary file reader (``ingest.vocabulary_files``); a clear error when none is."""
    found = [entry_point.load() for entry_point in entry_points(group=VOCABULARY_READER_GROUP)]
    if not found:
        raise KBError("no vocabulary file reader installed (is trial-evidence-kb installed? run 'pip install -e .')")
    return found[0]  # type: ignore[no-any-return]
