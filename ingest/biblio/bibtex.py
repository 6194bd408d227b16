"""BibTeX and BibLaTeX (Zotero, JabRef, doi.org) to publications, through bibtexparser 2.

bibtexparser splits the file into blocks with their line numbers and keeps going past a
broken block; its middlewares resolve ``@string`` macros, decode LaTeX (``{\\"u}`` -> ü) and
split author lists. Braces are kept through decoding so that a braced collective name
(``{World Health Organization}``) is not split into given and family names.

>>> record = next(parse_bibtex('@article{k, author = {M{\\\\"u}ller, J. and {The XYZ Group}},'
...                           ' title = {The {NF-kB} Trial}, year = 2007, month = nov, pages = {2133--2142}}', "x.bib"))
>>> p = record.publication
>>> record.location, p.title, [a.family or a.collective for a in p.authors], p.date, p.first_page, p.last_page
('x.bib line 1 (key k)', 'The NF-kB Trial', ['Müller', 'The XYZ Group'], '2007-11', '2133', '2142')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.middleware import BlockMiddleware, Middleware
from bibtexparser.middlewares.names import NameParts
from bibtexparser.model import Block, Entry, ParsingFailedBlock

from ingest.biblio.records import ParsedRecord, guarded
from ingest.biblio.text import (
    abstract_sections,
    build_record,
    initials_of,
    issns_in,
    month_number,
    parse_loose_date,
    partial_date,
    split_pages,
    strip_markup,
    valid_doi,
    untyped_journal,
)
from kb.errors import InputFileError, cap

__all__ = ["parse_bibtex", "read_bibtex"]

_TYPE_LABELS = {
    "article": "Journal Article",
    "inproceedings": "Conference Paper",
    "conference": "Conference Paper",
    "incollection": "Book Chapter",
    "inbook": "Book Chapter",
    "book": "Book",
    "phdthesis": "Thesis",
    "mastersthesis": "Thesis",
    "thesis": "Thesis",
    "techreport": "Report",
    "report": "Report",
    "online": "Web Page",
    "misc": "Generic",
    "unpublished": "Manuscript",
}
_SERIAL_TYPES = frozenset({"article", "inproceedings", "conference"})


#: The longest field value decoded from LaTeX. bibtexparser's LaTeX decoding takes time that grows
#: with the square of a field's length (0.25 MB: 19 s; 1 MB: 159 s); no real field comes near this.
MAX_FIELD_LENGTH = 100_000


class _FieldSizeLimit(BlockMiddleware):
    """Turns an entry with an over-long field into a failed block, so it is reported and skipped."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=False)

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        for field in entry.fields:
            value = field.value if isinstance(field.value, str) else ""
            if len(value) > MAX_FIELD_LENGTH:
                error = ValueError(f"field {field.key!r} is {len(value):,} characters long (at most {MAX_FIELD_LENGTH:,})")
                return ParsingFailedBlock(error, start_line=entry.start_line, raw=None, ignore_error_block=entry)
        return entry


def _parse_stack() -> list[Middleware]:
    return [
        _FieldSizeLimit(),
        middlewares.ResolveStringReferencesMiddleware(True),
        middlewares.RemoveEnclosingMiddleware(True),
        middlewares.MonthIntMiddleware(True),
        # Math to text ('$\kappa$' -> 'κ'); braces kept until names are split (see the module docstring).
        middlewares.LatexDecodingMiddleware(True, keep_braced_groups=True, keep_math_mode=False),
        middlewares.SeparateCoAuthors(True),
        middlewares.SplitNameParts(True),
    ]


def _clean(value: object) -> str | None:
    """Field text without grouping braces, markup stripped, white space normalized."""
    if value is None:
        return None
    text = strip_markup(str(value).replace("{", "").replace("}", ""))
    return text or None


def _author(name: NameParts) -> dict[str, object]:
    parts = [*name.first, *name.von, *name.last, *name.jr]
    if len(parts) == 1 and not name.first and parts[0].startswith("{") and parts[0].endswith("}"):
        return {"collective": _clean(parts[0])}
    family = _clean(" ".join([*name.von, *name.last]))
    given = _clean(" ".join(name.first))
    if name.jr:
        family = f"{family} {_clean(' '.join(name.jr))}"
    if not family:
        # 'and others' and similar leave nothing personal; the given part is all there is.
        return {"collective": given} if given else {}
    return {"family": family, "given": given, "initials": initials_of(given)}


def _ids(fields: dict[str, object]) -> dict[str, object]:
    found: dict[str, object] = {"doi": fields.get("doi"), "pmid": fields.get("pmid"), "pmcid": fields.get("pmcid")}
    eprint_type = (_clean(fields.get("eprinttype") or fields.get("archiveprefix")) or "").lower()
    if fields.get("eprint") and eprint_type in ("pubmed", "pmid"):
        found["pmid"] = found["pmid"] or fields["eprint"]
    elif fields.get("eprint") and eprint_type in ("pmc", "pmcid", "pubmedcentral"):
        found["pmcid"] = found["pmcid"] or fields["eprint"]
    url = fields.get("url")
    if not found["doi"] and isinstance(url, str):
        found["doi"] = valid_doi(url) if "doi.org/" in url else None
    return {key: _clean(value) for key, value in found.items()}


