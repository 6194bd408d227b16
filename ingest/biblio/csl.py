"""CSL-JSON (citeproc JSON, as Zotero, Manubot and doi.org content negotiation write it) to publications.

>>> item = {"type": "article-journal", "title": "Sci-Hub", "DOI": "10.7554/eLife.32822", "PMID": "29424689",
...         "author": [{"family": "Himmelstein", "given": "Daniel S"}], "issued": {"date-parts": [["2018", 3]]}}
>>> record = next(parse_csl(item, "example"))
>>> record.publication.pmid, record.publication.authors[0].initials, record.publication.date
('29424689', 'DS', '2018-03')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ingest.biblio.crossref import (
    CSL_TYPES, as_list, as_text, author_fields, cited_work_fields, first_text, load_json, type_label, type_problems,
)
from ingest.biblio.records import ParsedRecord, guarded
from ingest.biblio.text import abstract_sections, build_record, date_from_parts, issns_in, split_pages, strip_markup, untyped_journal
from kb.errors import InputFileError

__all__ = ["parse_csl", "read_csl", "csl_fields"]

# CSL types whose container is a serial (a Journal in the model).
_SERIAL_TYPES = frozenset({"article-journal", "article", "article-magazine", "article-newspaper", "paper-conference", "journal-article"})


def _issns(value: object) -> list[str]:
    return issns_in(value if isinstance(value, list) else [value], strict=True)


def _journal(item: Mapping[str, object]) -> dict[str, object] | None:
    title = first_text(item.get("container-title"))
    issns = _issns(item.get("ISSN"))
    if not title or not (issns or item.get("type") in _SERIAL_TYPES):
        return None
    short = first_text(item.get("container-title-short") or item.get("journalAbbreviation"))
    return untyped_journal(title, short, issns, as_text(item.get("publisher")))


def _keywords(value: object) -> list[str]:
    if isinstance(value, list):
        words = [strip_markup(word) for word in value if isinstance(word, str)]
    elif isinstance(value, str):
        words = [strip_markup(word) for word in value.replace(";", ",").split(",")]
    else:
        words = []
    return [word for word in words if word]


def csl_fields(item: Mapping[str, object], problems: list[tuple[str, str]] | None = None) -> dict[str, object]:
    """Publication fields from one CSL-JSON item; ``problems`` receives each value dropped on the way."""
    first, last = split_pages(as_text(item.get("page")))
    people = [person for person in as_list(item.get("author")) if isinstance(person, Mapping)]
    references = [cited_work_fields(ref) for ref in as_list(item.get("reference")) if isinstance(ref, Mapping)]
    abstract = item.get("abstract")
    date = None
    for key in ("issued", "published-print", "published-online"):
        date = date_from_parts(item.get(key), problems=problems, path=key)
        if date:
            break
    return {
        "doi": item.get("DOI"),
        "pmid": item.get("PMID"),
        "pmcid": item.get("PMCID"),
        "title": first_text(item.get("title")),
        "abstract": abstract_sections(abstract) if isinstance(abstract, str) else None,
        "authors": [author_fields(person) for person in people],
        "journal": _journal(item),
        "volume": as_text(item.get("volume")),
        "issue": as_text(item.get("issue")),
        "first_page": first,
        "last_page": last,
        "date": date,
        "publication_types": [type_label(item.get("type"))] if type_label(item.get("type")) else None,
        "keywords": _keywords(item.get("keyword")),
        "language": as_text(item.get("language")),
        "references": [ref for ref in references if ref],
    }


def parse_csl(data: object, origin: str) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per CSL-JSON item in ``data`` (one item or a list of items)."""
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items, start=1):
        where = f"{origin} item {index}"
        if not isinstance(item, Mapping):
            yield ParsedRecord(where, None, (("", f"expected a CSL-JSON object, got {type(item).__name__}"),))
            continue
        if as_text(item.get("DOI")):
            location = f"{where} (DOI {as_text(item.get('DOI'))})"
        elif as_text(item.get("id")):
            location = f"{where} (id {as_text(item.get('id'))})"
        else:
            location = where
        yield guarded(location, lambda: _item_record(location, item))


def _item_record(location: str, item: Mapping[str, object]) -> ParsedRecord:
    fatal, problems = type_problems(item, CSL_TYPES)
    if fatal:
        return ParsedRecord(location, None, tuple(fatal + problems))
    fields = csl_fields(item, problems)
    return build_record(location, fields, problems)


def read_csl(path: str | Path) -> Iterator[ParsedRecord]:
    """Read a CSL-JSON file (see :func:`parse_csl`).

    The file is read at once, so invalid JSON raises :class:`InputFileError` here, before any record.
    """
    data = load_json(path)
    if not isinstance(data, (list, Mapping)):
        raise InputFileError(str(path), [("", f"expected a CSL-JSON item or a list of items, got {type(data).__name__}")])
    return parse_csl(data, Path(path).name)
