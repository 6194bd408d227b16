"""MEDLINE / PubMed ``.nbib`` text to publications: a small line-based reader.

A record is a run of ``TAG - value`` lines (the tag padded to four characters), with
continuation lines indented six spaces; records are separated by blank lines. CRLF line ends
and a UTF-8 byte-order mark are accepted.

Authors: each ``FAU`` (or an ``AU`` not following its ``FAU``, or a ``CN`` group name) starts an
author; ``AU`` gives its initials, ``AD`` and ``AUID`` (``ORCID: ...``) belong to the author
before them. An ``AD`` before any author (MEDLINE before 2014 gave only one address) goes to the
first author.

Bad values follow the PubMed XML reader's rule (:mod:`ingest.biblio.pubmed_xml`): an optional
value an identifier validator rejects is dropped with a ``(field path, message)`` problem and
the record is kept; a record that cannot be a publication, or holds a line that is not a tag
line, gives ``ParsedRecord(location, None, problems)``. A file whose first line is not a
MEDLINE tag line, that holds no record (empty, or blank lines only), or that is not UTF-8,
raises :class:`~kb.errors.InputFileError`.

Truncation: a record that looks cut off fails (``ParsedRecord(location, None, problems)``),
so it can never replace a complete record with a fragment:

- the file's last line has no line end (the file stops in the middle of a line: a value, a
  continuation line or a tag cut short);
- the file's last record lacks the ``SO`` (source) line that every other record of the file
  ends with (PubMed writes ``SO`` last in every record; a single-record file, or one mixing
  records of other origins, cannot be checked this way);
- a second ``PMID`` line inside one record (the blank line between two records is lost).

A record that is merely shorter than the one stored under its PMID is refused by the
runner (:func:`kb.ingestion.runner.lost_parts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.biblio.pubmed_elements import _Values, clean_text, expand_pages, parse_medline_date
from ingest.biblio.records import ParsedRecord, guarded, problems_of
from ingest.biblio.updates import medline_update
from kb.errors import InputFileError
from kb.identifiers import normalize_doi, normalize_issn, normalize_nct, normalize_orcid, normalize_pmcid
from kb.models import Publication
from kb.models.base import normalize_partial_date

__all__ = ["read_medline", "split_structured_abstract"]

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)$")
_CONTINUATION = "      "
# A section label: upper-case words (two letters or more) joined by spaces, '/', '&' or '-', then ':'.
_LABEL_RE = re.compile(r"(?:^|(?<=\s))([A-Z]{2,}(?:[ /&-]+[A-Z]{2,})*):\s+")
_ISSN_KINDS = {"print": "issn_print", "electronic": "issn_electronic", "linking": "issn_linking"}
_NLM_ID_RE = re.compile(r"^[0-9A-Z]+$")

Entry = tuple[str, str, int]  # tag, value, line number


def split_structured_abstract(text: str) -> list[tuple[str | None, str]]:
    """Split ``"BACKGROUND: ... METHODS: ..."`` into labelled sections; other text stays one section.

    >>> split_structured_abstract("BACKGROUND: Why. SUPPLEMENTARY INFORMATION: At x.")
    [('BACKGROUND', 'Why.'), ('SUPPLEMENTARY INFORMATION', 'At x.')]
    >>> split_structured_abstract("We found DNA: none.")
    [(None, 'We found DNA: none.')]
    """
    text = clean_text(text) or ""
    matches = list(_LABEL_RE.finditer(text))
    if not matches or matches[0].start() != 0:  # only an abstract that opens with a label is structured
        return [(None, text)] if text else []
    sections = []
    for match, following in zip(matches, matches[1:] + [None]):
        body = text[match.end(): following.start() if following else len(text)].strip()
        if body:
            sections.append((match.group(1), body))
    return sections


def _mesh(value: str) -> dict[str, Any]:
    """``'Multiple Myeloma/*drug therapy'`` as a heading: '*' marks a major topic."""
    descriptor, *qualifiers = [part.strip() for part in value.split("/")]
    major = descriptor.startswith("*") or any(q.startswith("*") for q in qualifiers)
    return {
        "descriptor": descriptor.lstrip("*").strip(),
        "major_topic": major,
        "qualifiers": tuple(q.lstrip("*").strip() for q in qualifiers if q.lstrip("*").strip()),
    }


def _grant(value: str) -> dict[str, Any] | None:
    """``'U01 AG024904/AG/NIA NIH HHS/United States'`` (id/acronym/agency/country) as a grant."""
    parts = [part.strip() for part in value.split("/")]
    grant_id = parts[0] or None
    rest = parts[1:]
    if len(rest) >= 3:  # id / acronym / agency / country
        agency, country = rest[1] or None, "/".join(rest[2:]) or None
    elif len(rest) == 2 and re.fullmatch(r"[A-Z]{1,4}", rest[0]):  # id / acronym / agency
        agency, country = rest[1] or None, None
    elif len(rest) == 2:  # id / agency / country, as non-NIH grants print
        agency, country = rest[0] or None, rest[1] or None
    else:
        agency, country = (rest[0] or None) if rest else None, None
    return {"id": grant_id, "agency": agency, "country": country} if (grant_id or agency) else None


def _bracketed(value: str) -> tuple[str, str]:
    """``'10.1186/x [doi]'`` as ``('10.1186/x', 'doi')``."""
    match = re.match(r"^(.*?)\s*\[([a-z]+)\]\s*$", value)
    return (match.group(1), match.group(2)) if match else (value, "")


class _Draft:
    """One record's fields as its tag lines arrive; :meth:`finish` turns them into Publication fields.

    Tag lines fall into three groups, each read by its own method: the author lines, the
    journal lines, and the rest. No tag is in two groups, and lines are read in file order,
    so problems are recorded in the order the lines come.
    """

    _AUTHOR_TAGS = frozenset({"FAU", "AU", "CN", "AD", "AUID"})
    _JOURNAL_TAGS = frozenset({"JT", "TA", "JID", "IS"})

    def __init__(self, values: _Values) -> None:
        self.values = values
        self.fields: dict[str, Any] = {"abstract": [], "authors": [], "publication_types": [], "mesh_headings": [],
                                       "keywords": [], "registry_ids": [], "grants": [], "updates": []}
        self.journal: dict[str, Any] = {}
        self.authors: list[dict[str, Any]] = self.fields["authors"]
        self.early_addresses: list[str] = []  # AD lines before any author: the first author's
        self.dois: list[str] = []
        self.after_fau = False  # an AU right after its FAU only adds the initials

    def add(self, tag: str, value: str) -> None:
        """Read one tag line (its value already cleaned and not empty)."""
        if tag in self._AUTHOR_TAGS:
            self._author_line(tag, value)
        elif tag in self._JOURNAL_TAGS:
            self._journal_line(tag, value)
        else:
            self._other_line(tag, value)
        self.after_fau = tag == "FAU"

    def _author_line(self, tag: str, value: str) -> None:
        """FAU, CN (and an AU without its FAU) start an author; AU, AD and AUID add to the last one."""
        authors = self.authors
        if tag == "FAU" or (tag == "AU" and not self.after_fau) or tag == "CN":
            authors.append(_new_author(tag, value))
        elif tag == "AU":  # the short form of the FAU just before it: take its initials
            initials = value.rpartition(" ")[2]
            if " " in value and initials.isupper():
                authors[-1]["initials"] = initials
        elif tag == "AD":
            (authors[-1]["affiliations"] if authors else self.early_addresses).append(value)
        elif tag == "AUID" and authors and value.upper().startswith("ORCID"):
            authors[-1]["orcid"] = self.values.check(normalize_orcid, value.split(":", 1)[-1], f"authors.{len(authors) - 1}.orcid")

    def _journal_line(self, tag: str, value: str) -> None:
        """JT title, TA abbreviation, JID NLM id, IS an ISSN (the first of each kind counts)."""
        journal, values = self.journal, self.values
        if tag == "JT":
            journal["title"] = value
        elif tag == "TA":
            journal["iso_abbreviation"] = value
        elif tag == "JID":
            journal["nlm_id"] = values.pattern(_NLM_ID_RE, value, "journal.nlm_id", "an NLM id")
        elif tag == "IS":
            number, _, kind = value.partition(" ")
            key = _ISSN_KINDS.get(kind.strip("() ").lower(), "issn_print")
            if key not in journal:
                journal[key] = values.check(normalize_issn, number, f"journal.{key}")

    def _other_line(self, tag: str, value: str) -> None:
        """The record's own lines: ids, title, abstract, issue and pages, dates, terms, grants."""
        fields, values = self.fields, self.values
        if tag == "PMID":
            fields["pmid"] = value
        elif tag == "TI":
            fields["title"] = value
        elif tag == "AB":
            fields["abstract"] = [{"label": label, "text": text} for label, text in split_structured_abstract(value)]
        elif tag in ("VI", "IP"):
            fields["volume" if tag == "VI" else "issue"] = value
        elif tag == "PG":
            fields["first_page"], fields["last_page"] = expand_pages(value)
        elif tag == "DP":
            fields["dp"] = parse_medline_date(value, values.problems)
        elif tag == "DEP" and len(value) == 8 and value.isdecimal():
            fields["dep"] = f"{value[:4]}-{value[4:6]}-{value[6:]}"
        elif tag == "LA":
            fields.setdefault("language", value)
        elif tag == "PT":
            fields["publication_types"].append(value)
        elif tag == "MH":
            fields["mesh_headings"].append(_mesh(value))
        elif tag == "OT" and value not in fields["keywords"]:
            fields["keywords"].append(value)
        elif tag == "SI" and value.lower().startswith("clinicaltrials.gov/"):
            nct = values.check(normalize_nct, value.split("/", 1)[1], f"registry_ids.{len(fields['registry_ids'])}")
            if nct and nct not in fields["registry_ids"]:
                fields["registry_ids"].append(nct)
        elif tag == "GR" and (grant := _grant(value)):
            fields["grants"].append(grant)
        elif tag in ("AID", "LID"):
            number, kind = _bracketed(value)
            if kind == "doi":
                self.dois.append(number)
        elif tag == "PMC":
            fields["pmcid"] = values.check(normalize_pmcid, value, "pmcid")
        elif (update := medline_update(tag, value, values, len(fields["updates"]))) is not None:
            fields["updates"].append(update)  # RIN, ROF, ECI, EIN ...: retractions, errata, concerns

    def finish(self) -> dict[str, Any]:
        """The fields for :class:`Publication`: early addresses placed, DOI and date checked, journal kept if titled."""
        fields, authors, journal, values = self.fields, self.authors, self.journal, self.values
        if self.early_addresses and authors:
            authors[0]["affiliations"] = self.early_addresses + authors[0]["affiliations"]
        for author in authors:
            author["affiliations"] = tuple(author["affiliations"])
        if self.dois:
            fields["doi"] = values.check(normalize_doi, self.dois[0], "doi")
        date = fields.pop("dp", None) or fields.pop("dep", None)  # the publication date, else the electronic one
        fields.pop("dep", None)
        fields["date"] = values.check(normalize_partial_date, date, "date")
        if journal.get("title") or journal.get("iso_abbreviation"):
            journal.setdefault("title", journal.get("iso_abbreviation"))
            fields["journal"] = journal
        return fields