def _date(fields: dict[str, object], problems: list[tuple[str, str]] | None = None) -> str | None:
    if fields.get("date"):
        return parse_loose_date(_clean(fields["date"]), problems=problems)
    year = _clean(fields.get("year"))
    match = re.search(r"\d{4}", year or "")
    if not match:
        if year and problems is not None:
            problems.append(("year", f"{cap(year, 40)!r} is not a year; date dropped"))
        return None
    month_text = _clean(fields.get("month"))
    # An unknown month name goes through as text, so partial_date records it as dropped.
    month = month_number(month_text) or month_text
    return partial_date(match.group(), month, _clean(fields.get("day")), problems=problems)


def _journal(kind: str, fields: dict[str, object]) -> dict[str, object] | None:
    title = _clean(fields.get("journaltitle") or fields.get("journal") or (fields.get("booktitle") if kind in _SERIAL_TYPES else None))
    issns = issns_in([_clean(fields.get("issn")) or ""], strict=True)
    if not title or not (issns or kind in _SERIAL_TYPES):
        return None
    short = _clean(fields.get("shortjournal") or fields.get("journalabbr") or fields.get("journal-abbreviation"))
    return untyped_journal(title, short, issns, _clean(fields.get("publisher")))


def entry_fields(entry: Entry, problems: list[tuple[str, str]] | None = None) -> dict[str, object]:
    """Publication fields from one parsed BibTeX entry (field names compared in lower case).

    ``problems`` receives a ``(field, message)`` for each value dropped on the way (a month 13).
    """
    fields = {field.key.lower(): field.value for field in entry.fields}
    kind = entry.entry_type.lower()
    names = fields.get("author")
    authors = [_author(name) for name in names] if isinstance(names, list) else []
    first, last = split_pages(_clean(fields.get("pages")))
    keywords = re.split(r"[,;]", _clean(fields.get("keywords")) or "")
    abstract = fields.get("abstract")
    return {
        **_ids(fields),
        "title": _clean(fields.get("title")),
        "abstract": abstract_sections(_clean(abstract)) if abstract else None,
        "authors": [author for author in authors if author],
        "journal": _journal(kind, fields),
        "volume": _clean(fields.get("volume")),
        "issue": _clean(fields.get("number") or fields.get("issue")),
        "first_page": first,
        "last_page": last,
        "date": _date(fields, problems),
        "publication_types": [_TYPE_LABELS.get(kind, kind.title())],
        "keywords": [word.strip() for word in keywords if word.strip()],
        "language": _clean(fields.get("langid") or fields.get("language")),
    }


def _failure(block: ParsingFailedBlock) -> str:
    error = block.error
    # bibtexparser's exceptions keep their text in attributes, not always in str(error).
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    reasons = getattr(error, "reasons", None)
    if reasons:
        reason = "; ".join(str(item) for item in reasons)
    return " ".join(str(reason).split()) or type(error).__name__


def parse_bibtex(text: str, origin: str, *, source: str | None = None) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per BibTeX entry of ``text``, and one per block that failed to parse.

    ``origin`` names the input in record locations. Text with no entry at all (not BibTeX)
    raises :class:`InputFileError` naming ``source`` (default ``origin``).
    """
    library = bibtexparser.parse_string(text, parse_stack=_parse_stack())
    blocks = [block for block in library.blocks if isinstance(block, (Entry, ParsingFailedBlock))]
    if not blocks:
        line = next((number for number, content in enumerate(text.splitlines(), start=1) if content.strip()), 1)
        raise InputFileError(source or origin, [(f"line {line}", "no BibTeX entry found (expected '@article{key, ...}')")])
    # Blocks come in file order; bibtexparser counts lines from 0.
    for block in sorted(blocks, key=lambda block: block.start_line or 0):
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            entry = block.ignore_error_block
            key = f" (key {entry.key})" if isinstance(entry, Entry) else ""
            yield ParsedRecord(f"{origin} line {line}{key}", None, (("", _failure(block)),))
            continue
        location = f"{origin} line {line} (key {block.key})"
        yield guarded(location, lambda: _entry_record(location, block))


def _entry_record(location: str, entry: Entry) -> ParsedRecord:
    problems: list[tuple[str, str]] = []
    fields = entry_fields(entry, problems)
    return build_record(location, fields, problems)


def read_bibtex(path: str | Path) -> Iterator[ParsedRecord]:
    """Read a BibTeX/BibLaTeX file (see :func:`parse_bibtex`); the file is read and split at once,
    so an unreadable file or one with no entry raises :class:`InputFileError` here."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise InputFileError(str(path), [(f"line {line}", f"not UTF-8 text: {error.reason}")]) from None
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    return iter(list(parse_bibtex(text, Path(path).name, source=str(path))))
