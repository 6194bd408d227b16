"""Normalizing identifier types: DOI, PMID, PMCID, NCT, ORCID, ISSN and CURIE.

Each type is an ``Annotated[str, ...]`` usable as a pydantic field type, and each
has a plain ``normalize_*`` function. Malformed values raise
:class:`~kb.errors.IdentifierError` with a message naming the value, so nothing
malformed reaches a graph or a query.

>>> normalize_doi("https://doi.org/10.1056/NEJMoa070596")
'10.1056/nejmoa070596'
>>> normalize_pmid("PMID: 18032763")
'18032763'
>>> normalize_nct("nct00056160")
'NCT00056160'
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote

from pydantic import BeforeValidator

from kb.errors import IdentifierError

__all__ = [
    "DOI",
    "PMID",
    "PMCID",
    "NCT",
    "ORCID",
    "ISSN",
    "CURIE",
    "normalize_doi",
    "normalize_pmid",
    "normalize_pmcid",
    "normalize_nct",
    "normalize_orcid",
    "normalize_issn",
    "normalize_curie",
]

_DOI_PREFIXES = (
    "https://www.doi.org/",
    "http://www.doi.org/",
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "doi:",
)
# Crossref's recommended pattern for modern DOIs, widened to any printable suffix.
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID_RE = re.compile(r"^[1-9]\d{0,8}$")
_PMCID_RE = re.compile(r"^PMC\d{1,9}$")
_NCT_RE = re.compile(r"^NCT\d{8}$")
_ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_ISSN_RE = re.compile(r"^\d{4}-\d{3}[\dX]$")
_CURIE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*):(\S+)$")


def _text(value: object, kind: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise IdentifierError(f"{kind} must be a string, got {value!r}")
    return str(value).strip()


def normalize_doi(value: object) -> str:
    """Return a DOI lower-cased, without resolver prefix; reject malformed DOIs.

    >>> normalize_doi("doi:10.1038/LEU.2009.147")
    '10.1038/leu.2009.147'
    """
    text = _text(value, "DOI")
    lowered = text.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            # A resolver URL percent-encodes the DOI; a bare DOI is taken as written, so
            # normalizing twice changes nothing ('%25' stays '%25').
            if prefix.startswith("http"):
                text = unquote(text)
            break
    text = text.strip().lower()
    if not _DOI_RE.match(text):
        raise IdentifierError(f"malformed DOI {value!r}: expected '10.<registrant>/<suffix>'")
    return text


def normalize_pmid(value: object) -> str:
    """Return a PubMed id as its digits; reject anything else.

    >>> normalize_pmid(19626046)
    '19626046'
    """
    text = _text(value, "PMID")
    for prefix in ("pmid:", "pmid", "pubmed:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):].strip()
            break
    if not _PMID_RE.match(text):
        raise IdentifierError(f"malformed PMID {value!r}: expected 1 to 9 digits")
    return text


def normalize_pmcid(value: object) -> str:
    """Return a PubMed Central id as ``PMC`` plus digits.

    >>> normalize_pmcid("pmc1234567")
    'PMC1234567'
    """
    text = _text(value, "PMCID").upper()
    if text.isdigit():
        text = "PMC" + text
    if not _PMCID_RE.match(text):
        raise IdentifierError(f"malformed PMCID {value!r}: expected 'PMC' and digits")
    return text


def normalize_nct(value: object) -> str:
    """Return a ClinicalTrials.gov id in its canonical upper-case form.

    >>> normalize_nct("https://clinicaltrials.gov/study/NCT00424047")
    'NCT00424047'
    """
    text = _text(value, "NCT id").upper().rstrip("/")
    text = text.rsplit("/", 1)[-1]
    if text.startswith("CLINICALTRIALS:"):
        text = text.split(":", 1)[1]
    if not _NCT_RE.match(text):
        raise IdentifierError(f"malformed NCT id {value!r}: expected 'NCT' and 8 digits")
    return text


def _orcid_checksum_ok(digits: str) -> bool:
    # ISO 7064 11,2, as ORCID documents it.
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return digits[-1] == expected


def normalize_orcid(value: object) -> str:
    """Return an ORCID iD as ``0000-0000-0000-000X``, checking its checksum.

    >>> normalize_orcid("https://orcid.org/0000-0002-1825-0097")
    '0000-0002-1825-0097'
    """
    text = _text(value, "ORCID").upper()
    text = text.rstrip("/").rsplit("/", 1)[-1]
    if text.startswith("ORCID:"):
        text = text[6:]
    if not _ORCID_RE.match(text) or not _orcid_checksum_ok(text.replace("-", "")):
        raise IdentifierError(f"malformed ORCID {value!r}: expected 0000-0000-0000-000X with a valid checksum")
    return text


def normalize_issn(value: object) -> str:
    """Return an ISSN as ``NNNN-NNNC``, checking its check digit.

    >>> normalize_issn("00284793")
    '0028-4793'
    """
    text = _text(value, "ISSN").upper().replace(" ", "")
    if len(text) == 8 and "-" not in text:
        text = f"{text[:4]}-{text[4:]}"
    if not _ISSN_RE.match(text):
        raise IdentifierError(f"malformed ISSN {value!r}: expected NNNN-NNNC")
    digits = text.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise IdentifierError(f"malformed ISSN {value!r}: check digit does not match")
    return text


def normalize_curie(value: object) -> str:
    """Return a CURIE ``prefix:local`` stripped of white space; reject anything else.

    The prefix is checked against the project's prefix map where the CURIE is
    expanded (see :mod:`kb.curies`), not here.

    >>> normalize_curie(" CHEBI:63791 ")
    'CHEBI:63791'
    """
    text = _text(value, "CURIE")
    if text.startswith(("http://", "https://")) or not _CURIE_RE.match(text):
        raise IdentifierError(f"malformed CURIE {value!r}: expected 'PREFIX:local_id'")
    return text


DOI = Annotated[str, BeforeValidator(normalize_doi)]
PMID = Annotated[str, BeforeValidator(normalize_pmid)]
PMCID = Annotated[str, BeforeValidator(normalize_pmcid)]
NCT = Annotated[str, BeforeValidator(normalize_nct)]
ORCID = Annotated[str, BeforeValidator(normalize_orcid)]
ISSN = Annotated[str, BeforeValidator(normalize_issn)]
CURIE = Annotated[str, BeforeValidator(normalize_curie)]
