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

from ingest.biblio.records import ParsedRecord, guarded
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
from ingest.biblio.updates import crossref_updates
from kb.errors import IdentifierError, InputFileError, cap
from kb.identifiers import normalize_nct

__all__ = [
    "parse_crossref", "read_crossref", "load_json", "as_list", "as_text", "work_fields", "author_fields", "cited_work_fields",
    "first_text", "type_label", "type_problems", "WORK_TYPES", "CSL_TYPES",
]

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


# What the fields a work (or CSL item) is read from must be. A value of another type cannot be
# read: it is dropped with a note, and when it is the title or the authors the record fails
# (a record without them must not replace a stored one that has them).
_TEXT, _NUMBER_OR_TEXT, _TEXTS, _LIST, _OBJECT = "a text", "a text or a number", "a text or a list of texts", "a list", "an object"
WORK_TYPES: dict[str, str] = {
    "title": _TEXTS, "author": _LIST, "container-title": _TEXTS, "short-container-title": _TEXTS,
    "container-title-short": _TEXTS, "journalAbbreviation": _TEXTS, "abstract": _TEXT, "volume": _NUMBER_OR_TEXT,
    "issue": _NUMBER_OR_TEXT, "page": _NUMBER_OR_TEXT, "article-number": _NUMBER_OR_TEXT, "type": _TEXT,
    "subject": _TEXTS, "keyword": _TEXTS, "reference": _LIST, "funder": _LIST, "clinical-trial-number": _LIST,
    "issn-type": _LIST, "ISSN": _TEXTS, "publisher": _TEXT, "language": _TEXT,
    "update-to": _LIST, "updated-by": _LIST,
}
#: A CSL item's title is one text (Crossref's is a list): a list there is of the wrong type.
CSL_TYPES: dict[str, str] = {**WORK_TYPES, "title": _TEXT}
#: Fields whose loss fails the record.
VITAL = frozenset({"title", "author"})


def _is(value: object, kind: str) -> bool:
    if kind == _TEXT:
        return isinstance(value, str)
    if kind == _NUMBER_OR_TEXT:
        return isinstance(value, (str, int)) and not isinstance(value, bool)
    if kind == _TEXTS:
        return isinstance(value, (str, list))
    return isinstance(value, list) if kind == _LIST else isinstance(value, Mapping)


def _person_problems(index: int, person: object) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(fatal, notes) for one entry of an author list."""
    where = f"author[{index}]"
    if not isinstance(person, Mapping):
        return [(where, f"expected a person object, got {type(person).__name__}; the record's authors cannot be read")], []
    fatal: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    for key in ("family", "name", "literal", "given", "ORCID"):
        value = person.get(key)
        if value is not None and not isinstance(value, str):
            message = f"expected a text, got {type(value).__name__}"
            if key == "given":
                notes.append((f"{where}.given", f"{message}; value dropped"))
            elif key == "ORCID":
                notes.append((f"{where}.ORCID", f"{message}; value dropped"))
            else:
                fatal.append((f"{where}.{key}", f"{message}; the author's name cannot be read"))
    return fatal, notes


def type_problems(item: Mapping[str, object], types: Mapping[str, str] = WORK_TYPES) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(fatal, notes)``: the fields of ``item`` whose type cannot be read, as ``(field, message)``.

    A wrong-typed title or author list (or an author entry) is fatal: the record fails. Any
    other wrong-typed field is a note: its value is dropped and the record loads without it.

    >>> type_problems({"title": 5, "volume": [1]})
    ([('title', 'expected a text or a list of texts, got int; the record fails without it')], [('volume', 'expected a text or a number, got list; value dropped')])
    """
    fatal: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    for key, kind in types.items():
        value = item.get(key)
        if value is None:
            continue
        if not _is(value, kind):
            if key in VITAL:
                fatal.append((key, f"expected {kind}, got {type(value).__name__}; the record fails without it"))
            else:
                notes.append((key, f"expected {kind}, got {type(value).__name__}; value dropped"))
            continue
        if key == "title" and isinstance(value, list) and value and not any(isinstance(t, str) and t.strip() for t in value):
            fatal.append((key, f"no text in {cap(repr(value), 60)}; the record fails without a title"))
        elif key == "author" and isinstance(value, list):
            for index, person in enumerate(value):
                person_fatal, person_notes = _person_problems(index, person)
                fatal.extend(person_fatal)
                notes.extend(person_notes)
        elif kind == _LIST and isinstance(value, list):
            wrong = sum(1 for entry in value if not isinstance(entry, Mapping))
            if wrong:
                notes.append((key, f"{wrong} of {len(value)} entries are not objects; dropped"))
    return fatal, notes


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
    except ValueError as error:  # an integer past Python's digit limit for int()
        raise InputFileError(str(path), [("", f"unreadable JSON: {cap(str(error))}")]) from None
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


def _date(work: Mapping[str, object], problems: list[tuple[str, str]] | None = None) -> str | None:
    # 'issued' is Crossref's earliest of print and online publication; the others are fallbacks.
    # Not 'created': that is when the DOI was registered, not when the work appeared.
    for key in ("issued", "published-print", "published-online", "published"):
        found = date_from_parts(work.get(key), problems=problems, path=key)
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


def work_fields(work: Mapping[str, object], problems: list[tuple[str, str]] | None = None) -> dict[str, object]:
    """Publication fields from one Crossref work object (also the shape of Crossref-made CSL-JSON).

    ``problems``, when given, receives a ``(field, message)`` for each value dropped on the way.
    """
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
        "date": _date(work, problems),
        "publication_types": [type_label(work.get("type"))] if type_label(work.get("type")) else None,
        "keywords": [strip_markup(s) for s in subjects if isinstance(s, str) and strip_markup(s)],
        "registry_ids": _trial_ids(work),
        "language": as_text(work.get("language")),
        "grants": _grants(work),
        "references": [ref for ref in references if ref],
        "updates": crossref_updates(work, problems),
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
        location = f"{origin} {where}" + (f" (DOI {cap(doi, 80)})" if isinstance(doi, str) else "")
        yield guarded(location, lambda: _work_record(location, work))


def _work_record(location: str, work: Mapping[str, object]) -> ParsedRecord:
    fatal, problems = type_problems(work)
    if fatal:
        return ParsedRecord(location, None, tuple(fatal + problems))
    fields = work_fields(work, problems)
    return build_record(location, fields, problems)


def read_crossref(path: str | Path) -> Iterator[ParsedRecord]:
    """Read a Crossref JSON file (see :func:`parse_crossref`).

    The file is read at once, so invalid JSON raises :class:`InputFileError` here, before any record.
    """
    data = load_json(path)
    if isinstance(data, Mapping) and data.get("status") not in (None, "ok"):
        raise InputFileError(str(path), [("status", f"Crossref answered {data.get('status')!r}: {data.get('message')!r}")])
    return parse_crossref(data, Path(path).name)
