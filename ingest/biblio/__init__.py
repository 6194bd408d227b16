"""Bibliographic importers: PubMed XML, MEDLINE, Crossref, CSL-JSON, BibTeX and RIS to publications.

Each reader yields :class:`~ingest.biblio.records.ParsedRecord` items, one per record of
the input, so that one bad record is reported without stopping the others.
"""
