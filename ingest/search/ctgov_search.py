"""ClinicalTrials.gov searches: API v2 ``/studies`` with its query parameters and ``pageToken`` paging.

A query is ``condition`` (``query.cond``), ``intervention`` (``query.intr``), ``term``
(``query.term``, the free-text search) and ``status`` (``filter.overallStatus``, a comma-separated
list of overall statuses such as ``RECRUITING,COMPLETED``); at least one of the first three.
Each page (``pageSize`` studies, ``format=json``) gives the next page's ``nextPageToken``; the
last page has none. Every study goes through the existing mapping
(:func:`ingest.ctgov.study_from_v2`, the same as ``kb ingest nct`` and ``kb ingest ctgov``) and
becomes the source ``ctgov-<NCT>``.

Updates ask by last-update date: ``filter.advanced=AREA[LastUpdatePostDate]RANGE[<since>,MAX]``.
Listing the members (what the query matches now) asks only for four fields
(``NCTId,OverallStatus,LastUpdatePostDate,HasResults``), 1,000 studies a page.

Every request goes through the polite client (ClinicalTrials.gov's rate limit, retries honouring
``Retry-After``) without its cache (:mod:`ingest.search.common`); a page whose body is not JSON
(cut off) is asked for again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from ingest.ctgov import study_from_v2
from ingest.ctgov.reader import drug_chooser, items_from_studies
from ingest.http import HttpClient, NotFoundError
from ingest.search.common import PageUnusable, Transport, check_limit, check_page_size, with_page_retries
from kb.errors import IdentifierError
from kb.identifiers import normalize_nct
from kb.living.search import Hit, Members, Query, SearchError, SearchOutcome
from kb.models import FindingsDocument
from kb.readers import ConceptResolver, SkippedRecord

__all__ = ["CtgovSearcher", "STATUSES", "STUDIES_PAGE", "MEMBERS_PAGE", "study_state"]

#: Full studies per page by default (results sections can be large).
STUDIES_PAGE = 100
#: Studies per page when only their identifiers and state are asked for (the API's maximum).
MEMBERS_PAGE = 1000
#: The API's overall statuses (``filter.overallStatus``).
STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING", "SUSPENDED",
    "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING",
    "WITHHELD", "UNKNOWN",
)
#: Query keys and the API parameters they become.
_PARAMS = {"condition": "query.cond", "intervention": "query.intr", "term": "query.term", "status": "filter.overallStatus"}
_MEMBER_FIELDS = "NCTId,OverallStatus,LastUpdatePostDate,HasResults"


def study_state(study: Any) -> Hit | None:
    """The identifier and state of a v2 study (whole, or only the member fields); None without an NCT id.

    >>> study_state({"protocolSection": {"identificationModule": {"nctId": "NCT09100001"},
    ...     "statusModule": {"overallStatus": "COMPLETED", "lastUpdatePostDateStruct": {"date": "2026-03-02"}}}, "hasResults": True})
    Hit(record_id='NCT09100001', source_id='ctgov-NCT09100001', status='COMPLETED', has_results=True, updated='2026-03-02')
    """
    if not isinstance(study, dict):
        return None
    protocol = _object(study.get("protocolSection"))
    ident, status = _object(protocol.get("identificationModule")), _object(protocol.get("statusModule"))
    try:
        nct = normalize_nct(str(ident.get("nctId") or ""))
    except IdentifierError:
        return None
    posted = status.get("lastUpdatePostDateStruct")
    updated = posted.get("date") if isinstance(posted, dict) else None
    has_results = study.get("hasResults")
    if not isinstance(has_results, bool):
        has_results = isinstance(study.get("resultsSection"), dict)
    overall = status.get("overallStatus")
    return Hit(nct, f"ctgov-{nct}", overall if isinstance(overall, str) else None, has_results, updated if isinstance(updated, str) else None)


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a study of the wrong shape names no state)."""
    return value if isinstance(value, dict) else {}


