"""Shared pieces of the ClinicalTrials.gov readers: the per-study report and value parsing.

Both readers (API v2 JSON and legacy XML) bring a study into the v2 JSON shape;
:mod:`ingest.ctgov.mapping` maps that shape to a findings document. The helpers here
parse the registry's strings: numbers that may be "NA", p-values such as "<0.001",
and enumerations spelt either way ("PHASE3", "Phase 3", "Active, not recruiting").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.models import PRelation

__all__ = ["StudyReport", "token", "parse_number", "parse_count", "parse_p_value", "is_number", "numbers_in", "registry_url", "source_id"]


@dataclass
class StudyReport:
    """What happened to one study: where it came from, what was skipped and why.

    ``skipped`` lists values left out, each naming the table, row and group, e.g.
    ``"outcome 'Overall Survival' group OG001: value 'NA' not numeric"``. ``notes`` says
    what the record lacks or what was assumed (``"no results section: design only"``).
    ``error`` is set when the study gave no document at all.

    ``values_skipped`` counts the registry numbers (outcome values and their spreads or
    limits, analysis estimates, CI bounds, dispersions and p-values, adverse-event counts)
    that the skipped messages left out, so that every number of a record is either in the
    document or counted here.
    """

    origin: str
    nct: str | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    values_skipped: int = 0

    @property
    def source_id(self) -> str | None:
        """The id of the source the study becomes, e.g. ``ctgov-NCT01029262``."""
        return source_id(self.nct) if self.nct else None

    def skip(self, message: str, values: int = 0) -> None:
        """Record something left out, and why; ``values`` is how many registry numbers it drops."""
        self.skipped.append(message)
        self.values_skipped += values

    def note(self, message: str) -> None:
        """Record something the record lacks or an assumption the mapping made."""
        self.notes.append(message)


def source_id(nct: str) -> str:
    """The source id of a ClinicalTrials.gov study.

    >>> source_id("NCT01029262")
    'ctgov-NCT01029262'
    """
    return f"ctgov-{nct}"


def registry_url(nct: str) -> str:
    """The public page of a ClinicalTrials.gov study.

    >>> registry_url("NCT01029262")
    'https://clinicaltrials.gov/study/NCT01029262'
    """
    return f"https://clinicaltrials.gov/study/{nct}"


def token(value: object) -> str:
    """An enumeration value in one spelling: upper case, words joined by '_'.

    The legacy XML writes 'Active, not recruiting' and 'Phase 3' where v2 writes
    'ACTIVE_NOT_RECRUITING' and 'PHASE3'.

    >>> token("Active, not recruiting"), token("Phase 3"), token("95% Confidence Interval")
    ('ACTIVE_NOT_RECRUITING', 'PHASE3', '95%_CONFIDENCE_INTERVAL')
    >>> token("Other Pre-specified")
    'OTHER_PRE_SPECIFIED'
    """
    text = re.sub(r"[^A-Z0-9%.]+", "_", str(value).upper()).strip("_")
    return re.sub(r"^PHASE_(\d)", r"PHASE\1", text)


_NUMBER_RE = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def parse_number(value: object) -> float | None:
    """A registry number as a float, or None when it is not one ('NA', '', 'not estimable').

    >>> parse_number("-2.11"), parse_number("NA"), parse_number("1,234.5")
    (-2.11, None, 1234.5)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "")
    return float(text) if _NUMBER_RE.match(text) else None


def parse_count(value: object) -> int | None:
    """A non-negative whole count, or None.

    >>> parse_count("79"), parse_count(12), parse_count("NA"), parse_count("2.5")
    (79, 12, None, None)
    """
    number = parse_number(value)
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


def is_number(value: object) -> bool:
    """Whether a registry field holds a number (a p-value may carry a relation: '<0.001').

    >>> is_number("2.5"), is_number("<0.001"), is_number(">= 0.05"), is_number("NA"), is_number(None)
    (True, True, True, False, False)
    """
    if parse_number(value) is not None:
        return True
    return value is not None and bool(_RELATION_NUMBER_RE.match(str(value).strip()))


def numbers_in(item: dict[str, object], keys: tuple[str, ...]) -> int:
    """How many of ``item``'s fields ``keys`` hold a number (what a skipped item drops)."""
    return sum(1 for key in keys if is_number(item.get(key)))


_RELATION_NUMBER_RE = re.compile(r"^(<=|>=|≤|≥|<|>|=)\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_P_RE = re.compile(r"^(<=|≤|<|>=|≥|>|=)?\s*((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)$")
_P_RELATIONS = {None: PRelation.eq, "=": PRelation.eq, "<": PRelation.lt, "<=": PRelation.le, "≤": PRelation.le, ">": PRelation.gt, ">=": PRelation.ge, "≥": PRelation.ge}


def parse_p_value(value: object) -> tuple[float, PRelation] | None:
    """A printed p-value as (bound, relation), or None when it is not a p-value.

    >>> parse_p_value("<0.001")
    (0.001, <PRelation.lt: '<'>)
    >>> parse_p_value("0.0307")
    (0.0307, <PRelation.eq: '='>)
    >>> parse_p_value("NA") is None, parse_p_value("1.2") is None
    (True, True)
    """
    if value is None:
        return None
    match = _P_RE.match(str(value).strip().replace(" ", ""))
    if not match:
        return None
    number = float(match.group(2))
    if not 0 <= number <= 1:
        return None
    return number, _P_RELATIONS[match.group(1)]
