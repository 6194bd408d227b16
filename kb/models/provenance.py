"""Curation status and provenance carried by every finding."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, NonNegativeInt, model_validator

from kb.identifiers import ORCID
from kb.models.base import Record

__all__ = ["CurationStatus", "ExtractionMethod", "Agent", "Provenance"]


class CurationStatus(StrEnum):
    """Where a finding stands in curation."""

    draft = "draft"  # entered, awaiting verification against the full text
    verified = "verified"  # checked against the cited source by a curator


class ExtractionMethod(StrEnum):
    """How a finding was obtained from its source."""

    manual_curation = "manual_curation"
    registry_import = "registry_import"
    bibliographic_import = "bibliographic_import"
    text_extraction = "text_extraction"
    automatic_extraction = "automatic_extraction"  # proposed by an extractor (kb extract): a draft awaiting curation


class Agent(Record):
    """Who or what produced a record: a curator (ideally with ORCID) or a program."""

    name: str = Field(description="Display name of the curator or software agent.", min_length=1)
    orcid: ORCID | None = Field(default=None, description="ORCID iD of a human curator.")
    software: bool = Field(default=False, description="True when the agent is a program (prov:SoftwareAgent).")
    version: str | None = Field(default=None, description="Program version, for software agents.")


class Provenance(Record):
    """Where a record came from and how: source, method, agent, time, and the supporting text."""

    method: ExtractionMethod = Field(default=ExtractionMethod.manual_curation, description="How the record was obtained.")
    agent: Agent | None = Field(default=None, description="Who curated or extracted it; defaults to the file's agent.")
    time: datetime | None = Field(default=None, description="When it was curated or extracted (ISO 8601).")
    quote: str | None = Field(default=None, description="The sentence of the source that states it, verbatim.")
    quote_start: NonNegativeInt | None = Field(
        default=None, description="Offset (Unicode code points) where the quote starts in the source text it was taken from, e.g. the publication's abstract."
    )
    quote_end: NonNegativeInt | None = Field(default=None, description="Offset just past the quote's last character, in the same text.")
    location: str | None = Field(default=None, description="Where in the source: 'abstract', 'Table 2', 'Figure 1A', ...")
    note: str | None = Field(default=None, description="Free-text curator note.")

    @model_validator(mode="after")
    def _offsets_ordered(self) -> "Provenance":
        if (self.quote_start is None) != (self.quote_end is None):
            raise ValueError("quote_start and quote_end go together")
        if self.quote_start is not None and self.quote_end is not None and self.quote_start >= self.quote_end:
            raise ValueError(f"quote_start {self.quote_start} must be before quote_end {self.quote_end}")
        if (self.quote is not None and self.quote_start is not None and self.quote_end is not None
                and self.quote_end - self.quote_start != len(self.quote)):
            raise ValueError("quote_end - quote_start must equal the length of the quote")
        return self
