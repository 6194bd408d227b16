"""Crossref REST API works (``/works/{doi}``, work lists, bare work objects) to publications.

>>> records = list(parse_crossref({"DOI": "10.1056/NEJMoa070596", "title": ["<i>Lenalidomide</i> trial"],
...                                "issued": {"date-parts": [[2007, 11]]}}, "example"))
>>> records[0].publication.doi, records[0].publication.title, records[0].publication.date
('10.1056/nejmoa070596', 'Lenalidomide trial', '2007-11')
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from ingest.biblio.records import ParsedRecord
from ingest.biblio.text import (
    MAX_JSON_DEPTH,
    abstract_sections,
    build_record,
    date_from_parts,
    initials_of,
    issns_in,
    split_pages,
    strip_markup,
    too_deep,
    valid_doi,
)
from kb.errors import IdentifierError, InputFileError
from kb.identifiers import normalize_nct

__all__ = ["parse_crossref", "read_crossref", "load_json", "as_list", "as_text", "work_fields", "author_fields", "cited_work_fields", "first_text", "type_label"]

# Crossref's DOI for ClinicalTrials.gov as a registry of clinical-trial-number.
_CTGOV_REGISTRY = "10.18810/clinical-trials-gov"
# Work types whose container is a serial even when no ISSN is given (None: a bare work without type).
_SERIAL_TYPES = frozenset({None, "journal-article", "article-journal", "article", "journal-issue", "proceedings-article", "paper-conference"})
_TYPE_LABELS = {
    "journal-article": "Journal Article",
    "article-journal": "Journal Article",
    "proceedings-article": "Conference Paper",
    "paper-conference": "Conference Paper",
    "posted-content": "Preprint",
    "book-chapter": "Book Chapter",
    "chapter": "Book Chapter",
}


def type_label(kind: object) -> str | None:
    """A readable publication type for a Crossref or CSL type name.

    >>> type_label("journal-article")
    'Journal Article'
    >>> type_label("dataset")
    'Dataset'
    """
    if not isinstance(kind, str) or not kind.strip():
        return None
    return _TYPE_LABELS.get(kind, kind.replace("-", " ").replace("_", " ").title())


def as_text(value: object) -> str | None:
    """A string or number as text (CSL allows ``"volume": 7``); anything else None.

    >>> as_text(7), as_text(" 12 "), as_text(["x"])
    ('7', '12', None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return str(value).strip() or None
    return None


def as_list(value: object) -> list[object]:
    """A JSON array as a list; anything else (absent, null, a lone object or string) an empty list.

    >>> as_list([1, "x"]), as_list(None), as_list({"a": 1})
    ([1, 'x'], [], [])
    """
    return value if isinstance(value, list) else []


def first_text(value: object) -> str | None:
    """The first non-empty string of a string or list (Crossref gives lists, CSL strings), markup stripped."""
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, str) and strip_markup(item):
            return strip_markup(item)
    return None