def _new_author(tag: str, value: str) -> dict[str, Any]:
    """An author from ``CN`` (a group), ``FAU`` (``'Family, Given'``) or a lone ``AU`` (``'Family GI'``)."""
    if tag == "CN":
        return {"collective": value, "affiliations": []}
    family, _, given = value.partition(",") if tag == "FAU" else value.rpartition(" ")
    if tag == "AU" and not family:
        family, given = value, ""
    author: dict[str, Any] = {"family": family.strip(), "affiliations": []}
    if tag == "FAU" and given.strip():
        author["given"] = given.strip()
    elif tag == "AU" and given:
        author["initials"] = given
    return author


def _build(entries: list[Entry], values: _Values) -> dict[str, Any]:
    """One record's tag lines as :class:`Publication` fields; dropped values go to ``values``."""
    draft = _Draft(values)
    for tag, value, _line in entries:
        value = clean_text(value) or ""
        if value:  # an empty line neither sets a field nor ends an FAU/AU pair
            draft.add(tag, value)
    return draft.finish()


def _record(entries: list[Entry], number: int, bad_lines: list[tuple[str, str]]) -> ParsedRecord:
    pmid = next((value.strip() for tag, value, _ in entries if tag == "PMID"), None)
    start = entries[0][2] if entries else (int(bad_lines[0][0].split()[1]) if bad_lines else 0)
    location = f"record {number}" + (f" (PMID {pmid})" if pmid else "") + f", line {start}"
    values = _Values()
    fields = _build(entries, values)
    if bad_lines:
        return ParsedRecord(location, None, tuple(bad_lines) + tuple(values.problems))
    try:
        publication = Publication(**fields)
    except ValidationError as error:
        return ParsedRecord(location, None, tuple(values.problems) + problems_of(error))
    return ParsedRecord(location, publication, tuple(values.problems))


