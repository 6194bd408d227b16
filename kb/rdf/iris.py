"""The IRI scheme: deterministic IRIs for every node, under one configurable base.

The same record always gets the same IRI, so re-ingesting changes nothing, and the
same article or trial from two sources is one node (docs/rdf-mapping.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from kb.models import Author, Journal, Publication

__all__ = ["DEFAULT_BASE", "IriScheme", "slug", "default_base"]

DEFAULT_BASE = "https://w3id.org/trial-evidence-kb/id/"


def default_base() -> str:
    """The instance base IRI: ``$KB_BASE`` or :data:`DEFAULT_BASE`."""
    return os.environ.get("KB_BASE") or DEFAULT_BASE


def slug(text: str) -> str:
    """A lower-case, ASCII, hyphenated form of ``text`` for use in an IRI path.

    >>> slug("Multiple Myeloma (009) Study Investigators")
    'multiple-myeloma-009-study-investigators'
    >>> slug("Müller")
    'muller'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def _digest(*parts: str, length: int = 24) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def _segment(text: str) -> str:
    # DOIs may hold any printable character; percent-encode what an IRI path cannot hold.
    return quote(text, safe="-._~:@!$&'()*+,;=/")


@dataclass(frozen=True)
class IriScheme:
    """Builds the KB's IRIs under ``base`` (which must end with '/' or '#')."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.startswith(("http://", "https://")) or not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI {self.base!r} must be http(s) and end with '/' or '#'")

    # graphs and provenance
    def source_graph(self, source_id: str) -> str:
        return f"{self.base}graph/source/{_segment(source_id)}"

    def vocabulary_graph(self) -> str:
        return f"{self.base}graph/vocabulary"

    def activity(self, source_id: str) -> str:
        return f"{self.base}activity/{_segment(source_id)}"

    def agent(self, name: str, orcid: str | None) -> str:
        return f"https://orcid.org/{orcid}" if orcid else f"{self.base}agent/{slug(name)}"

    # bibliography
    @staticmethod
    def publication_key(publication: Publication) -> str:
        """``doi/...``, ``pmid/...``, ``pmc/...`` or ``title/<hash>``: DOI first, then PMID."""
        if publication.doi:
            return f"doi/{publication.doi}"
        if publication.pmid:
            return f"pmid/{publication.pmid}"
        if publication.pmcid:
            return f"pmc/{publication.pmcid}"
        return f"title/{_digest(slug(publication.title or ''), length=16)}"

    def publication(self, publication: Publication) -> str:
        if publication.doi:
            return f"https://doi.org/{_segment(publication.doi)}"
        if publication.pmid:
            return f"http://www.ncbi.nlm.nih.gov/pubmed/{publication.pmid}"
        return f"{self.base}publication/{_segment(self.publication_key(publication))}"

    def publication_record(self, publication: Publication) -> str:
        """One source's record of a publication: the node its part nodes are minted under.

        Sources that describe the same article share its publication node (DOI, then PMID),
        but each keeps its own abstract sections, MeSH headings, grants and author list. So
        those parts hang off this record node instead of the publication: it is derived from
        the record's whole content (canonical JSON), never from the node the record merges
        into, so it does not depend on what the store already holds or on ingest order.
        Two sources with different records never share a part; only byte-identical records
        do, and then every statement about the part is identical too.

        >>> IriScheme().publication_record(Publication(doi="10.1000/xyz123"))
        'https://w3id.org/trial-evidence-kb/id/record/...'
        """
        return f"{self.base}record/{_digest('publication', publication.model_dump_json())}"

    @staticmethod
    def publication_part(record_iri: str, kind: str, position: int) -> str:
        """Part ``position`` (1-based) of ``kind`` (``abstract``, ``mesh``, ``grant``) of a record."""
        return f"{record_iri}/{kind}/{position}"

    @staticmethod
    def author_list(record_iri: str) -> str:
        """The ``rdf:Seq`` of a record's authors (see :meth:`publication_record`)."""
        return f"{record_iri}/authors"

    def person(self, author: Author) -> str:
        if author.orcid:
            return f"https://orcid.org/{author.orcid}"
        if author.collective:
            return f"{self.base}organization/{slug(author.collective)}"
        initials = author.initials_or_derived
        return f"{self.base}person/{slug(author.family or '')}-{slug(initials) if initials else 'x'}"

    def journal(self, journal: Journal) -> str:
        issn = journal.issn_print or journal.issn_electronic or journal.issn_linking
        if issn:
            return f"{self.base}journal/issn/{issn}"
        if journal.nlm_id:
            return f"{self.base}journal/nlm/{journal.nlm_id}"
        return f"{self.base}journal/title/{slug(journal.title)}"

    # trials
    def trial_by_registry(self, nct: str) -> str:
        return f"{self.base}trial/{nct}"

    def pooled_trial(self, component_ids: list[str]) -> str:
        return f"{self.base}trial/pooled/{'+'.join(sorted(_segment(c) for c in component_ids))}"

    def local_trial(self, source_id: str, key: str) -> str:
        return f"{self.base}trial/{_segment(source_id)}/{key}"

    @staticmethod
    def arm(trial_iri: str, arm_key: str) -> str:
        return f"{trial_iri}/arm/{arm_key}"

    @staticmethod
    def intervention(arm_iri: str, content: str) -> str:
        """An arm's intervention, named by its content (canonical JSON), not its position.

        Arms are shared by every source that describes the trial; a node named by position was
        shared too, so two sources listing an arm's interventions in different orders mixed
        their drugs and doses on one node. Named by content, two sources share an intervention
        node only when they say the same about it, as with :meth:`publication_record`.
        """
        return f"{arm_iri}/intervention/{_digest('intervention', content, length=16)}"

    def analysis(self, source_id: str, key: str) -> str:
        return f"{self.base}analysis/{_segment(source_id)}/{key}"

    # findings
    def finding(self, source_id: str, kind: str, canonical_json: str) -> str:
        return f"{self.base}finding/{_digest(source_id, kind, canonical_json)}"

    @staticmethod
    def part(finding_iri: str, kind: str, position: int) -> str:
        return f"{finding_iri}/{kind}/{position}"

    def unresolved_concept(self, category: str, text: str) -> str:
        return f"{self.base}concept/{category}/{slug(text)}"
