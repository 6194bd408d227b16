"""RIS (EndNote, Zotero, Scopus, Embase, Mendeley exports) to publications, through rispy.

rispy reads the tags; this module decides what they mean, because exporters disagree:
``VO`` for ``VL``; the DOI in ``DO``, ``DI`` or ``M3`` (which Scopus uses for the work type);
PMIDs in ``AN`` or ``C2``; one or two ISSNs, or an ISBN, in ``SN``; dates as ``2007/11/22/``.
rispy keeps any ``TY`` value, so a non-standard type line (``TY  - Journal Article``) needs
no rewriting. Files are decoded here with ``utf-8-sig`` (a BOM would hide the first ``TY``
from rispy) and split into lines, which also takes care of CRLF.

>>> text = "TY  - JOUR\\nTI  - Lenalidomide\\nAU  - Weber, Donna M.\\nPY  - 2007/11/22/\\nSP  - 2133\\nEP  - 2142\\nER  - \\n"
>>> record = next(parse_ris(text, "x.ris"))
>>> record.location, record.publication.authors[0].family, record.publication.date, record.publication.pages
('x.ris line 1', 'Weber', '2007-11-22', '2133-2142')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rispy import RisParser

from ingest.biblio.records import ParsedRecord, guarded
from ingest.biblio.text import (
    abstract_sections,
    build_record,
    initials_of,
    issns_in,
    parse_loose_date,
    split_pages,
    strip_markup,
    valid_doi,
    untyped_journal,
)
from kb.errors import InputFileError

__all__ = ["parse_ris", "read_ris"]

_TYPE_LABELS = {
    "JOUR": "Journal Article",
    "JFULL": "Journal Article",
    "EJOUR": "Journal Article",
    "JOURNAL ARTICLE": "Journal Article",
    "ABST": "Abstract",
    "CONF": "Conference Paper",
    "CPAPER": "Conference Paper",
    "BOOK": "Book",
    "CHAP": "Book Chapter",
    "RPRT": "Report",
    "THES": "Thesis",
    "ELEC": "Web Page",
    "GEN": "Generic",
}
_SERIAL_TYPES = frozenset({"Journal Article", "Abstract", "Conference Paper"})
# Tags read as lists: repeated lines and continuation lines are separate values.
_LIST_TAGS = ["AU", "A1", "A2", "A3", "A4", "AD", "KW", "N1", "UR", "L1", "L2", "SN"]
_PMCID = re.compile(r"^\s*(?:PMCID:?\s*)?(PMC\d+)\s*$", re.IGNORECASE)
_PMID = re.compile(r"^\s*PMID:?\s*(\S+)\s*$", re.IGNORECASE)
_PUBMED_DATABASES = frozenset({"pubmed", "nlm", "medline (pubmed)"})


class _RawTags(dict):
    """A tag mapping that keeps every tag as itself, so records are keyed by RIS tag."""

    def __missing__(self, key: str) -> str:
        return key


def _parser() -> RisParser:
    return RisParser(mapping=_RawTags(), list_tags=_LIST_TAGS, delimiter_tags_mapping={}, enforce_list_tags=True)


def _values(record: dict, *tags: str) -> list[str]:
    found: list[str] = []
    for tag in tags:
        value = record.get(tag)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
    return found


def _first(record: dict, *tags: str) -> str | None:
    values = _values(record, *tags)
    return values[0] if values else None


def _person(name: str) -> dict[str, object]:
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 1:
        # RIS writes persons 'Last, First'; a name without a comma is a group author.
        return {"collective": strip_markup(name)}
    family = strip_markup(" ".join([parts[0], *parts[2:]]))  # 'Last, First, Jr.'
    given = strip_markup(parts[1]) or None
    return {"family": family, "given": given, "initials": initials_of(given)}


def _authors(record: dict) -> list[dict[str, object]]:
    authors = [_person(name) for name in _values(record, "AU", "A1")]
    addresses = _values(record, "AD")
    if len(authors) == 1 and addresses:
        authors[0]["affiliations"] = addresses
        return authors
    # AD lists the record's affiliations, not one per author (Scopus writes each distinct
    # address once); only an address that names its author (Embase: 'M. Wedel, Western
    # University...') can be attributed. The others have no place in the model and are dropped.
    for author in authors:
        family = author.get("family")
        if not isinstance(family, str):
            continue
        named = [address for address in addresses if _names(address, family)]
        if named:
            author["affiliations"] = named
    return authors


def _names(address: str, family: str) -> bool:
    """Whether an address starts by naming the author ('M. Wedel, Western University...')."""
    head = address.split(",", 1)[0].split()
    return head[-1:] == [family] and len(head) <= 4


def _date(record: dict, problems: list[tuple[str, str]] | None = None) -> str | None:
    year = _first(record, "PY", "Y1")
    year_only = re.search(r"\d{4}", year or "")
    hint = year_only.group() if year_only else None
    candidates = [
        parse_loose_date(value, year_hint=hint, problems=problems, path=f"date ({tag})")
        for tag in ("DA", "Y1", "PY") for value in _values(record, tag)
    ]
    # The most precise date that agrees with the publication year (DA may hold an entry date).
    agreeing = [found for found in candidates if found and (hint is None or found[:4] == hint)]
    return max(agreeing, key=len) if agreeing else None


def _journal(record: dict, kind: str | None) -> dict[str, object] | None:
    title = _first(record, "T2", "JF", "JO", "JA", "J2", "J1")
    issns = issns_in(_values(record, "SN"))  # SN also holds ISBNs, which are left out
    if not title or not (issns or kind in _SERIAL_TYPES):
        return None
    short = _first(record, "J2", "JA", "J1")
    return untyped_journal(strip_markup(title), strip_markup(short) if short else None, issns, _first(record, "PB"))


def _ids(record: dict) -> dict[str, object]:
    doi = next(
        (found for found in (valid_doi(v) for v in _values(record, "DO", "DI", "M3")) if found),
        # A doi.org link is a DOI too (Embase puts it in UR or L2).
        next((valid_doi(v) for v in _values(record, "UR", "L2") if "doi.org/" in v and valid_doi(v)), None),
    )
    pmid = pmcid = None
    database = (_first(record, "DB") or "").lower()
    for value in _values(record, "AN", "C2", "C1"):
        # Only values tagged as PubMed ids count: AN holds Embase and Scopus accession numbers too.
        # A tagged but malformed id is kept, so validation reports it with its field.
        if pmcid_match := _PMCID.match(value):
            pmcid = pmcid or pmcid_match.group(1)
        elif pmid_match := _PMID.match(value):
            pmid = pmid or pmid_match.group(1)
    if not pmid and database in _PUBMED_DATABASES and _first(record, "AN"):
        pmid = _first(record, "AN")
    return {"doi": doi, "pmid": pmid, "pmcid": pmcid}


def record_fields(record: dict, problems: list[tuple[str, str]] | None = None) -> dict[str, object]:
    """Publication fields from one rispy record keyed by RIS tag; ``problems`` receives each value dropped."""
    kind_raw = (_first(record, "TY") or "").strip()
    kind = _TYPE_LABELS.get(kind_raw.upper(), kind_raw or None)
    first, last = split_pages(_first(record, "SP"))
    last = _first(record, "EP") or last
    abstract = _first(record, "AB", "N2")
    return {
        **_ids(record),
        "title": strip_markup(_first(record, "TI", "T1", "CT", "ST") or "") or None,
        "abstract": abstract_sections(abstract) if abstract else None,
        "authors": _authors(record),
        "journal": _journal(record, kind),
        "volume": _first(record, "VL", "VO"),
        "issue": _first(record, "IS", "CP"),
        "first_page": first,
        "last_page": last,
        "date": _date(record, problems),
        "publication_types": [kind] if kind else None,
        "keywords": [strip_markup(word) for word in _values(record, "KW") if strip_markup(word)],
        "language": _first(record, "LA"),
    }


def _record_lines(lines: list[str], parser: RisParser) -> tuple[list[int], int | None]:
    """Line numbers (from 1) of the records rispy completes, and of a last record left without 'ER'.

    The same test rispy applies: a record starts at a line beginning 'TY' and ends at a tag 'ER'.
    """
    starts: list[int] = []
    open_at: int | None = None
    for number, line in enumerate(lines, start=1):
        if open_at is None:
            if line.startswith(parser.START_TAG):
                open_at = number
        elif parser.parse_line(line)[0] == parser.END_TAG:
            starts.append(open_at)
            open_at = None
    return starts, open_at


def parse_ris(text: str, origin: str, *, source: str | None = None) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per RIS record of ``text``, located by the line of its ``TY`` tag.

    ``origin`` names the input in record locations. Text without any ``TY`` line is not RIS and
    raises :class:`InputFileError` naming ``source`` (default ``origin``); so does a line rispy
    cannot place (untagged text before the first tag of the first record).
    """
    source = source or origin
    # Only CR/LF end lines: str.splitlines would also split at form feeds and U+2028 inside a value.
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parser = _parser()
    starts, unfinished = _record_lines(lines, parser)
    if not starts and unfinished is None:
        line = next((number for number, content in enumerate(lines, start=1) if content.strip()), 1)
        raise InputFileError(source, [(f"line {line}", "no RIS record found (expected a line 'TY  - JOUR')")])
    position = [0]

    def counted() -> Iterator[str]:
        for number, line in enumerate(lines, start=1):
            position[0] = number
            yield line

    try:
        records = parser.parse_lines(counted())
    except (KeyError, TypeError):
        # rispy adds an untagged line to the tag before it; with no tag before it, it fails.
        raise InputFileError(
            source, [(f"line {position[0]}", "text without a tag: a continuation line needs a tag line ('XX  - ...') before it")]
        ) from None
    if len(records) != len(starts):
        raise InputFileError(source, [("", f"rispy read {len(records)} records where {len(starts)} 'TY' ... 'ER' blocks are")])
    for line, record in zip(starts, records):
        yield guarded(f"{origin} line {line}", lambda: _record(f"{origin} line {line}", record))
    if unfinished is not None:
        yield ParsedRecord(f"{origin} line {unfinished}", None, (("ER", "the record has no end line 'ER  -'; the file may be truncated"),))


def _record(location: str, record: dict) -> ParsedRecord:
    problems: list[tuple[str, str]] = []
    fields = record_fields(record, problems)
    return build_record(location, fields, problems)


def read_ris(path: str | Path) -> Iterator[ParsedRecord]:
    """Read a RIS file (see :func:`parse_ris`); the file is read and split at once, so an unreadable
    file or one that is not RIS raises :class:`InputFileError` here."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise InputFileError(str(path), [(f"line {line}", f"not UTF-8 text: {error.reason}")]) from None
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    return iter(list(parse_ris(text, Path(path).name, source=str(path))))
