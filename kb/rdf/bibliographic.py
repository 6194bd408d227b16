"""Publications, journals, authors and registry records to triples (FaBiO, PRISM, DCTERMS, BIBO, FOAF, CiTO)."""

from __future__ import annotations

import pyoxigraph as ox

from kb.models import Author, Journal, Publication, PublicationUpdate, RegistryRecord, UpdateKind
from kb.namespaces import BIBO, CITO, DCTERMS, FABIO, FOAF, FRBR, PRISM, RDF, RDFS, TEKB
from kb.rdf.context import MappingContext
from kb.rdf.iris import IriScheme
from kb.rdf.terms import boolean, integer, iri, optional_string, partial_date, string

__all__ = ["add_publication", "add_registry_record", "abstract_text", "MESH_BASE"]

_RDF_MEMBER = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_"
#: MeSH descriptor IRIs, as NLM publishes them (vocabulary.md: MESH prefix).
MESH_BASE = "http://id.nlm.nih.gov/mesh/"


def add_publication(context: MappingContext, publication: Publication) -> ox.NamedNode:
    """Describe ``publication`` (with its journal and ordered authors); return its node."""
    add = context.add
    node = iri(context.publication_iri(publication))
    # Parts belong to this source's record, not to the publication node other sources share
    # (docs/decisions/0002-iri-scheme.md, amendment 2026-11-30).
    record = context.iris.publication_record(publication)
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
    _add_abstract(context, node, record, publication)
    for value in publication.publication_types:
        add(node, TEKB.publicationType, string(value))
    for value in publication.keywords:
        add(node, PRISM.keyword, string(value))
    _add_mesh_headings(context, node, record, publication)
    _add_grants(context, node, record, publication)
    for cited in publication.references:
        if cited.doi or cited.pmid:
            add(node, CITO.cites, iri(context.iris.publication(Publication(doi=cited.doi, pmid=cited.pmid))))
    add(node, DCTERMS.language, optional_string(publication.language))
    for nct in publication.registry_ids:
        add(node, TEKB.registryId, string(nct))
        # The registry number links the report to the trial node (docs/rdf-mapping.md).
        add(node, TEKB.reportsOn, iri(context.iris.trial_by_registry(nct)))
    if publication.journal:
        add(node, FRBR.partOf, _add_journal(context, publication.journal))
    _add_author_list(context, node, record, publication)
    _add_updates(context, node, record, publication)
    return node


#: The CiTO relation from a notice to the work it updates, where CiTO has one.
_CITO_OF_KIND = {
    UpdateKind.retraction: CITO.retracts,
    UpdateKind.partial_retraction: CITO.retracts,
    UpdateKind.withdrawal: CITO.retracts,
    UpdateKind.removal: CITO.retracts,
    UpdateKind.retracted_and_republished: CITO.retracts,
    UpdateKind.correction: CITO.corrects,
    UpdateKind.corrected_and_republished: CITO.corrects,
}


def _other_work(context: MappingContext, update: PublicationUpdate) -> ox.NamedNode | None:
    """The node of the other side of ``update`` (merged as any publication is), if it is identified."""
    if not (update.doi or update.pmid):
        return None
    return iri(context.publication_iri(Publication(doi=update.doi, pmid=update.pmid)))


def _add_updates(context: MappingContext, node: ox.NamedNode, record: str, publication: Publication) -> None:
    """Retractions, corrections and expressions of concern, and the flag they put on the updated work.

    Each update is a part of this source's record (``R/update/{n}``) naming the updated work and
    the notice; the notice ``cito:retracts`` / ``cito:corrects`` the work. The flag
    ``tekb:retractionStatus`` goes on the work it concerns, in this source's graph: on this
    publication when its record says it is retracted ('Retracted Publication', RetractionIn,
    Crossref's updated-by) or under concern; on the other work when this record is the notice
    (RetractionOf, Crossref's update-to). Templates read the flag with one lookup per row.
    """
    add = context.add
    for status in _own_statuses(publication):
        add(node, TEKB.retractionStatus, string(status))
    for position, update in enumerate(publication.updates, start=1):
        other = _other_work(context, update)
        updated, notice = (node, other) if update.direction == "updated_by" else (other, node)
        part = iri(IriScheme.publication_part(record, "update", position))
        add(node, TEKB.hasUpdate, part)
        add(part, RDF.type, iri(TEKB.PublicationUpdate))
        add(part, TEKB.updateKind, string(update.kind.value))
        add(part, TEKB.updatedWork, updated)
        add(part, TEKB.updatingWork, notice)
        add(part, DCTERMS.bibliographicCitation, optional_string(update.citation))
        add(part, RDFS.comment, optional_string(update.note))
        if update.date:
            add(part, DCTERMS.date, partial_date(update.date))
        add(part, TEKB.assertedBy, optional_string(update.asserted_by))
        relation = _CITO_OF_KIND.get(update.kind)
        if relation is not None and updated is not None and notice is not None:
            add(notice, relation, updated)
        if update.direction == "updates" and updated is not None and update.status is not None:
            add(updated, TEKB.retractionStatus, string(update.status.value))


