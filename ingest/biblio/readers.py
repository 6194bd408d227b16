"""The bibliographic readers the ``kb`` command finds through entry points.

Each record of a PubMed, MEDLINE, Crossref, CSL-JSON, BibTeX or RIS file becomes one
source (one named graph): a document holding only its publication, with the source
kind that decides which values a merged record prefers (``queries/publication.rq``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from kb.models import ExtractionMethod, FindingsDocument, Publication, SourceInfo, SourceKind
from kb.readers import ReadNote, SkippedRecord
from ingest.biblio.records import ParsedRecord, problems_of

__all__ = [
    "source_id_for",
    "document_for",
    "documents_from",
    "BibliographicReader",
    "PubmedReader",
    "MedlineReader",
    "CrossrefReader",
    "CslReader",
    "BibtexReader",
    "RisReader",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def source_id_for(kind: SourceKind, publication: Publication) -> str:
    """A stable, readable source id: the kind and the DOI, else PMID, PMCID or a title digest.

    The same record from the same kind of source gets the same id, so re-ingesting it
    replaces its graph instead of adding a second one.

    >>> source_id_for(SourceKind.crossref, Publication(doi="10.1000/XYZ123"))
    'crossref-doi-10.1000_xyz123'
    >>> source_id_for(SourceKind.pubmed, Publication(pmid="12345678", doi="10.1000/xyz123"))
    'pubmed-pmid-12345678'
    >>> source_id_for(SourceKind.ris, Publication(doi="10.1002/(SICI)1097-0258"))
    'ris-doi-10.1002__sici_1097-0258-...'
    """
    # PubMed and MEDLINE records always have a PMID; it is their own id.
    if kind in (SourceKind.pubmed, SourceKind.medline) and publication.pmid:
        label = f"pmid-{publication.pmid}"
    elif publication.doi:
        label = f"doi-{publication.doi}"
    elif publication.pmid:
        label = f"pmid-{publication.pmid}"
    elif publication.pmcid:
        label = f"pmc-{publication.pmcid}"
    else:
        label = "title-" + hashlib.sha256((publication.title or "").casefold().encode("utf-8")).hexdigest()[:16]
    safe = _UNSAFE.sub("_", label.replace("/", "_"))
    if safe != label.replace("/", "_") or len(safe) > 100:
        # Characters were replaced (or the id is long): a digest of the original keeps ids distinct.
        safe = f"{safe[:80]}-{hashlib.sha256(label.encode('utf-8')).hexdigest()[:10]}"
    return f"{kind.value}-{safe}"


def document_for(kind: SourceKind, publication: Publication) -> FindingsDocument:
    """The one-source document of a bibliographic record."""
    source = SourceInfo(
        id=source_id_for(kind, publication),
        kind=kind,
        publication=publication,
        method=ExtractionMethod.bibliographic_import,
    )
    return FindingsDocument(source=source)


def documents_from(
    kind: SourceKind, records: Iterable[ParsedRecord], origin: str
) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
    """Documents for the records that parsed; a :class:`SkippedRecord` for each that did not.

    A record that parsed but lost a value (say an ORCID with a bad check digit) also gives
    a :class:`ReadNote` per problem, so nothing is dropped silently.
    """
    for record in records:
        if record.publication is None:
            yield SkippedRecord(f"{origin}: {record.location}", record.problems or (("", "record could not be read"),))
            continue
        for where, what in record.problems:
            yield ReadNote(f"{origin}: {record.location}", f"{where}: {what}" if where else what)
        try:
            yield document_for(kind, record.publication)
        except ValidationError as error:
            yield SkippedRecord(f"{origin}: {record.location}", problems_of(error))


class BibliographicReader:
    """A reader of one bibliographic file format (see the subclasses)."""

    name: str
    summary: str
    kind: SourceKind

    def parse(self, path: Path) -> Iterable[ParsedRecord]:
        """The file's records; raise InputFileError when the file as a whole cannot be read."""
        raise NotImplementedError

    def read(self, path: Path) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """One document per record of ``path``; a SkippedRecord for each bad one."""
        yield from documents_from(self.kind, self.parse(path), str(path))


def _reader(name: str, kind: SourceKind, summary: str, parse: Callable[[Path], Iterable[ParsedRecord]]) -> type[BibliographicReader]:
    def parse_file(self: BibliographicReader, path: Path) -> Iterable[ParsedRecord]:
        return parse(path)

    return type(
        f"{name.capitalize()}Reader",
        (BibliographicReader,),
        {"name": name, "kind": kind, "summary": summary, "parse": parse_file, "__doc__": f"The ``{name}`` reader: {summary}."},
    )


# Parsers are imported when a reader is used, so one missing optional parser cannot break the others.
def _pubmed(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.pubmed_xml import read_pubmed_xml

    return read_pubmed_xml(path)


def _medline(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.medline import read_medline

    return read_medline(path)


def _crossref(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.crossref import read_crossref

    return read_crossref(path)


def _csl(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.csl import read_csl

    return read_csl(path)


def _bibtex(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.bibtex import read_bibtex

    return read_bibtex(path)


def _ris(path: Path) -> Iterable[ParsedRecord]:
    from ingest.biblio.ris import read_ris

    return read_ris(path)


PubmedReader = _reader("pubmed", SourceKind.pubmed, "PubMed XML (PubmedArticleSet, plain or .gz), streamed", _pubmed)
MedlineReader = _reader("medline", SourceKind.medline, "MEDLINE / .nbib text exported from PubMed", _medline)
CrossrefReader = _reader("crossref", SourceKind.crossref, "saved Crossref REST /works responses (one work or a list)", _crossref)
CslReader = _reader("csl", SourceKind.csl, "CSL-JSON (Zotero, Mendeley, Crossref content negotiation)", _csl)
BibtexReader = _reader("bibtex", SourceKind.bibtex, "BibTeX / BibLaTeX (Zotero, JabRef, Crossref)", _bibtex)
RisReader = _reader("ris", SourceKind.ris, "RIS (EndNote, Zotero, Mendeley, Scopus, Web of Science)", _ris)
