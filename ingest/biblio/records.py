"""What a bibliographic reader yields: one publication per record, or why a record failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from kb.errors import cap
from kb.models import Publication

__all__ = ["ParsedRecord", "problems_of", "guarded"]


@dataclass(frozen=True)
class ParsedRecord:
    """One record of an input: its publication, or the problems that kept it out.

    ``location`` says where the record is, for messages: ``"record 3 (PMID 12345)"``,
    ``"line 120"``. ``problems`` are ``(field path, message)`` pairs, e.g.
    ``("journal.issn_print", "'12345' is not an ISSN")``.
    """

    location: str
    publication: Publication | None
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the record gave a publication."""
        return self.publication is not None


def problems_of(error: ValidationError) -> tuple[tuple[str, str], ...]:
    """A pydantic error as ``(field path, message)`` pairs, e.g. ``("authors.2.orcid", "...")``."""
    return tuple((".".join(str(part) for part in item["loc"]), item["msg"]) for item in error.errors())


def guarded(location: str, build: Callable[[], ParsedRecord]) -> ParsedRecord:
    """``build()``, or, when reading the record raises what the reader did not foresee (a value
    of a type no check expected), a failed record saying so: that record fails, the next is read.

    The exception's type and (capped) message are the problem, so nothing is hidden.
    """
    try:
        return build()
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as error:
        return ParsedRecord(location, None, (("", f"could not be read: {type(error).__name__}: {cap(str(error))}"),))
