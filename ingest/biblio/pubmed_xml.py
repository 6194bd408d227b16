"""PubMed XML (``PubmedArticleSet``, plain or gzipped, or an efetch body) to publications.

The file is streamed with :func:`lxml.etree.iterparse`: each ``PubmedArticle`` (or
``PubmedBookArticle``) is turned into a :class:`~kb.models.Publication` and then cleared with
the siblings before it, so memory stays bounded however many records the file holds.

Security: entities are never resolved, no DTD is loaded, nothing is fetched from the network,
and a document whose DOCTYPE carries an internal subset (where entities are declared: the
"billion laughs" and external-entity attacks) is refused with :class:`~kb.errors.InputFileError`
before any record is read. PubMed's own files only name the public NLM DTD.

Bad values, one rule: an optional value that an identifier validator rejects (an ISSN, an
author's ORCID, a DOI, a PMCID, an NCT id, a cited work's PMID/DOI, an NLM id, a MeSH UI, a
date) is **dropped, and the record keeps going** with a ``(field path, message)`` problem in
:attr:`ParsedRecord.problems`, e.g. ``("authors.2.orcid", "malformed ORCID ...")``. A record
that cannot be a publication at all (its own PMID malformed, nothing to identify it) gives
``ParsedRecord(location, None, problems)``. Either way the next record is read.

A file that breaks off (truncated, not XML) raises :class:`~kb.errors.InputFileError` naming
the file and line when the break is reached; records before it have been yielded already.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import ValidationError

# The per-element parsers and the shared value helpers live in ingest.biblio.pubmed_elements;
# the public helpers stay importable from here, as they always were.
from ingest.biblio.pubmed_elements import (
    _abstract,
    _article_ids,
    _authors,
    _grants,
    _itertext,
    _journal,
    _keywords,
    _mesh,
    _pub_date,
    _references,
    _registry_ids,
    _text,
    _Values,
    clean_text,
    expand_pages,
    month_number,
    parse_medline_date,
)
from ingest.biblio.records import ParsedRecord, guarded, problems_of
from ingest.biblio.updates import pubmed_updates
from kb.errors import InputFileError
from kb.identifiers import normalize_doi, normalize_pmcid
from kb.models import Publication

__all__ = ["read_pubmed_xml", "parse_pubmed_xml", "expand_pages", "parse_medline_date", "month_number", "clean_text"]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_ROOT_TAGS = ("PubmedArticleSet", "PubmedBookArticleSet")
_GZIP_MAGIC = b"\x1f\x8b"


# --- one record -------------------------------------------------------------------------

def _publication(record: Any, values: _Values) -> dict[str, Any]:
    """The fields of one PubmedArticle or PubmedBookArticle, ready for :class:`Publication`."""
    book = record.tag == "PubmedBookArticle"
    citation = record.find("BookDocument" if book else "MedlineCitation")
    if citation is None:
        citation = etree.Element("MedlineCitation")
    data = record.find("PubmedBookData" if book else "PubmedData")
    article = citation if book else citation.find("Article")
    if article is None:
        article = etree.Element("Article")
    ids = data.findall("ArticleIdList/ArticleId") if data is not None else []
    if book:
        ids += citation.findall("ArticleIdList/ArticleId")
    locations = article.findall("ELocationID")
    dois = _article_ids(ids, "doi") + [
        text for node in locations if node.get("EIdType") == "doi" and node.get("ValidYN") != "N" and (text := _itertext(node))]
    pmcids = _article_ids(ids, "pmc")

    pagination = article.find("Pagination")
    first, last = _text(pagination, "StartPage"), _text(pagination, "EndPage")
    if not first:
        first, last = expand_pages(_text(pagination, "MedlinePgn"))
    journal_issue = article.find("Journal/JournalIssue")
    # Before the fields below, so its problems are listed in the order they always were.
    registry_ids = _registry_ids(article, values)
    return {
        "pmid": _text(citation, "PMID"),  # the record's own id: a bad one fails the record
        "doi": values.check(normalize_doi, dois[0], "doi") if dois else None,
        "pmcid": values.check(normalize_pmcid, pmcids[0], "pmcid") if pmcids else None,
        "title": _text(article, "ArticleTitle") or (_text(article, "Book/BookTitle") if book else None),
        "abstract": _abstract(article.find("Abstract")),
        "authors": _authors(article.findall("AuthorList/Author"), values),
        "journal": None if book else _journal(citation, article, values),
        "volume": _text(journal_issue, "Volume"),
        "issue": _text(journal_issue, "Issue"),
        "first_page": first,
        "last_page": last,
        "date": _pub_date(article, values),
        "language": _text(article, "Language"),
        "publication_types": tuple(t for t in (_itertext(n) for n in article.findall("PublicationTypeList/PublicationType")) if t),
        "mesh_headings": _mesh(citation, values),
        "keywords": tuple(_keywords(citation)),
        "registry_ids": tuple(registry_ids),
        "grants": _grants(article),
        "references": _references(data, values),
        "updates": pubmed_updates(citation, values),
    }


def _parse_record(record: Any, number: int) -> ParsedRecord:
    pmid = _text(record, "MedlineCitation/PMID") or _text(record, "BookDocument/PMID")
    location = f"record {number}" + (f" (PMID {pmid})" if pmid else "") + f", line {record.sourceline}"
    values = _Values()
    fields = _publication(record, values)
    try:
        publication = Publication(**fields)
    except ValidationError as error:
        return ParsedRecord(location, None, tuple(values.problems) + problems_of(error))
    return ParsedRecord(location, publication, tuple(values.problems))


# --- the stream -------------------------------------------------------------------------

def _check_doctype(element: Any, origin: str) -> None:
    # libxml2 keeps every DOCTYPE as an "internal" DTD node, so look at what it declares.
    dtd = element.getroottree().docinfo.internalDTD
    entities = [entity.name for entity in dtd.entities()] if dtd is not None else []
    if entities:
        shown = ", ".join(entities[:5]) + (", ..." if len(entities) > 5 else "")
        raise InputFileError(origin, [(f"line {element.sourceline}", f"refused: the DOCTYPE declares entities ({shown}); PubMed XML never does")])


def _iter_records(source: io.BufferedIOBase, origin: str) -> Iterator[ParsedRecord]:
    events = etree.iterparse(
        source,
        events=("start", "end"),
        tag=_ROOT_TAGS + _RECORD_TAGS + ("eFetchResult", "ERROR"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    number = 0
    root_seen = False
    try:
        for event, element in events:
            if not root_seen:
                root_seen = True
                _check_doctype(element, origin)
                if element.tag not in _ROOT_TAGS + ("eFetchResult",):
                    raise InputFileError(origin, [(f"line {element.sourceline}", f"expected a PubmedArticleSet, found <{element.tag}>")])
            if element.tag == "ERROR" and event == "end":  # efetch's error body: say what NCBI said
                raise InputFileError(origin, [(f"line {element.sourceline}", f"E-utilities error: {_itertext(element)}")])
            if event != "end" or element.tag not in _RECORD_TAGS:
                continue
            number += 1
            yield guarded(f"record {number}, line {element.sourceline}", lambda: _parse_record(element, number))
            # Free the record and everything before it: this is what keeps memory flat.
            element.clear(keep_tail=True)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else None)
        raise InputFileError(origin, [(f"line {line}" if line else "", f"not well-formed XML: {error.msg}")]) from None
    except (EOFError, OSError, zlib.error) as error:
        raise InputFileError(origin, [("", f"cannot read: {error}")]) from None
    root = events.root
    if not root_seen or root.tag not in _ROOT_TAGS:
        if root is not None:
            _check_doctype(root, origin)
        raise InputFileError(origin, [("line 1", f"expected a PubmedArticleSet, found <{root.tag if root is not None else '?'}>")])


def read_pubmed_xml(path: Path) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per article of a PubmedArticleSet file, plain or gzipped.

    Gzip is recognised by its magic bytes, whatever the file is called. Raises
    :class:`~kb.errors.InputFileError` (file and line) when the file is not well-formed XML,
    is not a PubmedArticleSet, or declares entities.
    """
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as error:
        raise InputFileError(str(path), [("", f"cannot open: {error.strerror or error}")]) from None
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield from _iter_records(unzipped, str(path))
        else:
            yield from _iter_records(raw, str(path))


def parse_pubmed_xml(data: bytes, origin: str) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per article of an efetch response body (``retmode=xml``).

    ``origin`` names the body in errors, e.g. the request URL or ``"efetch 12345,67890"``.
    A gzipped body is unpacked.
    """
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as error:
            raise InputFileError(origin, [("", f"cannot read gzip data: {error}")]) from None
    yield from _iter_records(io.BytesIO(data), origin)
