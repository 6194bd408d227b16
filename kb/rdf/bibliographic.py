"""Publications, journals and authors to triples (FaBiO, PRISM, DCTERMS, BIBO, FOAF)."""

from __future__ import annotations

import pyoxigraph as ox

from kb.models import Author, Journal, Publication
from kb.namespaces import BIBO, DCTERMS, FABIO, FOAF, FRBR, PRISM, RDF, TEKB
from kb.rdf.context import MappingContext
from kb.rdf.terms import optional_string, iri, partial_date, string

__all__ = ["add_publication"]

_RDF_MEMBER = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_"


def add_publication(context: MappingContext, publication: Publication) -> ox.NamedNode:
    """Describe ``publication`` (with its journal and ordered authors); return its node."""
    add = context.add
    node = iri(context.iris.publication(publication))
    add(node, RDF.type, iri(FABIO.JournalArticle))
    add(node, DCTERMS.title, optional_string(publication.title))
    add(node, PRISM.doi, optional_string(publication.doi))
    add(node, FABIO.hasPubMedId, optional_string(publication.pmid))
    add(node, FABIO.hasPubMedCentralId, optional_string(publication.pmcid))
    add(node, PRISM.volume, optional_string(publication.volume))
    add(node, PRISM.issueIdentifier, optional_string(publication.issue))
    add(node, PRISM.startingPage, optional_string(publication.first_page))
    add(node, PRISM.endingPage, optional_string(publication.last_page))
    add(node, PRISM.pageRange, optional_string(publication.pages))
    if publication.date:
        add(node, PRISM.publicationDate, partial_date(publication.date))
        add(node, FABIO.hasPublicationYear, partial_date(publication.date[:4]))
    if publication.abstract:
        text = "\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in publication.abstract)
        add(node, DCTERMS.abstract, string(text))
    for value in publication.publication_types:
        add(node, TEKB.publicationType, string(value))
    for value in publication.keywords:
        add(node, PRISM.keyword, string(value))
    for heading in publication.mesh_headings:
        add(node, DCTERMS.subject, string(heading.descriptor))
    add(node, DCTERMS.language, optional_string(publication.language))
    for nct in publication.registry_ids:
        add(node, TEKB.registryId, string(nct))
    if publication.journal:
        add(node, FRBR.partOf, _add_journal(context, publication.journal))
    if publication.authors:
        author_list = iri(context.iris.author_list(publication))
        add(node, BIBO.authorList, author_list)
        add(author_list, RDF.type, iri(RDF.Seq))
        for position, author in enumerate(publication.authors, start=1):
            person = _add_author(context, author)
            add(author_list, f"{_RDF_MEMBER}{position}", person)
            add(node, DCTERMS.creator, person)
    return node


def _add_journal(context: MappingContext, journal: Journal) -> ox.NamedNode:
    add = context.add
    node = iri(context.iris.journal(journal))
    add(node, RDF.type, iri(FABIO.Journal))
    add(node, DCTERMS.title, string(journal.title))
    add(node, FABIO.hasNLMJournalTitleAbbreviation, optional_string(journal.iso_abbreviation))
    add(node, PRISM.issn, optional_string(journal.issn_print))
    add(node, PRISM.eIssn, optional_string(journal.issn_electronic))
    add(node, FABIO.hasIssnL, optional_string(journal.issn_linking))
    add(node, FABIO.hasNationalLibraryOfMedicineJournalId, optional_string(journal.nlm_id))
    add(node, DCTERMS.publisher, optional_string(journal.publisher))
    return node


def _add_author(context: MappingContext, author: Author) -> ox.NamedNode:
    add = context.add
    node = iri(context.iris.person(author))
    if author.collective:
        add(node, RDF.type, iri(FOAF.Organization))
        add(node, FOAF.name, string(author.collective))
        return node
    add(node, RDF.type, iri(FOAF.Person))
    add(node, FOAF.name, string(" ".join(part for part in (author.given, author.family) if part)))
    add(node, FOAF.familyName, optional_string(author.family))
    add(node, FOAF.givenName, optional_string(author.given))
    add(node, TEKB.initials, optional_string(author.initials))
    return node

