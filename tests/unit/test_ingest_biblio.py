"""Bibliographic ingestion: records of one article from several sources merge into one node.
"""

from __future__ import annotations


from kb.ingestion import load_documents
from kb.models import Publication, SourceKind
from kb.query import publication as publication_query
from kb.rdf import IriScheme
from kb.store import KBStore
from kb.vocab import get_vocabulary
from ingest.biblio.readers import document_for
from tests.conftest import DATA_DIR

DATA = DATA_DIR
HTTP = DATA / "http"


def test_a_record_without_doi_joins_the_node_its_pmid_names() -> None:
    store = KBStore.memory()
    iris, vocabulary = IriScheme(), get_vocabulary()
    with_doi = document_for(SourceKind.pubmed, Publication(doi="10.5555/merge.1", pmid="10000009", title="Merged"))
    pmid_only = document_for(SourceKind.medline, Publication(pmid="10000009", title="Merged (MEDLINE)"))
    doi_only = document_for(SourceKind.ris, Publication(doi="10.5555/MERGE.1", title="Merged (RIS)"))
    report = load_documents(store, [(None, with_doi), (None, pmid_only), (None, doi_only)], iris=iris, vocabulary=vocabulary)
    assert report.ok and len(report.loaded) == 3
    rows = publication_query(store, pmid="10000009")
    assert {row.publication for row in rows} == {"https://doi.org/10.5555/merge.1"}
    assert rows[0].title == "Merged"  # pubmed outranks medline and ris
    assert set(rows[0].sources.split()) == {s.source_id for s in report.loaded}
