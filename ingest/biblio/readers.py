"""The bibliographic readers the ``kb`` command finds through entry points.

Each record of a PubMed, MEDLINE, Crossref, CSL-JSON, BibTeX or RIS file becomes one
source (one named graph): a document holding only its publication, with the source
kind that decides which values a merged record prefers (``queries/publication.rq``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib import import_module
from pathlib import Path

from pydantic import ValidationError

from kb.models import ExtractionMethod, FindingsDocument, Publication, SourceInfo, SourceKind
from kb.models.source_ids import publication_label
from kb.readers import ConceptResolver, ReadNote, SkippedRecord
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
    label = publication_label(publication, pmid_first=kind in (SourceKind.pubmed, SourceKind.medline))
    return f"{kind.value}-{label}"


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
    """A reader of one bibliographic file format (see the subclasses).

    ``parser`` names the parse function as ``module:function``; it is imported when the
    reader is first used, so listing the readers does not import every parser library.
    """

    name: str
    summary: str
    kind: SourceKind
    parser: str

    def parse(self, path: Path) -> Iterable[ParsedRecord]:
        """The file's records; raise InputFileError when the file as a whole cannot be read."""
        module, function = self.parser.split(":")
        return getattr(import_module(module), function)(path)

    def read(self, path: Path, *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """One document per record of ``path``; a SkippedRecord for each bad one."""
        yield from documents_from(self.kind, self.parse(path), str(path))


class PubmedReader(BibliographicReader):
    """The ``pubmed`` reader."""

    name, kind, parser = "pubmed", SourceKind.pubmed, "ingest.biblio.pubmed_xml:read_pubmed_xml"
    summary = "PubMed XML (PubmedArticleSet, plain or .gz), streamed"


class MedlineReader(BibliographicReader):
    """The ``medline`` reader."""

    name, kind, parser = "medline", SourceKind.medline, "ingest.biblio.medline:read_medline"
    summary = "MEDLINE / .nbib text exported from PubMed"


class CrossrefReader(BibliographicReader):
    """The ``crossref`` reader."""

    name, kind, parser = "crossref", SourceKind.crossref, "ingest.biblio.crossref:read_crossref"
    summary = "saved Crossref REST /works responses (one work or a list)"


class CslReader(BibliographicReader):
    """The ``csl`` reader."""

    name, kind, parser = "csl", SourceKind.csl, "ingest.biblio.csl:read_csl"
    summary = "CSL-JSON (Zotero, Mendeley, Crossref content negotiation)"


class BibtexReader(BibliographicReader):
    """The ``bibtex`` reader."""

    name, kind, parser = "bibtex", SourceKind.bibtex, "ingest.biblio.bibtex:read_bibtex"
    summary = "BibTeX / BibLaTeX (Zotero, JabRef, Crossref)"


class RisReader(BibliographicReader):
    """The ``ris`` reader."""

    name, kind, parser = "ris", SourceKind.ris, "ingest.biblio.ris:read_ris"
    summary = "RIS (EndNote, Zotero, Mendeley, Scopus, Web of Science)"
