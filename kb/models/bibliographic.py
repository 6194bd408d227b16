"""Bibliographic records: publications, journals, authors."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from kb.identifiers import DOI, ISSN, ORCID, PMCID, PMID, NCT
from kb.models.base import PartialDate, Record

__all__ = [
    "Journal", "Author", "AbstractSection", "MeshHeading", "Grant", "CitedWork", "Publication",
    "PublicationUpdate", "UpdateKind", "RetractionStatus", "RETRACTION_STATUS_OF", "RETRACTED_PUBLICATION_TYPES",
]


class Journal(Record):
    """A serial that publishes articles."""

    title: str = Field(min_length=1, description="Full journal title, e.g. 'The New England journal of medicine'.")
    iso_abbreviation: str | None = Field(default=None, description="ISO/NLM title abbreviation, e.g. 'N Engl J Med'.")
    issn_print: ISSN | None = Field(default=None, description="Print ISSN, e.g. 0028-4793.")
    issn_electronic: ISSN | None = Field(default=None, description="Electronic ISSN, e.g. 1533-4406.")
    issn_linking: ISSN | None = Field(default=None, description="Linking ISSN (ISSN-L).")
    nlm_id: str | None = Field(default=None, description="NLM Catalog id, e.g. '0255562'.", pattern=r"^[0-9A-Z]+$")
    publisher: str | None = Field(default=None, description="Publisher name.")


class Author(Record):
    """One author of a publication: a person or a collective (group) author."""

    family: str | None = Field(default=None, description="Family name; absent for collective authors.")
    given: str | None = Field(default=None, description="Given name(s).")
    initials: str | None = Field(default=None, description="Initials of the given names, e.g. 'DM'.")
    collective: str | None = Field(default=None, description="Name of a collective or group author, e.g. 'Multiple Myeloma (009) Study Investigators'.")
    orcid: ORCID | None = Field(default=None, description="ORCID iD.")
    affiliations: tuple[str, ...] = Field(default=(), description="Affiliations as printed.")

    @model_validator(mode="after")
    def _named(self) -> "Author":
        if not (self.family or self.collective):
            raise ValueError("an author needs 'family' (a person) or 'collective' (a group)")
        return self

    @property
    def initials_or_derived(self) -> str:
        """The initials given, else those of the given names ('Donna M' -> 'DM')."""
        return self.initials or "".join(part[0] for part in (self.given or "").replace("-", " ").split() if part)

    @property
    def display_name(self) -> str:
        """The name as cited: 'Weber DM', or the collective's name."""
        if self.collective:
            return self.collective
        return f"{self.family} {self.initials_or_derived}".strip()


class AbstractSection(Record):
    """One section of a (structured) abstract."""

    label: str | None = Field(default=None, description="Section label as printed, e.g. 'METHODS'; absent for unstructured abstracts.")
    category: str | None = Field(default=None, description="NLM category, e.g. BACKGROUND, METHODS, RESULTS, CONCLUSIONS.")
    text: str = Field(min_length=1, description="Section text, with inline markup stripped.")


class MeshHeading(Record):
    """A MeSH heading with its qualifiers and major-topic flag."""

    descriptor: str = Field(description="Descriptor name, e.g. 'Multiple Myeloma'.")
    descriptor_id: str | None = Field(default=None, description="MeSH descriptor id, e.g. D009101.", pattern=r"^D\d+$")
    major_topic: bool = Field(default=False, description="Whether the descriptor is a major topic.")
    qualifiers: tuple[str, ...] = Field(default=(), description="Qualifier names, e.g. 'drug therapy'.")


class Grant(Record):
    """A grant or award that funded the work."""

    id: str | None = Field(default=None, description="Grant or award number as printed, e.g. 'R01 CA123456'.")
    agency: str | None = Field(default=None, description="Funding agency, e.g. 'NCI NIH HHS'.")
    country: str | None = Field(default=None, description="Country of the agency, as printed.")

    @model_validator(mode="after")
    def _named(self) -> "Grant":
        if not (self.id or self.agency):
            raise ValueError("a grant needs an 'id' or an 'agency'")
        return self


class CitedWork(Record):
    """A work in the publication's reference list: by DOI or PMID when known, else as printed."""

    doi: DOI | None = Field(default=None, description="DOI of the cited work.")
    pmid: PMID | None = Field(default=None, description="PubMed id of the cited work.")
    citation: str | None = Field(default=None, description="The reference as printed, when no identifier is known.")

    @model_validator(mode="after")
    def _identified(self) -> "CitedWork":
        if not (self.doi or self.pmid or self.citation):
            raise ValueError("a cited work needs a 'doi', a 'pmid' or a 'citation'")
        return self


class UpdateKind(StrEnum):
    """What a notice does to the publication it updates (Crossref's update types, PubMed's RefTypes).

    PubMed: ``RetractionIn``/``RetractionOf`` retraction, ``PartialRetractionIn``/``Of``
    partial_retraction, ``ExpressionOfConcernIn``/``For`` expression_of_concern, ``ErratumIn``/``For``
    correction, ``RetractedandRepublishedIn``/``From`` retracted_and_republished,
    ``CorrectedandRepublishedIn``/``From`` corrected_and_republished. Crossref: its ``update-to`` /
    ``updated-by`` types, with correction, corrigendum and erratum read as correction.
    """

    retraction = "retraction"
    partial_retraction = "partial_retraction"
    withdrawal = "withdrawal"
    removal = "removal"
    retracted_and_republished = "retracted_and_republished"
    expression_of_concern = "expression_of_concern"
    correction = "correction"
    corrected_and_republished = "corrected_and_republished"
    addendum = "addendum"
    clarification = "clarification"
    new_version = "new_version"