def _own_statuses(publication: Publication) -> list[str]:
    """Every flag the record puts on itself, most severe first (a paper can be under concern, then retracted)."""
    found = [publication.retraction_status] if publication.retraction_status else []
    found += [u.status for u in publication.updates if u.direction == "updated_by" and u.status is not None]
    return list(dict.fromkeys(status.value for status in found if status is not None))


def abstract_text(publication: Publication) -> str | None:
    r"""The abstract as the KB stores it (``dcterms:abstract``): its sections joined by newlines, each
    labelled one as ``LABEL: text``; None without an abstract. Extraction spans index this text.

    >>> from kb.models import AbstractSection
    >>> abstract_text(Publication(title="t", abstract=(AbstractSection(label="METHODS", text="We ..."), AbstractSection(text="Done."))))
    'METHODS: We ...\nDone.'
    """
    if not publication.abstract:
        return None
    return "\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in publication.abstract)


def _add_abstract(context: MappingContext, node: ox.NamedNode, record: str, publication: Publication) -> None:
    """The abstract as one text, and its labelled sections as parts of this source's record."""
    text = abstract_text(publication)
    if text is None:
        return
    add = context.add
    add(node, DCTERMS.abstract, string(text))
    if len(publication.abstract) == 1 and not publication.abstract[0].label:
        return  # an unstructured abstract has no sections
    for position, section in enumerate(publication.abstract, start=1):
        part = iri(IriScheme.publication_part(record, "abstract", position))
        add(node, TEKB.abstractSection, part)
        add(part, RDF.type, iri(TEKB.AbstractSection))
        add(part, TEKB.position, integer(position))
        add(part, TEKB.sectionLabel, optional_string(section.label))
        add(part, TEKB.sectionCategory, optional_string(section.category))
        add(part, RDF.value, string(section.text))


def _add_mesh_headings(context: MappingContext, node: ox.NamedNode, record: str, publication: Publication) -> None:
    """MeSH headings with their descriptor, qualifiers and major-topic flag."""
    add = context.add
    for position, heading in enumerate(publication.mesh_headings, start=1):
        add(node, DCTERMS.subject, string(heading.descriptor))
        part = iri(IriScheme.publication_part(record, "mesh", position))
        add(node, TEKB.meshHeading, part)
        add(part, RDF.type, iri(TEKB.MeshHeading))
        add(part, RDFS.label, string(heading.descriptor))
        if heading.descriptor_id:
            add(part, TEKB.meshDescriptor, iri(MESH_BASE + heading.descriptor_id))
        add(part, TEKB.majorTopic, boolean(heading.major_topic))
        for qualifier in heading.qualifiers:
            add(part, TEKB.meshQualifier, string(qualifier))


def _add_grants(context: MappingContext, node: ox.NamedNode, record: str, publication: Publication) -> None:
    """Grants with their id, agency and country."""
    add = context.add
    for position, grant in enumerate(publication.grants, start=1):
        part = iri(IriScheme.publication_part(record, "grant", position))
        add(node, TEKB.grant, part)
        add(part, RDF.type, iri(TEKB.Grant))
        add(part, TEKB.grantId, optional_string(grant.id))
        add(part, TEKB.fundingAgency, optional_string(grant.agency))
        add(part, TEKB.fundingCountry, optional_string(grant.country))


def _add_author_list(context: MappingContext, node: ox.NamedNode, record: str, publication: Publication) -> None:
    """The authors in order (an rdf:Seq of this source's record) and as creators."""
    if not publication.authors:
        return
    add = context.add
    author_list = iri(IriScheme.author_list(record))
    add(node, BIBO.authorList, author_list)
    add(author_list, RDF.type, iri(RDF.Seq))
    for position, author in enumerate(publication.authors, start=1):
        person = _add_author(context, author)
        for affiliation in author.affiliations:
            add(person, TEKB.affiliation, string(affiliation))
        add(author_list, f"{_RDF_MEMBER}{position}", person)
        add(node, DCTERMS.creator, person)


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



def add_registry_record(context: MappingContext, record: RegistryRecord) -> ox.NamedNode:
    """Describe a registry record that is itself a source (its IRI is its public URL)."""
    add = context.add
    node = iri(record.url)
    add(node, RDF.type, iri(TEKB.RegistryRecord))
    add(node, TEKB.registryId, string(record.registry_id))
    add(node, DCTERMS.title, optional_string(record.title))
    if record.last_updated:
        add(node, TEKB.lastUpdated, partial_date(record.last_updated))
    add(node, TEKB.registryVersion, optional_string(record.version))
    add(node, TEKB.reportsOn, iri(context.iris.trial_by_registry(record.registry_id)))
    return node
