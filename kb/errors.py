"""One error root for the project, with specific leaves.

Every error the `kb` command can report derives from :class:`KBError`; the CLI alone
turns them into a one-line message and an exit code. Messages name the file, the
record path and the field wherever those are known.
"""

from __future__ import annotations

__all__ = [
    "cap",
    "MESSAGE_CAP",
    "KBError",
    "IdentifierError",
    "RecordError",
    "InputFileError",
    "FindingsFileError",
    "FetchError",
    "VocabularyError",
    "UnknownTermError",
    "QueryError",
    "ParameterError",
    "StoreError",
    "SourceNotFoundError",
    "ExportError",
    "ValidationFailed",
]


#: The most characters of one problem that a message echoes (an input value can be megabytes).
MESSAGE_CAP = 300


def cap(text: str, limit: int = MESSAGE_CAP) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis and the full length, when longer.

    >>> cap("x" * 400, 10)
    'xxxxxxxxxx… (400 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class KBError(Exception):
    """Root of every error trial-evidence-kb raises on purpose."""


class IdentifierError(KBError, ValueError):
    """A DOI, PMID, NCT id, ORCID or CURIE is malformed.

    Subclasses :class:`ValueError` so pydantic turns it into a field error.
    """


class RecordError(KBError):
    """A record failed validation; ``problems`` lists (path, message) pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class InputFileError(RecordError):
    """An input file (findings, PubMed XML, RIS, ...) could not be read or did not validate.

    The message names the file, and each problem names the record (path, line or
    identifier) and field, e.g. ``outcome_results[2].comparisons[0].p_value`` or
    ``record 3 (PMID 12345).journal.issn``.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        problems = [(where, cap(what)) for where, what in problems]
        detail = "; ".join(f"{where}: {what}" if where else what for where, what in problems)
        super().__init__(f"{path}: {detail}", problems)
        self.path = path


class FindingsFileError(InputFileError):
    """A findings file could not be read or did not validate."""


class FetchError(KBError):
    """A web service (Crossref, NCBI E-utilities, ClinicalTrials.gov) could not be reached or refused."""


class VocabularyError(KBError):
    """A vocabulary file is malformed or a vocabulary lookup failed."""


class UnknownTermError(VocabularyError):
    """A name or CURIE given as a query parameter is not in the vocabulary."""


class QueryError(KBError):
    """A query template is missing, malformed, or failed to run."""


class ParameterError(QueryError):
    """A query parameter is unknown, missing, or of the wrong type."""


class StoreError(KBError):
    """The store could not be opened, read or written."""


class SourceNotFoundError(StoreError):
    """No source with the given id is in the store."""


class ExportError(KBError):
    """An export was asked for in a format that does not exist, or with options it does not take."""


class ValidationFailed(KBError):
    """SHACL validation found violations; ``report`` holds the text report."""

    def __init__(self, message: str, report: str = "") -> None:
        super().__init__(message)
        self.report = report