def load_json(path: str | Path) -> object:
    """Parse a JSON file; unreadable or invalid JSON is an :class:`InputFileError` naming the line.

    So is JSON nested deeper than :data:`~ingest.biblio.text.MAX_JSON_DEPTH` levels.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(str(path), [("", f"not UTF-8 text: {error.reason} at byte {error.start}")]) from None
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(str(path), [(f"line {error.lineno} column {error.colno}", f"invalid JSON: {error.msg}")]) from None
    except RecursionError:
        data = None  # nested deeper than the parser's stack: refused below, like any too deep input
        deep = True
    else:
        deep = too_deep(data)
    if deep:
        raise InputFileError(str(path), [("", f"JSON nested more than {MAX_JSON_DEPTH} levels deep; refused")])
    return data


def author_fields(person: Mapping[str, object]) -> dict[str, object]:
    """Author fields from a Crossref/CSL person: given/family, or name/literal for a collective."""
    family = person.get("family")
    particle = person.get("non-dropping-particle")
    if isinstance(family, str) and isinstance(particle, str) and particle.strip():
        family = f"{particle.strip()} {family}"
    given_value = person.get("given")
    given = given_value if isinstance(given_value, str) else None
    fields: dict[str, object] = {"family": family, "given": given, "initials": initials_of(given)}
    if not family:
        fields["collective"] = person.get("name") or person.get("literal")
    if person.get("ORCID"):
        fields["orcid"] = person["ORCID"]
    affiliations = [
        strip_markup(item["name"])
        for item in as_list(person.get("affiliation"))
        if isinstance(item, Mapping) and isinstance(item.get("name"), str) and strip_markup(item["name"])
    ]
    if affiliations:
        fields["affiliations"] = affiliations
    return {key: value for key, value in fields.items() if value not in (None, "")}


def _authors(work: Mapping[str, object]) -> list[dict[str, object]]:
    people = [person for person in as_list(work.get("author")) if isinstance(person, Mapping)]
    # Crossref marks the first author with sequence 'first'; a stable sort honours it without reordering the rest.
    people.sort(key=lambda person: 0 if person.get("sequence") == "first" else 1)
    return [author_fields(person) for person in people]


def cited_work_fields(reference: Mapping[str, object]) -> dict[str, object] | None:
    """A cited work from a Crossref reference: its DOI when valid, else the unstructured text,
    else a citation assembled from the parts given; None when the reference holds nothing but a key."""
    doi = valid_doi(reference.get("DOI")) if reference.get("DOI") else None
    if doi:
        return {"doi": doi}
    text = reference.get("unstructured")
    if isinstance(text, str) and strip_markup(text):
        return {"citation": strip_markup(text)}
    parts = [
        reference.get(key)
        for key in ("author", "article-title", "volume-title", "series-title", "journal-title", "year", "volume", "first-page")
    ]
    citation = ". ".join(strip_markup(str(part)) for part in parts if isinstance(part, (str, int)) and str(part).strip())
    return {"citation": citation} if citation else None


def _journal(work: Mapping[str, object]) -> dict[str, object] | None:
    title = first_text(work.get("container-title"))
    typed = {
        item.get("type"): item.get("value")
        for item in as_list(work.get("issn-type"))
        if isinstance(item, Mapping) and isinstance(item.get("value"), str)
    }
    print_issn, electronic_issn = typed.get("print"), typed.get("electronic")
    if not typed:
        # Without issn-type the order is all there is: Crossref lists print before electronic.
        issn = work.get("ISSN")
        plain = issns_in(issn if isinstance(issn, list) else [issn])
        print_issn, electronic_issn = (plain + [None, None])[:2]
    serial = work.get("type") in _SERIAL_TYPES or print_issn or electronic_issn
    if not title or not serial:
        return None  # A book's title is no journal: the model's Journal is a serial.
    short = first_text(work.get("short-container-title") or work.get("container-title-short"))
    return {
        "title": title,
        "iso_abbreviation": short if short and short != title else None,
        "issn_print": print_issn,
        "issn_electronic": electronic_issn,
        "publisher": work.get("publisher") if isinstance(work.get("publisher"), str) else None,
    }


def _date(work: Mapping[str, object]) -> str | None:
    # 'issued' is Crossref's earliest of print and online publication; the others are fallbacks.
    # Not 'created': that is when the DOI was registered, not when the work appeared.
    for key in ("issued", "published-print", "published-online", "published"):
        found = date_from_parts(work.get(key))
        if found:
            return found
    return None


def _trial_ids(work: Mapping[str, object]) -> list[str]:
    ids: list[str] = []
    for item in as_list(work.get("clinical-trial-number")):
        if not isinstance(item, Mapping):
            continue
        try:
            nct = normalize_nct(item.get("clinical-trial-number"))
        except IdentifierError:
            continue  # Other registries (ISRCTN, EudraCT) have no field in the model yet.
        if nct not in ids:
            ids.append(nct)
    return ids


def _grants(work: Mapping[str, object]) -> list[dict[str, object]]:
    grants: list[dict[str, object]] = []
    for funder in as_list(work.get("funder")):
        if not isinstance(funder, Mapping):
            continue
        agency = funder.get("name") if isinstance(funder.get("name"), str) else None
        given = funder.get("award")
        # Crossref gives a list; a bare string is one award, not one award per character.
        awards = [award for award in ([given] if isinstance(given, str) else as_list(given)) if isinstance(award, str) and award.strip()]
        grants.extend({"agency": agency, "id": award} for award in awards)
        if not awards and agency:
            grants.append({"agency": agency})
    return grants


def work_fields(work: Mapping[str, object]) -> dict[str, object]:
    """Publication fields from one Crossref work object (also the shape of Crossref-made CSL-JSON)."""
    first, last = split_pages(as_text(work.get("page")))
    if not first:
        first = as_text(work.get("article-number"))
    subject = work.get("subject")
    # Crossref gives a list; a bare string is one subject, not one keyword per character.
    subjects = [subject] if isinstance(subject, str) else as_list(subject)
    references = [cited_work_fields(ref) for ref in as_list(work.get("reference")) if isinstance(ref, Mapping)]
    abstract = work.get("abstract")
    return {
        "doi": work.get("DOI"),
        "title": first_text(work.get("title")),
        "abstract": abstract_sections(abstract) if isinstance(abstract, str) else None,
        "authors": _authors(work),
        "journal": _journal(work),
        "volume": as_text(work.get("volume")),
        "issue": as_text(work.get("issue")),
        "first_page": first,
        "last_page": last,
        "date": _date(work),
        "publication_types": [type_label(work.get("type"))] if type_label(work.get("type")) else None,
        "keywords": [strip_markup(s) for s in subjects if isinstance(s, str) and strip_markup(s)],
        "registry_ids": _trial_ids(work),
        "language": as_text(work.get("language")),
        "grants": _grants(work),
        "references": [ref for ref in references if ref],
    }


def _works(data: object) -> Iterator[tuple[str, object]]:
    """``(location, work)`` pairs from any accepted shape."""
    if isinstance(data, list):
        for index, item in enumerate(data, start=1):
            for where, work in _works(item):
                yield (f"item {index}" if where == "work" else f"item {index} {where}"), work
        return
    if isinstance(data, Mapping) and "message" in data:
        message = data["message"]
        if data.get("message-type") == "work-list" or (isinstance(message, Mapping) and "items" in message):
            items = message.get("items") if isinstance(message, Mapping) else None
            for index, item in enumerate(items or [], start=1):
                yield f"record {index}", item
            return
        yield "work", message
        return
    yield "work", data


def parse_crossref(data: object, origin: str) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per Crossref work in ``data``.

    ``data`` is a ``/works/{doi}`` response, a work-list response, a bare work, or a list of
    these. ``origin`` names the input in locations, e.g. ``"works.json record 3 (DOI 10.1/x)"``.
    """
    for where, work in _works(data):
        if not isinstance(work, Mapping):
            yield ParsedRecord(f"{origin} {where}", None, (("", f"expected a Crossref work object, got {type(work).__name__}"),))
            continue
        doi = work.get("DOI")
        location = f"{origin} {where}" + (f" (DOI {doi})" if isinstance(doi, str) else "")
        yield build_record(location, work_fields(work))


def read_crossref(path: str | Path) -> Iterator[ParsedRecord]:
    """Read a Crossref JSON file (see :func:`parse_crossref`).

    The file is read at once, so invalid JSON raises :class:`InputFileError` here, before any record.
    """
    data = load_json(path)
    if isinstance(data, Mapping) and data.get("status") not in (None, "ok"):
        raise InputFileError(str(path), [("status", f"Crossref answered {data.get('status')!r}: {data.get('message')!r}")])
    return parse_crossref(data, Path(path).name)
