"""Shared building blocks of the record models: the frozen base class and small types."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Record", "Key", "PartialDate", "ConceptName", "Count", "MAX_COUNT", "normalize_partial_date"]


class Record(BaseModel):
    """Base of every record: immutable, strict about unknown fields, described for JSON Schema."""

    # Infinity and NaN are never a figure a report prints; they would pass the range checks below.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")


def _check_key(value: object) -> object:
    if isinstance(value, str) and not _KEY_RE.match(value.strip()):
        raise ValueError(
            f"{value!r} is not a valid key: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value.strip() if isinstance(value, str) else value


Key = Annotated[
    str,
    BeforeValidator(_check_key),
    Field(description="A local key, unique within its file (letters, digits, '.', '_', '-'); used to refer to the record and in its IRI."),
]

_PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def normalize_partial_date(value: object) -> str:
    """Return a date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; partial dates stay partial.

    >>> normalize_partial_date("2007-11")
    '2007-11'
    >>> normalize_partial_date(2009)
    '2009'
    """
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"date must be a string, got {value!r}")
    match = _PARTIAL_DATE_RE.match(value.strip())
    if not match:
        raise ValueError(f"malformed date {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"malformed date {value!r}: month out of range")
    if day:
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"malformed date {value!r}: day out of range for the month") from None
    return value.strip()


PartialDate = Annotated[
    str,
    BeforeValidator(normalize_partial_date),
    Field(description="A date that may be partial: YYYY, YYYY-MM or YYYY-MM-DD.", examples=["2007-11-22", "2005-06"]),
]

ConceptName = Annotated[
    str,
    Field(
        min_length=1,
        description="A concept given by a CURIE (e.g. CHEBI:63791) or by any name or synonym the vocabulary knows "
        "(e.g. 'lenalidomide', 'Revlimid'). Names that do not resolve are kept with a local IRI and reported.",
    ),
]


#: The largest count or size a record accepts: more patients than any trial or registry holds
#: (the largest trials enrol a few hundred thousand), so a larger value is a typo or hostile input.
MAX_COUNT = 10_000_000


def _plausible_count(value: int) -> int:
    if value > MAX_COUNT:
        shown = f"{value:,}" if value < 10**15 else f"a {len(str(value))}-digit number"
        raise ValueError(f"{shown} is not a plausible count (at most {MAX_COUNT:,})")
    return value


Count = Annotated[
    int,
    Field(ge=0, json_schema_extra={"maximum": MAX_COUNT}),
    AfterValidator(_plausible_count),
]
