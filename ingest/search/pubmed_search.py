"""PubMed searches: NCBI ESearch with the history server, EFetch in pages, into the PubMed reader.

A search is one ESearch (``usehistory=y``: NCBI keeps the result on its history server and
answers a ``WebEnv`` and ``query_key``) and then EFetch pages of that result
(``WebEnv``/``query_key``/``retstart``/``retmax``, ``retmode=xml``), each page a
``PubmedArticleSet`` parsed by the existing PubMed XML reader
(:func:`ingest.biblio.pubmed_xml.parse_pubmed_xml`) into one source per article, exactly as
``kb ingest pmid`` and ``kb ingest pubmed`` make them (``pubmed-pmid-<PMID>``). Every request goes
through the polite client (tool, e-mail, API key, NCBI's rate limit, retries honouring
``Retry-After``), without its cache (:mod:`ingest.search.common`).

A page is parsed whole before any of its records is kept: a page cut off mid-record is asked for
again (:func:`ingest.search.common.with_page_retries`). A record met twice (the result shifted
between pages) is kept once. A PMID ESearch listed that no page returned is a skipped record.

NCBI serves at most the first 10,000 records of a PubMed search, through ESearch and EFetch
alike: a search matching more fetches those and says so in a note (split it by date), and
:meth:`PubmedSearcher.members` lists the first 10,000 (``complete`` False, so nothing beyond them
is reported gone).

XML is parsed without resolving entities, loading a DTD or touching the network; a DOCTYPE that
declares entities is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from lxml import etree

from ingest.biblio.pubmed_xml import parse_pubmed_xml
from ingest.biblio.readers import documents_from
from ingest.http import TOOL_NAME, HttpClient
from ingest.search.common import PageUnusable, Transport, check_limit, check_page_size, with_page_retries
from kb.errors import FetchError, IdentifierError
from kb.identifiers import normalize_pmid
from kb.living.search import Hit, Members, Query, SearchError, SearchOutcome
from kb.models import FindingsDocument, SourceKind
from kb.readers import ConceptResolver, SkippedRecord

__all__ = ["PubmedSearcher", "ESearchAnswer", "parse_esearch", "DATETYPES", "EFETCH_PAGE", "ESEARCH_MAX"]

#: Records per EFetch request by default (NCBI allows up to 10,000 with the history server).
EFETCH_PAGE = 200
#: The most PMIDs one ESearch request lists, and the most a PubMed ESearch lists at all.
ESEARCH_MAX = 10_000
#: ESearch's date types: publication, Entrez (entry) and modification date.
DATETYPES = ("pdat", "edat", "mdat")

_PARSER_OPTIONS: dict[str, Any] = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class ESearchAnswer:
    """An ESearch result: the count, the PMIDs listed, the history-server keys and what NCBI warned."""

    count: int
    ids: list[str] = field(default_factory=list)
    webenv: str | None = None
    query_key: str | None = None
    warnings: list[str] = field(default_factory=list)


def parse_esearch(body: bytes, where: str) -> ESearchAnswer:
    """Read an ESearch XML answer (``eSearchResult``).

    A body that is not well-formed XML (cut off) raises :class:`PageUnusable` (asked again); an
    ``<ERROR>`` answer (a query NCBI cannot run) a :class:`~kb.errors.FetchError` with NCBI's words.

    >>> answer = parse_esearch(b"<eSearchResult><Count>2</Count><IdList><Id>1</Id><Id>2</Id></IdList></eSearchResult>", "t")
    >>> answer.count, answer.ids
    (2, ['1', '2'])
    """
    try:
        root = etree.fromstring(body, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as error:
        raise PageUnusable(f"{where}: ESearch answer is not well-formed XML ({error.msg})") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.entities()):
        raise FetchError(f"{where}: ESearch answer refused: its DOCTYPE declares entities")
    if root.tag != "eSearchResult":
        raise PageUnusable(f"{where}: expected an eSearchResult, got <{root.tag}>")
    said = root.findtext("ERROR")
    count_text = (root.findtext("Count") or "").strip()
    if said and not count_text:
        raise FetchError(f"{where}: ESearch answered an error: {said.strip()}")
    if not count_text.isdigit():
        raise PageUnusable(f"{where}: ESearch answer has no Count")
    warnings = [f"{node.tag}: {''.join(node.itertext()).strip()}" for node in root.iterfind("ErrorList/*")]
    warnings += [
        f"{node.tag}: {''.join(node.itertext()).strip()}"
        for node in root.iterfind("WarningList/*")
        if "".join(node.itertext()).strip() != "No items found."  # said by the count already
    ]
    return ESearchAnswer(
        count=int(count_text),
        ids=[text.strip() for text in (node.text for node in root.iterfind("IdList/Id")) if text and text.strip()],
        webenv=(root.findtext("WebEnv") or "").strip() or None,
        query_key=(root.findtext("QueryKey") or "").strip() or None,
        warnings=warnings,
    )


def _ncbi(client: HttpClient, params: dict[str, str]) -> dict[str, str]:
    """``params`` with the identification NCBI asks for: tool, e-mail and API key (when set)."""
    settings = client.settings
    params = {"db": "pubmed", **params, "tool": TOOL_NAME}
    if settings.contact_email:
        params["email"] = settings.contact_email
    if settings.ncbi_api_key:
        params["api_key"] = settings.ncbi_api_key
    return params


def _ncbi_date(day: date) -> str:
    return day.strftime("%Y/%m/%d")


class PubmedSearcher:
    """The ``pubmed`` searcher: a query is ``{"term": "<PubMed query>"}`` (see the module docstring)."""

    service = "pubmed"
    summary = "PubMed through NCBI E-utilities (ESearch with the history server, EFetch in pages)"

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or Transport()

    # -- queries ------------------------------------------------------------------------------
    def normalize(self, query: Query) -> dict[str, str]:
        """``{"term": ...}`` with the term's spaces squashed; SearchError for an empty term or another key."""
        unknown = sorted(set(query) - {"term"})
        if unknown:
            raise SearchError(f"a PubMed search takes a query term only, not {', '.join(unknown)}")
        term = " ".join(str(query.get("term") or "").split())
        if not term:
            raise SearchError("a PubMed search needs a query, e.g. 'lenalidomide AND multiple myeloma[mh]'")
        if len(term) > 4000:
            raise SearchError(f"the PubMed query is {len(term)} characters long; E-utilities takes at most 4000")
        return {"term": term}

    def describe(self, query: Query) -> str:
        """The query term."""
        return self.normalize(query)["term"]

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
        """ESearch (history server) and every EFetch page of its result; at most ``limit`` records.

        ``since``/``until`` limit by ``datetype`` (``pdat`` publication date, the default;
        ``edat`` entry date; ``mdat`` modification date); either alone is open-ended.
        """
        term = self.normalize(query)["term"]
        size = check_page_size(page_size, EFETCH_PAGE, ESEARCH_MAX, "PubMed EFetch")
        limit = check_limit(limit)
        window = self._window(since, until, datetype)
        with self.transport.client() as client:
            answer = self._esearch(client, term, window, history=True, retmax=min(limit or ESEARCH_MAX, ESEARCH_MAX))
            outcome = SearchOutcome(count=answer.count, ids=answer.ids[: limit or None], notes=list(answer.warnings), requests=1)
            total = min(answer.count, limit) if limit else answer.count
            if total > ESEARCH_MAX:
                # NCBI serves only the first 10,000 records of a PubMed search (ESearch and EFetch alike).
                outcome.notes.append(
                    f"the search matches {answer.count} records; PubMed serves the first {ESEARCH_MAX}: "
                    f"split it by date (--mindate/--maxdate) to get the rest"
                )
                total = ESEARCH_MAX
            if total and (answer.webenv is None or answer.query_key is None):
                raise FetchError(f"PubMed ESearch for {term!r}: the answer has no WebEnv/QueryKey (history server)")
            # When ESearch listed the whole result (up to 10,000), a page's article it did not list
            # (or one past --max) is not ingested behind the user's back.
            listed = set(outcome.ids) if len(outcome.ids) >= total else None
            for start in range(0, total, size):
                records = self._efetch_page(client, term, answer, start, min(size, total - start))
                outcome.requests += 1
                self._keep(outcome, records, asked=listed)
            self._missing(outcome, outcome.ids)
        return outcome

    def members(self, query: Query, *, page_size: int | None = None) -> Members:
        """The PMIDs the query matches now (ESearch only, no records fetched; the first 10,000 at most)."""
        term = self.normalize(query)["term"]
        size = check_page_size(page_size, ESEARCH_MAX, ESEARCH_MAX, "PubMed ESearch")
        found = Members()
        seen: set[str] = set()
        with self.transport.client() as client:
            start = 0
            while True:
                answer = self._esearch(client, term, {}, history=False, retmax=size, retstart=start)
                found.requests += 1
                found.count = answer.count
                for pmid in answer.ids:
                    if pmid not in seen:
                        seen.add(pmid)
                        found.hits.append(Hit(pmid, f"pubmed-pmid-{pmid}"))
                start += size
                if not answer.ids or start >= answer.count or start >= ESEARCH_MAX:
                    break
        found.complete = found.count <= ESEARCH_MAX
        return found

    def updated_since(
        self, query: Query, since: date, until: date, *, page_size: int | None = None, vocabulary: ConceptResolver | None = None
    ) -> SearchOutcome:
        """Records entered (``edat``) from ``since`` to ``until``, through the history server, and
        records modified (``mdat``) in the same days that the first search did not fetch, by PMID."""
        entered = self.search(query, since=since, until=until, datetype="edat", page_size=page_size, vocabulary=vocabulary)
        term = self.normalize(query)["term"]
        with self.transport.client() as client:
            modified = self._esearch(client, term, self._window(since, until, "mdat"), history=False, retmax=ESEARCH_MAX)
        entered.requests += 1
        entered.notes.extend(modified.warnings)
        extra = [pmid for pmid in modified.ids if pmid not in entered.hits]
        if extra:
            entered.extend(self.fetch(extra, vocabulary=vocabulary))
        for pmid in modified.ids:
            if pmid not in entered.ids:
                entered.ids.append(pmid)
        entered.count = len(entered.ids)
        return entered

    def fetch(self, record_ids: Iterable[str], *, vocabulary: ConceptResolver | None = None) -> SearchOutcome:
        """EFetch by PMID, :data:`EFETCH_PAGE` a request; an invalid or unknown PMID is a skipped record."""
        outcome = SearchOutcome()
        pmids: list[str] = []
        for text in record_ids:
            try:
                pmid = normalize_pmid(text)
            except IdentifierError as error:
                outcome.items.append(SkippedRecord(f"PMID {text!r}", (("", f"invalid PMID: {error}"),)))
                continue
            if pmid not in pmids:
                pmids.append(pmid)
        outcome.ids = list(pmids)
        outcome.count = len(pmids)
        with self.transport.client() as client:
            for start in range(0, len(pmids), EFETCH_PAGE):
                batch = pmids[start : start + EFETCH_PAGE]
                where = f"PubMed EFetch of PMID(s) {batch[0]}..{batch[-1]}"
                params = _ncbi(client, {"retmode": "xml", "id": ",".join(batch)})
                records = with_page_retries(client, self.transport.sleep, where, lambda: self._get_articles(client, params, where))
                outcome.requests += 1
                self._keep(outcome, records, asked=set(batch))
        self._missing(outcome, pmids)
        return outcome

    # -- the parts ----------------------------------------------------------------------------
    @staticmethod
    def _window(since: date | None, until: date | None, datetype: str | None) -> dict[str, str]:
        if since is None and until is None:
            return {}
        kind = datetype or "pdat"
        if kind not in DATETYPES:
            raise SearchError(f"date type {kind!r}: use one of {', '.join(DATETYPES)}")
        low = since or date(1800, 1, 1)
        high = until or datetime.now(timezone.utc).date()
        if high < low:
            raise SearchError(f"the date window ends ({high}) before it starts ({low})")
        # NCBI takes mindate and maxdate together only.
        return {"datetype": kind, "mindate": _ncbi_date(low), "maxdate": _ncbi_date(high)}

    def _esearch(
        self, client: HttpClient, term: str, window: dict[str, str], *, history: bool, retmax: int, retstart: int = 0
    ) -> ESearchAnswer:
        url = f"{client.settings.eutils_url}/esearch.fcgi"
        params = _ncbi(client, {"term": term, "retmode": "xml", "retmax": str(retmax), "retstart": str(retstart), **window})
        if history:
            params["usehistory"] = "y"
        where = f"PubMed ESearch for {term!r}" + (f" (retstart {retstart})" if retstart else "")

        def attempt() -> ESearchAnswer:
            response = client.get(url, params=params, identifier=where, accept="application/xml")
            return parse_esearch(response.content, where)

        return with_page_retries(client, self.transport.sleep, where, attempt)

    def _efetch_page(self, client: HttpClient, term: str, answer: ESearchAnswer, start: int, size: int) -> list[Any]:
        where = f"PubMed EFetch page of {term!r} (records {start + 1}-{start + size} of {answer.count})"
        params = _ncbi(client, {
            "WebEnv": answer.webenv or "", "query_key": answer.query_key or "", "retstart": str(start), "retmax": str(size), "retmode": "xml",
        })
        return with_page_retries(client, self.transport.sleep, where, lambda: self._get_articles(client, params, where))

    @staticmethod
    def _get_articles(client: HttpClient, params: dict[str, str], where: str) -> list[Any]:
        """One EFetch request, its body parsed whole (a cut-off body raises before any record is kept)."""
        response = client.get(f"{client.settings.eutils_url}/efetch.fcgi", params=params, identifier=where, accept="application/xml")
        return list(parse_pubmed_xml(response.content, where))

    @staticmethod
    def _keep(outcome: SearchOutcome, records: list[Any], *, asked: set[str] | None = None) -> None:
        """Add a page's records to ``outcome``: each PMID once (and only the PMIDs ``asked`` for, when given)."""
        for item in documents_from(SourceKind.pubmed, records, "PubMed search"):
            if isinstance(item, FindingsDocument) and item.source.publication is not None:
                pmid = item.source.publication.pmid or ""
                if pmid in outcome.hits or (asked is not None and pmid not in asked):
                    continue
                outcome.hits[pmid] = Hit(pmid, item.source.id)
            outcome.items.append(item)

    @staticmethod
    def _missing(outcome: SearchOutcome, listed: list[str]) -> None:
        """A skipped record for each PMID listed that no page returned."""
        for pmid in listed:
            if pmid not in outcome.hits:
                outcome.items.append(SkippedRecord(f"PMID {pmid}", (("", f"PMID {pmid} is in the search result but EFetch returned no article for it"),)))
