"""The input formats the KB reads: one table, from which everything else is derived.

Each row names a reader (a file format, entry point group ``trial_evidence_kb.readers``) or
a fetcher (identifiers fetched from a web service, group ``trial_evidence_kb.fetchers``),
the :class:`~kb.models.SourceKind` its records get, and, for readers, the rank of that kind
in the publication merge (1 is preferred: docs/rdf-mapping.md, "Merging publications").
The ``kb ingest`` commands, the check of installed entry points and the ranks the
``publication`` template reads (written to the vocabulary graph) all come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kb.models import SourceKind

__all__ = ["InputMode", "InputFormat", "INPUT_FORMATS", "input_format", "merge_ranks", "UNRANKED", "VOCABULARY_FORMATS"]


class InputMode(StrEnum):
    """How records arrive: read from files, fetched by identifier, or found by a search."""

    file = "file"
    fetch = "fetch"
    search = "search"  # a query run against a service (kb.living.search, entry points trial_evidence_kb.searches)


@dataclass(frozen=True)
class InputFormat:
    """One input format: its name (the ``kb ingest`` command and entry point), mode and source kind."""

    name: str
    mode: InputMode
    source_kind: SourceKind
    summary: str
    argument_help: str
    merge_rank: int | None = None  # readers only: the kind's rank in the publication merge


#: Rank of a source kind that no reader ranks (e.g. a registry record's references).
UNRANKED = 8

INPUT_FORMATS: tuple[InputFormat, ...] = (
    InputFormat("findings", InputMode.file, SourceKind.findings,
                "Ingest curated findings files; each file is one source, loaded all or nothing.",
                "Findings files (.yaml, .yml, .json).", merge_rank=4),
    InputFormat("pubmed", InputMode.file, SourceKind.pubmed,
                "Ingest PubMed XML (PubmedArticleSet, plain or .gz), streamed; one source per article.",
                "PubMed XML files.", merge_rank=1),
    InputFormat("medline", InputMode.file, SourceKind.medline,
                "Ingest MEDLINE/.nbib text exported from PubMed; one source per record.",
                "MEDLINE files.", merge_rank=2),
    InputFormat("crossref", InputMode.file, SourceKind.crossref,
                "Ingest saved Crossref /works responses (one work or a list); one source per work.",
                "Crossref JSON files.", merge_rank=3),
    InputFormat("csl", InputMode.file, SourceKind.csl,
                "Ingest CSL-JSON (one item or a list); one source per item.", "CSL-JSON files.", merge_rank=5),
    InputFormat("ris", InputMode.file, SourceKind.ris,
                "Ingest RIS exports (EndNote, Zotero, Mendeley, Scopus, Web of Science); one source per record.",
                "RIS files.", merge_rank=6),
    InputFormat("bibtex", InputMode.file, SourceKind.bibtex,
                "Ingest BibTeX/BibLaTeX; one source per entry.", "BibTeX files.", merge_rank=7),
    InputFormat("ctgov", InputMode.file, SourceKind.ctgov,
                "Ingest saved ClinicalTrials.gov studies (API v2 JSON or legacy XML); one source per study.",
                "Study files (.json, .xml)."),
    InputFormat("doi", InputMode.fetch, SourceKind.crossref,
                "Fetch works by DOI from Crossref's REST API and ingest them.",
                "DOIs (with or without https://doi.org/)."),
    InputFormat("pmid", InputMode.fetch, SourceKind.pubmed,
                "Fetch articles by PMID from NCBI E-utilities (efetch, 200 per request) and ingest them.",
                "PubMed ids."),
    InputFormat("nct", InputMode.fetch, SourceKind.ctgov,
                "Fetch studies by NCT id from the ClinicalTrials.gov API v2 and ingest them.", "NCT ids."),
    InputFormat("pubmed-search", InputMode.search, SourceKind.pubmed,
                "Search PubMed (NCBI ESearch with the history server, EFetch in pages) and ingest every record found.",
                "The PubMed query."),
    InputFormat("ctgov-search", InputMode.search, SourceKind.ctgov,
                "Search ClinicalTrials.gov (API v2 /studies, pageToken paging) and ingest every study found.",
                "Free-text terms (query.term)."),
)


def input_format(name: str) -> InputFormat:
    """The row called ``name``.

    :raises KeyError: when no input format has that name.
    """
    for row in INPUT_FORMATS:
        if row.name == name:
            return row
    raise KeyError(name)


def merge_ranks() -> dict[str, int]:
    """Each source kind's rank in the publication merge (1 preferred); unranked kinds get :data:`UNRANKED`.

    >>> merge_ranks()["pubmed"], merge_ranks()["bibtex"], merge_ranks()["ctgov"]
    (1, 7, 8)
    """
    ranks = {row.source_kind.value: row.merge_rank for row in INPUT_FORMATS if row.merge_rank is not None}
    return {kind.value: ranks.get(kind.value, UNRANKED) for kind in SourceKind}


#: Formats of user vocabulary files (``kb vocab add --format``); the reader in
#: ``ingest.vocabulary_files`` handles exactly these.
VOCABULARY_FORMATS: tuple[str, ...] = ("obo", "rdfxml", "turtle", "ntriples", "sssom", "tsv")