def _lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """The file's lines, numbered from 1, without line ends or byte-order mark, and whether each had a line end."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot open: {error.strerror or error}")]) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputFileError(str(path), [(f"line {number}", f"not UTF-8 text: {error.reason}")]) from None
            stripped = text.rstrip("\r\n")
            yield number, stripped, stripped != text


def read_medline(path: Path) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per record of a MEDLINE (``.nbib``) file.

    Location is ``"record N (PMID x), line L"`` with the record's first line. Raises
    :class:`~kb.errors.InputFileError` when the file does not start like MEDLINE text or
    holds no record at all (empty, or blank lines only). A record that looks cut off fails
    (see the module docstring, "Truncation").
    """
    path = Path(path)
    entries: list[Entry] = []
    bad_lines: list[tuple[str, str]] = []
    number = 0
    seen_text = False
    closed_by_so = 0  # records so far whose last tag is SO, as PubMed ends every record
    last_ended = True
    for line_number, line, ended in _lines(path):
        if not line.strip():
            if entries or bad_lines:
                number += 1
                closed_by_so += bool(entries) and entries[-1][0] == "SO"
                yield guarded(f"record {number}", lambda: _record(entries, number, bad_lines))
                entries, bad_lines = [], []
            continue
        last_ended = ended
        match = _TAG_RE.match(line)
        if line.startswith(_CONTINUATION) and entries:
            tag, value, first_line = entries[-1]
            entries[-1] = (tag, f"{value} {line.strip()}", first_line)
        elif match and len(line) >= 5 and line[4] == "-":
            if match.group(1) == "PMID" and any(tag == "PMID" for tag, _, _ in entries):
                bad_lines.append((f"line {line_number}", "a second PMID inside one record: the blank line that ends a record is missing"))
            entries.append((match.group(1), match.group(2), line_number))
        elif not seen_text:
            raise InputFileError(str(path), [(f"line {line_number}", f"not MEDLINE text: expected a 'TAG - value' line, found {line[:40]!r}")])
        else:
            bad_lines.append((f"line {line_number}", f"not a MEDLINE tag line: {line[:40]!r}"))
        seen_text = True
    if not seen_text:
        raise InputFileError(str(path), [("", "empty file: no MEDLINE record (expected 'PMID- ...' lines)")])
    if entries or bad_lines:
        if not last_ended:
            where = f"line {entries[-1][2]}" if entries else ""
            bad_lines.append((where, "the file ends in the middle of a line (no line end): the record is cut off"))
        elif number and closed_by_so == number and entries and entries[-1][0] != "SO":
            bad_lines.append(("SO", f"the record ends without the 'SO' line every other record of the file ends with "
                                    f"({number}): the file is cut off"))
        yield guarded(f"record {number + 1}", lambda: _record(entries, number + 1, bad_lines))
