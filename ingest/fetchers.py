"""Fetchers: records by identifier from Crossref, PubMed and ClinicalTrials.gov, as documents.

The ``kb ingest doi|pmid|nct`` commands find these through the
``trial_evidence_kb.fetchers`` entry points. Every identifier is validated before any
request; an invalid or missing one becomes a :class:`~kb.readers.SkippedRecord` and the
others go on. Responses go through the shared polite client (:mod:`ingest.http`):
rate-limited, retried, and cached on disk, so a re-run does not hit the network again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from kb.errors import IdentifierError
from kb.identifiers import normalize_doi, normalize_nct, normalize_pmid
from kb.models import FindingsDocument, SourceKind
from kb.readers import ConceptResolver, ReadNote, SkippedRecord
from ingest.biblio.readers import documents_from
from ingest.http import HttpClient, HttpSettings, NotFoundError

__all__ = ["DoiFetcher", "PmidFetcher", "NctFetcher", "split_valid"]


def split_valid(identifiers: list[str], normalize: Callable[[str], str], kind: str) -> tuple[list[str], list[SkippedRecord]]:
    """Normalized identifiers (repeats dropped, order kept) and a SkippedRecord for each invalid one.

    >>> split_valid(["NCT01029262", "nct01029262", "NCT1"], normalize_nct, "NCT id")[0]
    ['NCT01029262']
    """
    valid: dict[str, None] = {}
    invalid: list[SkippedRecord] = []
    for text in identifiers:
        try:
            valid.setdefault(normalize(text), None)
        except IdentifierError as error:
            invalid.append(SkippedRecord(f"{kind} {text!r}", (("", f"invalid {kind}: {error}"),)))
    return list(valid), invalid


class _Fetcher:
    """Shared set-up: one polite client per run, configured from the environment."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self._settings = settings

    def _client(self) -> HttpClient:
        return HttpClient(self._settings or HttpSettings.from_env())

    def _one_by_one(
        self,
        identifiers: list[str],
        normalize: Callable[[str], str],
        kind: str,
        fetch_one: Callable[[HttpClient, str], object],
        to_items: Callable[[HttpClient, str, object], Iterable[FindingsDocument | SkippedRecord | ReadNote]],
    ) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """Validate every id first, then fetch them one request each; unknown ids are skipped."""
        valid, invalid = split_valid(identifiers, normalize, kind)
        yield from invalid
        with self._client() as client:
            for identifier in valid:
                try:
                    payload = fetch_one(client, identifier)
                except NotFoundError as error:
                    yield SkippedRecord(f"{kind} {identifier}", (("", str(error)),))
                    continue
                yield from to_items(client, identifier, payload)


class DoiFetcher(_Fetcher):
    """``kb ingest doi``: Crossref REST ``/works/{doi}``, one request per DOI."""

    name = "doi"
    summary = "works by DOI from the Crossref REST API"

    def fetch(self, identifiers: list[str], *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """A document per DOI Crossref knows; a SkippedRecord per invalid or unknown DOI."""
        from ingest.biblio.crossref import parse_crossref
        from ingest.services import fetch_crossref_work

        def to_items(client: HttpClient, doi: str, envelope: object) -> Iterable[FindingsDocument | SkippedRecord | ReadNote]:
            return documents_from(SourceKind.crossref, parse_crossref(envelope, f"Crossref {doi}"), f"DOI {doi}")

        yield from self._one_by_one(identifiers, normalize_doi, "DOI", fetch_crossref_work, to_items)


class PmidFetcher(_Fetcher):
    """``kb ingest pmid``: NCBI E-utilities ``efetch`` XML, up to 200 PMIDs per request."""

    name = "pmid"
    summary = "articles by PMID from NCBI E-utilities efetch"

    def fetch(self, identifiers: list[str], *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """A document per PMID PubMed returns; a SkippedRecord per invalid or missing PMID."""
        from ingest.biblio.pubmed_xml import parse_pubmed_xml
        from ingest.services import fetch_pubmed

        pmids, invalid = split_valid(identifiers, normalize_pmid, "PMID")
        yield from invalid
        if not pmids:
            return
        with self._client() as client:
            for batch, xml in fetch_pubmed(client, pmids):
                returned: set[str] = set()
                asked = set(batch)
                for item in documents_from(SourceKind.pubmed, parse_pubmed_xml(xml, f"efetch {batch[0]}..."), "PubMed efetch"):
                    if isinstance(item, FindingsDocument) and item.source.publication is not None:
                        pmid = item.source.publication.pmid or ""
                        if pmid not in asked:
                            continue  # an article nobody asked for is not ingested behind the user's back
                        returned.add(pmid)
                    yield item
                # efetch leaves unknown ids out of its answer instead of failing.
                for pmid in batch:
                    if pmid not in returned:
                        yield SkippedRecord(f"PMID {pmid}", (("", f"not found: PMID {pmid} (PubMed returned no article)"),))


class NctFetcher(_Fetcher):
    """``kb ingest nct``: ClinicalTrials.gov API v2 ``/studies/{nct}``."""

    name = "nct"
    summary = "studies by NCT id from the ClinicalTrials.gov API v2"

    def fetch(self, identifiers: list[str], *, vocabulary: ConceptResolver | None = None) -> Iterator[FindingsDocument | SkippedRecord | ReadNote]:
        """A document per study; a SkippedRecord per invalid or unknown NCT id."""
        from ingest.ctgov import study_from_v2
        from ingest.ctgov.reader import drug_chooser, items_from_studies
        from ingest.services import fetch_ctgov_study

        def to_items(client: HttpClient, nct: str, study: object) -> Iterable[FindingsDocument | SkippedRecord | ReadNote]:
            url = f"{client.settings.ctgov_url.rstrip('/')}/studies/{nct}"
            assert isinstance(study, dict)  # fetch_ctgov_study returns a JSON object or raises FetchError
            return items_from_studies([study_from_v2(study, url, choose_drug=drug_chooser(vocabulary))])

        yield from self._one_by_one(identifiers, normalize_nct, "NCT id", fetch_ctgov_study, to_items)