class CtgovSearcher:
    """The ``ctgov`` searcher (see the module docstring)."""

    service = "ctgov"
    summary = "ClinicalTrials.gov API v2 /studies (query.cond, query.intr, query.term, filter.overallStatus; pageToken paging)"

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or Transport()

    # -- queries ------------------------------------------------------------------------------
    def normalize(self, query: Query) -> dict[str, str]:
        """The query with spaces squashed and statuses checked and upper-cased; SearchError otherwise."""
        unknown = sorted(set(query) - set(_PARAMS))
        if unknown:
            raise SearchError(f"a ClinicalTrials.gov search takes {', '.join(_PARAMS)}, not {', '.join(unknown)}")
        clean = {key: " ".join(str(value or "").split()) for key, value in query.items()}
        clean = {key: value for key, value in clean.items() if value}
        if not {"condition", "intervention", "term"} & set(clean):
            raise SearchError("a ClinicalTrials.gov search needs a condition, an intervention or a term")
        if "status" in clean:
            statuses = []
            for part in clean["status"].replace("|", ",").split(","):
                name = part.strip().upper().replace("-", "_").replace(" ", "_")
                if not name:
                    continue
                if name not in STATUSES:
                    raise SearchError(f"unknown overall status {part.strip()!r}; use {', '.join(STATUSES)}")
                if name not in statuses:
                    statuses.append(name)
            clean["status"] = ",".join(statuses)
        return {key: clean[key] for key in _PARAMS if key in clean}

    def describe(self, query: Query) -> str:
        """``condition=... intervention=... status=...``."""
        return " ".join(f"{key}={value!r}" for key, value in self.normalize(query).items())

    # -- searching ----------------------------------------------------------------------------
    def search(
        self,
        query: Query,
        *,
        since: date | None = None,
        until: date | None = None,
        datetype: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        vocabulary: ConceptResolver | None = None,
    ) -> SearchOutcome:
        """Every study the query matches (last updated from ``since`` to ``until``, when given), at most ``limit``."""
        if datetype not in (None, "lastupdate"):
            raise SearchError("a ClinicalTrials.gov search windows by last-update date only")
        params = self._params(query)
        limit = check_limit(limit)
        size = check_page_size(page_size, STUDIES_PAGE, MEMBERS_PAGE, "ClinicalTrials.gov")
        if limit:
            size = min(size, limit)
        if since is not None or until is not None:
            low = since.isoformat() if since else "MIN"
            high = until.isoformat() if until else "MAX"
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{low},{high}]"
        outcome = SearchOutcome()
        choose = drug_chooser(vocabulary)
        with self.transport.client() as client:
            for page, origin in self._pages(client, params, size, outcome):
                for index, study in enumerate(page):
                    if limit and len(outcome.ids) >= limit:
                        break
                    self._keep(outcome, study, f"{origin} studies[{index}]", choose)
                if limit and len(outcome.ids) >= limit:
                    break
        return outcome

    def members(self, query: Query, *, page_size: int | None = None) -> Members:
        """NCT ids and state (status, results, last update) of every study the query matches now."""
        params = self._params(query)
        params["fields"] = _MEMBER_FIELDS
        size = check_page_size(page_size, MEMBERS_PAGE, MEMBERS_PAGE, "ClinicalTrials.gov")
        found = Members()
        counter = SearchOutcome()
        seen: set[str] = set()
        with self.transport.client() as client:
            for page, _ in self._pages(client, params, size, counter):
                for study in page:
                    hit = study_state(study)
                    if hit is not None and hit.record_id not in seen:
                        seen.add(hit.record_id)
                        found.hits.append(hit)
        found.count, found.requests = counter.count, counter.requests
        return found

    def updated_since(
        self, query: Query, since: date, until: date, *, page_size: int | None = None, vocabulary: ConceptResolver | None = None
    ) -> SearchOutcome:
        """The studies whose last update was posted on or after ``since`` (to the latest)."""
        return self.search(query, since=since, page_size=page_size, vocabulary=vocabulary)

    def fetch(self, record_ids: Iterable[str], *, vocabulary: ConceptResolver | None = None) -> SearchOutcome:
        """Studies by NCT id (``/studies/{nct}``); an invalid or unknown id is a skipped record."""
        outcome = SearchOutcome()
        choose = drug_chooser(vocabulary)
        with self.transport.client() as client:
            for text in record_ids:
                try:
                    nct = normalize_nct(text)
                except IdentifierError as error:
                    outcome.items.append(SkippedRecord(f"NCT id {text!r}", (("", f"invalid NCT id: {error}"),)))
                    continue
                if nct in outcome.ids:
                    continue
                outcome.ids.append(nct)
                url = f"{client.settings.ctgov_url}/studies/{nct}"
                try:
                    study = with_page_retries(client, self.transport.sleep, nct, lambda: self._get_json(client, url, {"format": "json"}, nct))
                except NotFoundError as error:
                    outcome.items.append(SkippedRecord(f"NCT id {nct}", (("", str(error)),)))
                    continue
                outcome.requests += 1
                self._keep(outcome, study, url, choose)
        outcome.count = len(outcome.ids)
        return outcome

    # -- the parts ----------------------------------------------------------------------------
    def _params(self, query: Query) -> dict[str, str]:
        return {_PARAMS[key]: value for key, value in self.normalize(query).items()} | {"format": "json"}

    def _pages(self, client: HttpClient, params: dict[str, str], size: int, outcome: SearchOutcome) -> Iterator[tuple[list[Any], str]]:
        """Each page's studies and a name for it, following ``nextPageToken``; the first asks for the total."""
        url = f"{client.settings.ctgov_url}/studies"
        token: str | None = None
        tokens: set[str] = set()
        number = seen = 0
        while True:
            number += 1
            asked = {**params, "pageSize": str(size)}
            if token is None:
                asked["countTotal"] = "true"
            else:
                asked["pageToken"] = token
            where = f"ClinicalTrials.gov search page {number}"
            page = with_page_retries(client, self.transport.sleep, where, lambda: self._get_json(client, url, asked, where))
            outcome.requests += 1
            if not isinstance(page, dict) or not isinstance(page.get("studies", []), list):
                raise PageUnusable(f"{where}: expected a /studies page (an object with a 'studies' list)")
            if token is None and isinstance(page.get("totalCount"), int):
                outcome.count = page["totalCount"]
            studies = page.get("studies", [])
            seen += len(studies)
            if number > 1 and seen > outcome.count + size:  # pages past the total the service announced: a paging loop
                raise PageUnusable(f"{where}: {seen} studies on {number} pages, past the total of {outcome.count} the first page announced")
            yield studies, where
            token = page.get("nextPageToken") if isinstance(page.get("nextPageToken"), str) else None
            if not token:
                return
            if token in tokens:  # a service that hands out the same token again would page forever
                raise PageUnusable(f"{where}: the service gave page token {token!r} twice")
            tokens.add(token)

    @staticmethod
    def _get_json(client: HttpClient, url: str, params: dict[str, str], where: str) -> Any:
        """One request, its body parsed as JSON; a body that is not (cut off) raises PageUnusable."""
        response = client.get(url, params=params, identifier=where, accept="application/json")
        try:
            return json.loads(response.content)
        except (ValueError, RecursionError) as error:
            raise PageUnusable(f"{where}: the answer is not whole JSON ({str(error)[:120]})") from None

    @staticmethod
    def _keep(outcome: SearchOutcome, study: Any, origin: str, choose: Any) -> None:
        """Map one study into ``outcome``: each NCT id once."""
        hit = study_state(study)
        if hit is not None and (hit.record_id in outcome.hits):
            return
        if hit is not None and hit.record_id not in outcome.ids:
            outcome.ids.append(hit.record_id)
        for item in items_from_studies([study_from_v2(study, origin, choose_drug=choose)]):
            if isinstance(item, FindingsDocument) and hit is not None:
                outcome.hits[hit.record_id] = Hit(hit.record_id, item.source.id, hit.status, hit.has_results, hit.updated)
            outcome.items.append(item)