class RetractionStatus(StrEnum):
    """The flag a publication's rows carry: withdrawn from the record, or under a published concern."""

    retracted = "retracted"
    expression_of_concern = "expression_of_concern"


#: The flag each kind of update puts on the publication it updates (kinds not listed put none:
#: a corrected paper stands). A partial retraction flags the paper retracted: which part was
#: withdrawn is in the notice, and a reviewer must read it before using any of its figures.
RETRACTION_STATUS_OF: dict[UpdateKind, RetractionStatus] = {
    UpdateKind.retraction: RetractionStatus.retracted,
    UpdateKind.partial_retraction: RetractionStatus.retracted,
    UpdateKind.withdrawal: RetractionStatus.retracted,
    UpdateKind.removal: RetractionStatus.retracted,
    UpdateKind.retracted_and_republished: RetractionStatus.retracted,
    UpdateKind.expression_of_concern: RetractionStatus.expression_of_concern,
}

#: PubMed publication types that say the record itself is retracted.
RETRACTED_PUBLICATION_TYPES = frozenset({"retracted publication"})


class PublicationUpdate(Record):
    """A notice that updates a publication (a retraction, correction, expression of concern ...), as one record states it.

    ``direction`` says which side the record is on: ``updated_by`` (the record is the updated
    publication and ``doi``/``pmid`` name the notice: PubMed's ``RetractionIn``, Crossref's
    ``updated-by``) or ``updates`` (the record is the notice and ``doi``/``pmid`` name the
    publication it updates: ``RetractionOf``, Crossref's ``update-to``). A notice PubMed names
    only by its citation keeps ``citation`` alone: the update still counts.
    """

    kind: UpdateKind = Field(description="What the notice does, e.g. 'retraction', 'expression_of_concern', 'correction'.")
    direction: Literal["updated_by", "updates"] = Field(description="'updated_by': the other work is a notice updating this one; 'updates': this work is the notice.")
    doi: DOI | None = Field(default=None, description="DOI of the other work.")
    pmid: PMID | None = Field(default=None, description="PubMed id of the other work.")
    citation: str | None = Field(default=None, description="The other work as cited, e.g. PubMed's RefSource 'Lancet. 2010 Feb 6;375(9713):445'.")
    note: str | None = Field(default=None, description="A note the source gives with the update.")
    date: PartialDate | None = Field(default=None, description="When the update was published (Crossref's 'updated' date).")
    asserted_by: str | None = Field(default=None, description="Who states the update, as the source says: 'publisher', 'retraction-watch', 'pubmed'.")

    @property
    def status(self) -> RetractionStatus | None:
        """The flag this kind of update puts on the updated publication, if any."""
        return RETRACTION_STATUS_OF.get(self.kind)


class Publication(Record):
    """A published report: journal article, conference abstract, or other citable work.

    At least one of DOI, PMID, PMCID or title identifies it; DOI then PMID decide its IRI.
    """

    doi: DOI | None = Field(default=None, description="DOI, normalized to lower case without resolver prefix.")
    pmid: PMID | None = Field(default=None, description="PubMed id.")
    pmcid: PMCID | None = Field(default=None, description="PubMed Central id.")
    title: str | None = Field(default=None, description="Title, inline markup stripped.")
    abstract: tuple[AbstractSection, ...] = Field(default=(), description="Abstract, as one unlabelled section or several labelled ones.")
    authors: tuple[Author, ...] = Field(default=(), description="Authors in order.")
    journal: Journal | None = Field(default=None, description="The journal, for articles.")
    volume: str | None = Field(default=None, description="Volume, e.g. '357'.")
    issue: str | None = Field(default=None, description="Issue, e.g. '21'.")
    first_page: str | None = Field(default=None, description="First page, e.g. '2133' (or an article number).")
    last_page: str | None = Field(default=None, description="Last page, e.g. '2142'.")
    date: PartialDate | None = Field(default=None, description="Publication date; may be partial.")
    publication_types: tuple[str, ...] = Field(default=(), description="E.g. 'Journal Article', 'Randomized Controlled Trial', 'Congress abstract'.")
    mesh_headings: tuple[MeshHeading, ...] = Field(default=(), description="MeSH headings.")
    keywords: tuple[str, ...] = Field(default=(), description="Author keywords.")
    registry_ids: tuple[NCT, ...] = Field(default=(), description="Trial registry numbers the publication reports (NCT ids).")
    language: str | None = Field(default=None, description="Language code or name, e.g. 'eng'.")
    grants: tuple[Grant, ...] = Field(default=(), description="Grants that funded the work.")
    references: tuple[CitedWork, ...] = Field(default=(), description="Works the publication cites, in order.")
    updates: tuple[PublicationUpdate, ...] = Field(default=(), description="Retractions, corrections and expressions of concern of this publication, or by it (when it is the notice).")

    @model_validator(mode="after")
    def _identified(self) -> "Publication":
        if not (self.doi or self.pmid or self.pmcid or self.title):
            raise ValueError("a publication needs at least one of doi, pmid, pmcid or title")
        return self

    @property
    def retraction_status(self) -> RetractionStatus | None:
        """The flag this record puts on itself: retracted (a 'Retracted Publication' type, or a
        retracting notice naming it) before an expression of concern; None when neither."""
        found = {u.status for u in self.updates if u.direction == "updated_by" and u.status is not None}
        if any(t.strip().casefold() in RETRACTED_PUBLICATION_TYPES for t in self.publication_types):
            found.add(RetractionStatus.retracted)
        for status in RetractionStatus:  # in order of severity
            if status in found:
                return status
        return None

    @property
    def pages(self) -> str | None:
        """Page range as printed, e.g. '2133-2142'."""
        if self.first_page and self.last_page:
            return f"{self.first_page}-{self.last_page}"
        return self.first_page
