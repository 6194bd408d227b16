"""Fetch raw records from Crossref, PubMed (E-utilities efetch) and ClinicalTrials.gov.

Each function validates its identifiers with :mod:`kb.identifiers` before any request
(malformed input raises :class:`kb.errors.IdentifierError` and nothing is sent), asks
through an :class:`~ingest.http.HttpClient`, and returns the service's payload untouched
for the parsers: a Crossref work envelope (dict), PubMed XML (bytes), a ClinicalTrials.gov
v2 study (dict). A 404 raises :class:`~ingest.http.NotFoundError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from kb.errors import FetchError, IdentifierError
from kb.identifiers import normalize_doi, normalize_nct, normalize_pmid

from ingest.http import TOOL_NAME, HttpClient

__all__ = [
    "PUBMED_BATCH_SIZE",
    "fetch_crossref_work",
    "fetch_pubmed",
    "fetch_ctgov_study",
    "validate_pmids",
]

# NCBI asks for POST above about 200 ids; at 200 a GET URL stays short (~2 kB).
PUBMED_BATCH_SIZE = 200


def fetch_crossref_work(client: HttpClient, doi: str) -> dict[str, Any]:
    """Return Crossref's JSON envelope for ``doi`` (``{"status": "ok", "message": {...}}``).

    The DOI is normalized first and sent percent-encoded as one path segment; the contact
    e-mail goes in ``mailto`` (Crossref's polite pool). An envelope whose ``status`` is not
    ``ok`` or without a ``message`` object is a FetchError.
    """
    normalized = normalize_doi(doi)
    settings = client.settings
    url = f"{settings.crossref_url}/works/{quote(normalized, safe='')}"
    params = {"mailto": settings.contact_email} if settings.contact_email else None
    identifier = f"DOI {normalized} (Crossref)"
    response = client.get(url, params=params, identifier=identifier, accept="application/json")
    envelope = client.parse_json(response, identifier=identifier)
    if not isinstance(envelope, dict) or envelope.get("status") != "ok" or not isinstance(envelope.get("message"), dict):
        status = envelope.get("status") if isinstance(envelope, dict) else type(envelope).__name__
        client.discard(response)
        raise FetchError(f"{identifier}: unexpected Crossref answer (status {status!r}, no work message)")
    return envelope


def validate_pmids(pmids: Iterable[object]) -> list[str]:
    """Normalize PMIDs, dropping repeats (first kept); all malformed ones are named in one error.

    >>> validate_pmids(["PMID: 18032763", 18032763, "17715389"])
    ['18032763', '17715389']
    """
    seen: dict[str, None] = {}
    problems: list[str] = []
    for position, value in enumerate(pmids):
        try:
            seen.setdefault(normalize_pmid(value), None)
        except IdentifierError as exc:
            problems.append(f"item {position}: {exc}")
    if problems:
        raise IdentifierError("; ".join(problems))
    return list(seen)


def fetch_pubmed(
    client: HttpClient, pmids: Iterable[object], *, batch_size: int = PUBMED_BATCH_SIZE
) -> Iterator[tuple[list[str], bytes]]:
    """Yield ``(batch PMIDs, PubmedArticleSet XML bytes)`` from efetch, ``batch_size`` ids a request.

    Every PMID is validated (and repeats dropped) when this is called, before any request.
    Each request is ``efetch.fcgi?db=pubmed&retmode=xml&id=...`` with ``tool``, ``email``
    (the contact, when set) and ``api_key`` (when set). PMIDs PubMed does not know are
    simply absent from the XML; comparing is the caller's job. A batch whose answer is not
    XML, or is an efetch ``<ERROR>``, raises FetchError naming the batch (and is dropped
    from the cache).
    """
    if not 1 <= batch_size <= PUBMED_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {PUBMED_BATCH_SIZE}, got {batch_size}")
    ids = validate_pmids(pmids)
    return _iter_pubmed_batches(client, ids, batch_size)


def _iter_pubmed_batches(client: HttpClient, ids: list[str], batch_size: int) -> Iterator[tuple[list[str], bytes]]:
    settings = client.settings
    url = f"{settings.eutils_url}/efetch.fcgi"
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        params = {"db": "pubmed", "retmode": "xml", "id": ",".join(batch), "tool": TOOL_NAME}
        if settings.contact_email:
            params["email"] = settings.contact_email
        if settings.ncbi_api_key:
            params["api_key"] = settings.ncbi_api_key
        identifier = f"PubMed batch of {len(batch)} PMID(s) {batch[0]}..{batch[-1]}"
        response = client.get(url, params=params, identifier=identifier, accept="application/xml")
        body = response.content
        head = body[:2048].lstrip()
        if not head.startswith(b"<"):
            client.discard(response)
            raise FetchError(f"{identifier}: efetch did not answer XML (starts {head[:60]!r})")
        if b"<ERROR>" in head and b"<PubmedArticleSet" not in head:
            client.discard(response)
            raise FetchError(f"{identifier}: efetch answered an error: {head[:200].decode('utf-8', 'replace')}")
        yield batch, body


def fetch_ctgov_study(client: HttpClient, nct: str) -> dict[str, Any]:
    """Return the ClinicalTrials.gov API v2 study JSON for ``nct``.

    The NCT id is normalized first; an unknown id (404) raises NotFoundError whose message
    starts ``not found: NCT...``. An answer that is not a JSON object is a FetchError.
    """
    normalized = normalize_nct(nct)
    url = f"{client.settings.ctgov_url}/studies/{normalized}"
    response = client.get(url, params={"format": "json"}, identifier=normalized, accept="application/json")
    study = client.parse_json(response, identifier=normalized)
    if not isinstance(study, dict) or "protocolSection" not in study:
        client.discard(response)
        raise FetchError(f"{normalized}: ClinicalTrials.gov answer has no protocolSection")
    return study
