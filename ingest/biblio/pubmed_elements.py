"""The parts of a PubMed record, one element at a time, and the value helpers MEDLINE shares.

:mod:`ingest.biblio.pubmed_xml` streams the file and assembles each record; the functions
here read one element of a ``PubmedArticle`` (or ``PubmedBookArticle``) each: the publication
date, the authors, the journal, the abstract, MeSH headings, references, databank (NCT)
accession numbers, keywords and grants. Each takes the lxml element and a :class:`_Values`,
which keeps an optional value that validates and records a ``(field path, message)``
problem for one it drops (the rule the module docstring of ``pubmed_xml`` states).

The small pure helpers at the top (:func:`clean_text`, :func:`month_number`,
:func:`parse_medline_date`, :func:`expand_pages`) and :class:`_Values` are shared with the
MEDLINE reader (:mod:`ingest.biblio.medline`); ``pubmed_xml`` re-exports the public ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from kb.errors import IdentifierError, cap
from kb.identifiers import normalize_doi, normalize_issn, normalize_nct, normalize_orcid, normalize_pmid
from kb.models.base import normalize_partial_date

__all__ = ["expand_pages", "parse_medline_date", "month_number", "clean_text"]

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MEDLINE_DATE_RE = re.compile(r"^\s*(\d{4})(?:[ /]+([A-Za-z]{3,}|\d{1,2})\b(?:\s+(\d{1,2})\b)?)?")
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")
_MESH_UI_RE = re.compile(r"^D\d+$")
_NLM_ID_RE = re.compile(r"^[0-9A-Z]+$")


# --- small pure helpers, shared with the MEDLINE reader ---------------------------------

def clean_text(text: str | None) -> str | None:
    """Collapse runs of white space (hard line breaks included); ``None`` when nothing is left.

    >>> clean_text("Genome-wide risk\\n   on <i>")
    'Genome-wide risk on <i>'
    """
    if text is None:
        return None
    joined = " ".join(text.split())
    return joined or None


def month_number(value: str | None) -> int | None:
    """A month given by name ('Sep', 'September') or number ('09', '9'); ``None`` otherwise.

    >>> month_number("Sep"), month_number("09"), month_number("Spring")
    (9, 9, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        # Past two digits it is no month (and int() of a hostile 100,000-digit text raises).
        return int(value) if len(value) <= 2 and 1 <= int(value) <= 12 else None
    return _MONTHS.get(value[:3].lower())


def parse_medline_date(text: str | None, problems: list[tuple[str, str]] | None = None, path: str = "date") -> str | None:
    """The start of a free-text date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; partial stays partial.

    A numeric month or a day that does not exist is dropped (the date stays partial) and
    recorded in ``problems``; a season ('Spring') is no month and is not a problem.

    >>> parse_medline_date("1998 Dec-1999 Jan")
    '1998-12'
    >>> parse_medline_date("2006 Mar 1"), parse_medline_date("2000 Spring"), parse_medline_date("1975-1976")
    ('2006-03-01', '2000', '1975')
    >>> found = []
    >>> parse_medline_date("2007-11-22"), parse_medline_date("2007-13-45", found), found.pop()[1]
    ('2007-11-22', '2007', "month '13' is not a month; the date keeps 2007, day '45' dropped")
    >>> parse_medline_date("2007 13 45", found), parse_medline_date("2007 Feb 30", found), found
    ('2007', '2007-02', [('date', "month '13' is not a month; the date keeps 2007, day '45' dropped"), ('date', "day '30' is not a day of 2007-02; the date keeps 2007-02")])
    """
    iso = _ISO_DATE_RE.match(text or "")
    # '2007-11-22' is no MEDLINE spelling, but some exporters write it; '1975-1976' is a range.
    match = iso or _MEDLINE_DATE_RE.match(text or "")
    if not match:
        return None
    year, month_text, day = match.groups()
    month = month_number(month_text)
    if month is None:
        if problems is not None and month_text and month_text.isdecimal():
            lost = f", day {day!r} dropped" if day else ""
            problems.append((path, f"month {month_text!r} is not a month; the date keeps {year}{lost}"))
        return year
    if day is None:
        return f"{year}-{month:02d}"
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        if problems is not None:
            problems.append((path, f"day {day!r} is not a day of {year}-{month:02d}; the date keeps {year}-{month:02d}"))
        return f"{year}-{month:02d}"


def expand_pages(text: str | None) -> tuple[str | None, str | None]:
    """First and last page from a MEDLINE page string, expanding an abbreviated last page.

    >>> expand_pages("2133-42")
    ('2133', '2142')
    >>> expand_pages("S12-5"), expand_pages("e1234"), expand_pages("123-4, 130")
    (('S12', 'S15'), ('e1234', None), ('123', '130'))
    """
    text = clean_text(text)
    if not text:
        return None, None
    ranges = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
    first_range, last_range = ranges[0], ranges[-1]
    first = first_range.split("-", 1)[0].strip() or None
    start, _, end = last_range.partition("-")
    start, end = start.strip(), end.strip()
    last = end or (start if len(ranges) > 1 else None)
    if last and end and len(end) < len(start) and end.isdecimal() and start[-len(end):].isdecimal():
        # '2133-42' prints only the digits that change: take the rest from the first page.
        last = start[: len(start) - len(end)] + end
    return first, last


def _itertext(element: Any) -> str | None:
    """An element's text with inline markup (<i>, <sup>, <b>) flattened."""
    return None if element is None else clean_text("".join(element.itertext()))



# --- the elements of one record ---------------------------------------------------------

class _Values:
    """Keeps optional values that validate; records a problem for each one it drops."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def check(self, normalize: Callable[[str], str], value: str | None, path: str) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalize(value)
        except (IdentifierError, ValueError) as error:
            self.problems.append((path, f"{error}; value dropped"))
            return None

    def pattern(self, regex: re.Pattern[str], value: str | None, path: str, what: str) -> str | None:
        value = clean_text(value)
        if value is not None and not regex.match(value):
            self.problems.append((path, f"{value!r} is not {what}; value dropped"))
            return None
        return value


def _text(parent: Any, path: str) -> str | None:
    return _itertext(parent.find(path)) if parent is not None else None


def _ymd(date_node: Any, values: _Values) -> str | None:
    """A ``Year``/``Month``/``Day`` element group as a partial date; a bad month or day is dropped with a problem."""
    year = _text(date_node, "Year")
    if not year:
        return None
    month_text, day = _text(date_node, "Month"), _text(date_node, "Day")
    month = month_number(month_text)
    if month is None and not month_text:
        # A season such as 'Jan-Mar' starts with a month; 'Spring' leaves the year.
        return parse_medline_date(f"{year} {_text(date_node, 'Season') or ''}", values.problems)
    if month is None:
        lost = f", day {cap(day, 20)!r} dropped" if day else ""
        values.problems.append(("date", f"month {cap(month_text or '', 20)!r} is not a month; the date keeps {year}{lost}"))
        return year
    if day is None:
        return f"{year}-{month:02d}"
    return parse_medline_date(f"{year} {month} {day}", values.problems) if day.isdecimal() else _bad_day(year, month, day, values)


def _bad_day(year: str, month: int, day: str, values: _Values) -> str:
    values.problems.append(("date", f"day {cap(day, 20)!r} is not a day; the date keeps {year}-{month:02d}"))
    return f"{year}-{month:02d}"


def _pub_date(article: Any, values: _Values) -> str | None:
    pub_date = article.find("Journal/JournalIssue/PubDate")
    if pub_date is None:
        pub_date = article.find("Book/PubDate")
    date = None
    if pub_date is not None:
        if _text(pub_date, "Year"):
            date = _ymd(pub_date, values)
        else:
            date = parse_medline_date(_text(pub_date, "MedlineDate"), values.problems)
    if date is None:
        article_date = article.find("ArticleDate")
        if article_date is not None and _text(article_date, "Year"):
            date = _ymd(article_date, values)
    return values.check(normalize_partial_date, date, "date")


def _authors(author_list: Iterable[Any], values: _Values) -> list[dict[str, Any]]:
    authors: list[dict[str, Any]] = []
    for author in author_list:
        if author.get("ValidYN") == "N":  # a misspelling NLM keeps for searching, not an author
            continue
        path = f"authors.{len(authors)}"
        family, collective = _text(author, "LastName"), _text(author, "CollectiveName")
        if not (family or collective):
            values.problems.append((path, "author without LastName or CollectiveName; author dropped"))
            continue
        orcid = None
        for identifier in author.findall("Identifier"):
            if (identifier.get("Source") or "").upper() == "ORCID":
                orcid = values.check(normalize_orcid, _itertext(identifier), f"{path}.orcid")
        affiliations = [_itertext(a) for a in author.findall("AffiliationInfo/Affiliation")]
        affiliations += [_itertext(a) for a in author.findall("Affiliation")]  # pre-2013 DTDs
        authors.append({
            "family": family,
            "given": _text(author, "ForeName") or _text(author, "FirstName"),
            "initials": _text(author, "Initials"),
            "collective": collective,
            "orcid": orcid,
            "affiliations": tuple(a for a in affiliations if a),
        })
    return authors


def _journal(citation: Any, article: Any, values: _Values) -> dict[str, Any] | None:
    journal = article.find("Journal")
    if journal is None:
        return None
    info = citation.find("MedlineJournalInfo")
    title = _text(journal, "Title") or _text(journal, "ISOAbbreviation") or _text(info, "MedlineTA")
    if not title:
        return None
    issns: dict[str, str | None] = {}
    for issn in journal.findall("ISSN"):
        kind = {"Print": "issn_print", "Electronic": "issn_electronic"}.get(issn.get("IssnType") or "")
        if kind:
            issns[kind] = values.check(normalize_issn, _itertext(issn), f"journal.{kind}")
    return {
        "title": title,
        "iso_abbreviation": _text(journal, "ISOAbbreviation") or _text(info, "MedlineTA"),
        **issns,
        "issn_linking": values.check(normalize_issn, _text(info, "ISSNLinking"), "journal.issn_linking"),
        "nlm_id": values.pattern(_NLM_ID_RE, _text(info, "NlmUniqueID"), "journal.nlm_id", "an NLM id"),
    }


def _article_ids(ids: Iterable[Any], kind: str) -> list[str]:
    return [text for node in ids if node.get("IdType") == kind and (text := _itertext(node))]


def _abstract(abstract: Any) -> list[dict[str, Any]]:
    if abstract is None:
        return []
    sections = []
    for node in abstract.findall("AbstractText"):
        text = _itertext(node)
        if text:
            sections.append({"label": clean_text(node.get("Label")), "category": clean_text(node.get("NlmCategory")), "text": text})
    return sections


def _mesh(citation: Any, values: _Values) -> list[dict[str, Any]]:
    headings = []
    for index, heading in enumerate(citation.findall("MeshHeadingList/MeshHeading")):
        descriptor = heading.find("DescriptorName")
        name = _itertext(descriptor)
        if not name:
            values.problems.append((f"mesh_headings.{index}.descriptor", "MeSH heading without a descriptor; heading dropped"))
            continue
        qualifiers = heading.findall("QualifierName")
        headings.append({
            "descriptor": name,
            "descriptor_id": values.pattern(_MESH_UI_RE, descriptor.get("UI"), f"mesh_headings.{index}.descriptor_id", "a MeSH descriptor UI"),
            "major_topic": any(node.get("MajorTopicYN") == "Y" for node in (descriptor, *qualifiers)),
            "qualifiers": tuple(q for q in (_itertext(node) for node in qualifiers) if q),
        })
    return headings


def _references(pubmed_data: Any, values: _Values) -> list[dict[str, Any]]:
    references = []
    for index, reference in enumerate(pubmed_data.iterfind("ReferenceList//Reference") if pubmed_data is not None else ()):
        ids = reference.findall("ArticleIdList/ArticleId")
        pmids = _article_ids(ids, "pubmed")
        dois = _article_ids(ids, "doi")
        pmid = values.check(normalize_pmid, pmids[0], f"references.{index}.pmid") if pmids else None
        doi = values.check(normalize_doi, dois[0], f"references.{index}.doi") if dois else None
        citation = None if (pmid or doi) else _text(reference, "Citation")
        if pmid or doi or citation:
            references.append({"pmid": pmid, "doi": doi, "citation": citation})
    return references



def _registry_ids(article: Any, values: _Values) -> list[str]:
    """NCT numbers from the article's ClinicalTrials.gov databank entries, first mention first."""
    registry_ids: list[str] = []
    for bank in article.findall("DataBankList/DataBank"):
        if (_text(bank, "DataBankName") or "").lower() == "clinicaltrials.gov":
            for number in bank.findall("AccessionNumberList/AccessionNumber"):
                nct = values.check(normalize_nct, _itertext(number), f"registry_ids.{len(registry_ids)}")
                if nct and nct not in registry_ids:
                    registry_ids.append(nct)
    return registry_ids


def _keywords(citation: Any) -> list[str]:
    """The citation's keywords, each once, in order."""
    keywords: list[str] = []
    for keyword in citation.findall("KeywordList/Keyword"):
        text = _itertext(keyword)
        if text and text not in keywords:
            keywords.append(text)
    return keywords


def _grants(article: Any) -> list[dict[str, Any]]:
    """The article's grants; one with neither an id nor an agency says nothing and is left out."""
    grants = [
        {"id": _text(grant, "GrantID"), "agency": _text(grant, "Agency"), "country": _text(grant, "Country")}
        for grant in article.findall("GrantList/Grant")
    ]
    return [g for g in grants if g["id"] or g["agency"]]
