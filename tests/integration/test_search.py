"""Searches as sources of records (issue 15 item 1): PubMed ESearch/EFetch and ClinicalTrials.gov
/studies against made-up recorded responses (tests/data/search/) on a local server; no network.

:class:`Recorded` serves those files by request path and parameters; ``test_watch.py`` uses it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.http import HttpSettings
from ingest.search.common import PAGE_ATTEMPTS, Transport
from ingest.search.ctgov_search import CtgovSearcher
from ingest.search.pubmed_search import PubmedSearcher, parse_esearch
from kb.errors import FetchError
from kb.knowledge_base import KnowledgeBase
from kb.living import SearchError, load_outcome
from kb.models import FindingsDocument
from tests.conftest import DATA_DIR, CliResult, run_cli

DATA = DATA_DIR / "search"
TERM = 'lenalidomide AND "multiple myeloma"[mh]'
EMAIL = "curator@example.org"
API_KEY = "k3y-not-to-leak"
FIRST_FIVE = [f"9000000{i}" for i in range(1, 6)]
STUDIES = ["NCT09100001", "NCT09100002", "NCT09100003"]


@dataclass
class Route:
    """One recorded answer: for requests to ``path`` whose parameters include ``params`` and lack ``without``."""

    path: str
    body: bytes
    params: dict[str, str]
    without: tuple[str, ...]
    status: int
    headers: dict[str, str]
    times: int | None  # answers left (None: any number)
    content_type: str


@dataclass
class Recorded:
    """Serves recorded files from a pytest-httpserver, the first route that matches each request.

    Routes added later are tried first, so a one-off answer (a 429, a cut-off page) added after
    the normal one is served first and then runs out. A request no route matches gets a 418 and
    is kept in ``unmatched`` (tests assert it stays empty).
    """

    server: HTTPServer
    routes: list[Route] = field(default_factory=list)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self._handle)

    def add(
        self,
        path: str,
        file: str | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        without: tuple[str, ...] = (),
        **params: str,
    ) -> None:
        """Answer requests to ``path`` having ``params`` (``query_key``, ``WebEnv``...; ``_`` for ``.``) with ``file``."""
        body = file if isinstance(file, bytes) else (DATA / file).read_bytes()
        kind = "application/json" if isinstance(file, str) and file.endswith(".json") else "text/xml; charset=UTF-8"
        wanted = {key.replace("__", "."): value for key, value in params.items()}
        self.routes.insert(0, Route(path, body, wanted, without, status, headers or {}, times, kind))

    def clear(self) -> None:
        """Forget every route and the log (the next run's recorded answers follow)."""
        self.routes.clear()
        self.log.clear()

    def requests(self, path: str, **params: str) -> list[dict[str, str]]:
        """The parameters of each request to ``path`` that had ``params``."""
        wanted = {key.replace("__", "."): value for key, value in params.items()}
        return [args for seen, args in self.log if seen == path and all(args.get(k) == v for k, v in wanted.items())]

    def _handle(self, request: Request) -> Response:
        args = {key: value for key, value in request.args.items()}
        self.log.append((request.path, args))
        for route in self.routes:
            if route.path != request.path or route.times == 0:
                continue
            if any(args.get(k) != v for k, v in route.params.items()) or any(k in args for k in route.without):
                continue
            if route.times is not None:
                route.times -= 1
            return Response(route.body, status=route.status, headers=route.headers, content_type=route.content_type)
        self.unmatched.append(f"{request.path}?{request.query_string.decode()}")
        return Response("no recorded answer", status=418)


@pytest.fixture
def recorded(httpserver: HTTPServer) -> Iterator[Recorded]:
    served = Recorded(httpserver)
    yield served
    assert served.unmatched == [], "requests no recorded answer matched"


class FakeTime:
    """A clock that moves only when slept on; records each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def waits(self) -> list[float]:
        return [s for s in self.sleeps if s > 1e-3]


def settings_for(server: HTTPServer, **overrides: object) -> HttpSettings:
    """Every service at the local server, tiny backoffs, no rate limit, an API key and an e-mail."""
    values: dict[str, object] = dict(
        contact_email=EMAIL, ncbi_api_key=API_KEY, eutils_url=server.url_for("/eutils"), ctgov_url=server.url_for("/ctgov"),
        cache_dir=None, timeout=5.0, max_retries=2, backoff_factor=0.01, max_backoff=5.0, rate_limits={"localhost": 1e6},
    )
    values.update(overrides)
    return HttpSettings(**values)  # type: ignore[arg-type]


def pubmed(server: HTTPServer, fake: FakeTime | None = None, **overrides: object) -> PubmedSearcher:
    fake = fake or FakeTime()
    return PubmedSearcher(Transport(settings_for(server, **overrides), sleep=fake.sleep, clock=fake.clock))


def ctgov(server: HTTPServer, fake: FakeTime | None = None, **overrides: object) -> CtgovSearcher:
    fake = fake or FakeTime()
    return CtgovSearcher(Transport(settings_for(server, **overrides), sleep=fake.sleep, clock=fake.clock))


def record_pubmed_first_run(recorded: Recorded) -> None:
    """The first run of TERM: ESearch (history) listing five PMIDs, EFetch in pages of two."""
    recorded.add("/eutils/esearch.fcgi", "pubmed/esearch_history_5.xml", usehistory="y", without=("datetype",))
    for start, name in ((0, "efetch_page_0.xml"), (2, "efetch_page_2.xml"), (4, "efetch_page_4.xml")):
        recorded.add("/eutils/efetch.fcgi", f"pubmed/{name}", WebEnv="MCID_kbtest_run1", query_key="1", retstart=str(start))


def record_ctgov_first_run(recorded: Recorded) -> None:
    """The first run of the myeloma/lenalidomide search: two pages of full studies."""
    recorded.add("/ctgov/studies", "ctgov/studies_page_1.json", countTotal="true", without=("pageToken", "fields", "filter.advanced"))
    recorded.add("/ctgov/studies", "ctgov/studies_page_2.json", pageToken="kbtest-page-2", without=("fields", "filter.advanced"))


def sources(kb: KnowledgeBase) -> list[str]:
    return [source.source_id for source in kb.sources]


def documents(items: list[object]) -> list[FindingsDocument]:
    return [item for item in items if isinstance(item, FindingsDocument)]


# --- PubMed -----------------------------------------------------------------------------


def test_pubmed_search_of_three_pages_ingests_every_record_once(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_pubmed_first_run(recorded)
    outcome = pubmed(httpserver).search({"term": TERM}, page_size=2)
    assert outcome.count == 5 and outcome.ids == FIRST_FIVE
    assert sorted(outcome.hits) == FIRST_FIVE and outcome.requests == 4
    assert [d.source.id for d in documents(outcome.items)] == [f"pubmed-pmid-{p}" for p in FIRST_FIVE]
    [search] = recorded.requests("/eutils/esearch.fcgi")
    assert (search["db"], search["term"], search["usehistory"], search["tool"], search["email"], search["api_key"]) == (
        "pubmed", TERM, "y", "trial-evidence-kb", EMAIL, API_KEY)
    pages = recorded.requests("/eutils/efetch.fcgi")
    assert [(p["retstart"], p["retmax"], p["retmode"]) for p in pages] == [("0", "2", "xml"), ("2", "2", "xml"), ("4", "1", "xml")]
    kb = KnowledgeBase.memory()
    report = load_outcome(kb, outcome, "pubmed-search")
    assert report.status_counts() == {"added": 5, "replaced": 0, "unchanged": 0} and not report.failed
    assert sources(kb) == [f"pubmed-pmid-{p}" for p in FIRST_FIVE]
    titles = {row.title for row in kb.query("publication", pmid="90000003")}
    assert titles == {"Synthetic cohort of lenalidomide-refractory multiple myeloma."}


def test_pubmed_search_with_max_and_a_date_window(httpserver: HTTPServer, recorded: Recorded) -> None:
    from datetime import date

    record_pubmed_first_run(recorded)
    recorded.add("/eutils/esearch.fcgi", "pubmed/esearch_history_5.xml", usehistory="y", datetype="pdat")
    outcome = pubmed(httpserver).search({"term": TERM}, limit=3, page_size=2, since=date(2024, 1, 1), until=date(2025, 12, 31), datetype="pdat")
    assert outcome.count == 5 and outcome.ids == FIRST_FIVE[:3] and sorted(outcome.hits) == FIRST_FIVE[:3]
    [search] = recorded.requests("/eutils/esearch.fcgi")
    assert (search["datetype"], search["mindate"], search["maxdate"], search["retmax"]) == ("pdat", "2024/01/01", "2025/12/31", "3")
    assert [(p["retstart"], p["retmax"]) for p in recorded.requests("/eutils/efetch.fcgi")] == [("0", "2"), ("2", "1")]


def test_pubmed_empty_result_fetches_nothing(httpserver: HTTPServer, recorded: Recorded) -> None:
    recorded.add("/eutils/esearch.fcgi", "pubmed/esearch_window_empty.xml")
    outcome = pubmed(httpserver).search({"term": "nothing matches this[ti]"})
    assert (outcome.count, outcome.ids, outcome.items, outcome.requests) == (0, [], [], 1)
    assert recorded.requests("/eutils/efetch.fcgi") == []


def test_pubmed_429_with_retry_after_is_waited_out(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_pubmed_first_run(recorded)
    recorded.add("/eutils/efetch.fcgi", b"Too Many Requests", status=429, headers={"Retry-After": "2"}, times=1, retstart="2")
    fake = FakeTime()
    outcome = pubmed(httpserver, fake).search({"term": TERM}, page_size=2)
    assert sorted(outcome.hits) == FIRST_FIVE and len(documents(outcome.items)) == 5
    assert fake.waits() == [2.0]
    assert [p["retstart"] for p in recorded.requests("/eutils/efetch.fcgi")] == ["0", "2", "2", "4"]


def test_pubmed_page_cut_off_mid_record_is_asked_again(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_pubmed_first_run(recorded)
    recorded.add("/eutils/efetch.fcgi", "pubmed/efetch_page_2_cutoff.xml", times=1, retstart="2")
    outcome = pubmed(httpserver).search({"term": TERM}, page_size=2)
    assert [d.source.id for d in documents(outcome.items)] == [f"pubmed-pmid-{p}" for p in FIRST_FIVE]  # each once
    assert [p["retstart"] for p in recorded.requests("/eutils/efetch.fcgi")] == ["0", "2", "2", "4"]


def test_pubmed_page_always_cut_off_fails_and_the_store_is_unchanged(httpserver: HTTPServer, recorded: Recorded, tmp_path: Path, monkeypatch) -> None:
    record_pubmed_first_run(recorded)
    recorded.add("/eutils/efetch.fcgi", "pubmed/efetch_page_2_cutoff.xml", retstart="2")
    with pytest.raises(FetchError, match=r"records 3-4 of 5\).*unusable 3 times.*not well-formed"):
        pubmed(httpserver).search({"term": TERM}, page_size=2)
    assert len(recorded.requests("/eutils/efetch.fcgi", retstart="2")) == PAGE_ATTEMPTS
    # The same through the CLI: exit 1, one line naming the page, nothing written.
    recorded.log.clear()
    result = search_cli(monkeypatch, httpserver, tmp_path / "store", "ingest", "pubmed-search", TERM, "--page-size", "2")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert "PubMed EFetch page" in result.stderr and "nothing of this search was written" in result.stderr
    with KnowledgeBase.open(tmp_path / "store") as kb:
        assert sources(kb) == []


def test_pubmed_esearch_error_names_ncbi_words(httpserver: HTTPServer, recorded: Recorded) -> None:
    recorded.add("/eutils/esearch.fcgi", "pubmed/esearch_error.xml")
    with pytest.raises(FetchError, match="ESearch answered an error: Invalid query: unbalanced parentheses"):
        pubmed(httpserver).search({"term": "(lenalidomide"})


def test_pubmed_record_listed_but_not_returned_is_a_skipped_record(httpserver: HTTPServer, recorded: Recorded) -> None:
    recorded.add("/eutils/esearch.fcgi", "pubmed/esearch_history_5.xml", usehistory="y")
    for start in (0, 2, 4):
        recorded.add("/eutils/efetch.fcgi", "pubmed/efetch_page_0.xml" if start == 0 else "pubmed/efetch_page_4.xml", retstart=str(start))
    outcome = pubmed(httpserver).search({"term": TERM}, page_size=2)
    assert sorted(outcome.hits) == ["90000001", "90000002", "90000005"]  # 90000005 twice in the answers, kept once
    skipped = [str(item) for item in outcome.items if not isinstance(item, FindingsDocument)]
    assert len(skipped) == 2 and all("in the search result but EFetch returned no article" in s for s in skipped)


def test_esearch_with_an_entity_declaring_doctype_is_refused() -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE eSearchResult [<!ENTITY x "boom">]><eSearchResult><Count>1</Count><IdList><Id>&x;</Id></IdList></eSearchResult>'
    with pytest.raises(FetchError, match="declares entities"):
        parse_esearch(hostile, "test")


@pytest.mark.parametrize(("query", "message"), [
    ({"term": "  "}, "needs a query"), ({"term": "x", "condition": "y"}, "query term only"),
])
def test_pubmed_query_checks(query: dict[str, str], message: str) -> None:
    with pytest.raises(SearchError, match=message):
        PubmedSearcher().normalize(query)


# --- ClinicalTrials.gov ------------------------------------------------------------------


def test_ctgov_search_of_two_pages_ingests_every_study(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_ctgov_first_run(recorded)
    query = {"condition": "multiple myeloma", "intervention": "lenalidomide", "status": "completed, active-not-recruiting,recruiting"}
    outcome = ctgov(httpserver).search(query, page_size=2)
    assert outcome.count == 3 and outcome.ids == STUDIES and outcome.requests == 2
    assert outcome.hits["NCT09100002"].status == "ACTIVE_NOT_RECRUITING" and outcome.hits["NCT09100002"].has_results is False
    first, second = recorded.requests("/ctgov/studies")
    assert (first["query.cond"], first["query.intr"], first["filter.overallStatus"], first["pageSize"], first["format"], first["countTotal"]) == (
        "multiple myeloma", "lenalidomide", "COMPLETED,ACTIVE_NOT_RECRUITING,RECRUITING", "2", "json", "true")
    assert second["pageToken"] == "kbtest-page-2" and "countTotal" not in second
    kb = KnowledgeBase.memory()
    report = load_outcome(kb, outcome, "ctgov-search")
    assert report.status_counts()["added"] == 3 and not report.failed
    assert sources(kb) == [f"ctgov-{nct}" for nct in STUDIES]


def test_ctgov_empty_result(httpserver: HTTPServer, recorded: Recorded) -> None:
    recorded.add("/ctgov/studies", "ctgov/window_empty.json")
    outcome = ctgov(httpserver).search({"condition": "no such condition"})
    assert (outcome.count, outcome.ids, outcome.items, outcome.requests) == (0, [], [], 1)


def test_ctgov_429_and_a_page_cut_off_are_both_survived(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_ctgov_first_run(recorded)
    recorded.add("/ctgov/studies", "ctgov/studies_page_2_cutoff.json", times=1, pageToken="kbtest-page-2")
    recorded.add("/ctgov/studies", b'{"message": "rate limited"}', status=429, headers={"Retry-After": "3"}, times=1, pageToken="kbtest-page-2")
    fake = FakeTime()
    outcome = ctgov(httpserver, fake).search({"condition": "multiple myeloma", "intervention": "lenalidomide"}, page_size=2)
    assert outcome.ids == STUDIES and len(documents(outcome.items)) == 3
    assert 3.0 in fake.waits()
    assert len(recorded.requests("/ctgov/studies", pageToken="kbtest-page-2")) == 3  # 429, cut off, whole


def test_ctgov_page_always_cut_off_fails(httpserver: HTTPServer, recorded: Recorded) -> None:
    record_ctgov_first_run(recorded)
    recorded.add("/ctgov/studies", "ctgov/studies_page_2_cutoff.json", pageToken="kbtest-page-2")
    with pytest.raises(FetchError, match=r"search page 2: the page arrived unusable 3 times.*not whole JSON"):
        ctgov(httpserver).search({"condition": "multiple myeloma"}, page_size=2)


@pytest.mark.parametrize(("query", "message"), [
    ({"status": "RECRUITING"}, "needs a condition, an intervention or a term"),
    ({"condition": "x", "status": "RECRUTING"}, "unknown overall status 'RECRUTING'"),
    ({"condition": "x", "phase": "3"}, "not phase"),
])
def test_ctgov_query_checks(query: dict[str, str], message: str) -> None:
    with pytest.raises(SearchError, match=message):
        CtgovSearcher().normalize(query)


# --- the CLI ----------------------------------------------------------------------------


def search_cli(monkeypatch: pytest.MonkeyPatch, server: HTTPServer, store: Path, *args: str) -> CliResult:
    """``kb --store STORE ARGS`` with the services at the local server (no cache, quick retries, no rate limit)."""
    monkeypatch.setenv("KB_EUTILS_URL", server.url_for("/eutils"))
    monkeypatch.setenv("KB_CTGOV_URL", server.url_for("/ctgov"))
    monkeypatch.setenv("KB_CONTACT_EMAIL", EMAIL)
    monkeypatch.setenv("KB_HTTP_CACHE", "off")
    monkeypatch.setenv("KB_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("KB_HTTP_RETRIES", "2")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    _unthrottle(monkeypatch)
    return run_cli(store, *args)


def _unthrottle(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from_env = HttpSettings.from_env.__func__  # type: ignore[attr-defined]

    def unthrottled(cls: type[HttpSettings], env: object = None) -> HttpSettings:
        settings = from_env(cls, env)
        return dataclasses.replace(settings, rate_limits={"localhost": 1e6, "127.0.0.1": 1e6})

    monkeypatch.setattr(HttpSettings, "from_env", classmethod(unthrottled))


def test_cli_ingest_pubmed_search(httpserver: HTTPServer, recorded: Recorded, tmp_path: Path, monkeypatch) -> None:
    record_pubmed_first_run(recorded)
    result = search_cli(monkeypatch, httpserver, tmp_path / "store", "ingest", "pubmed-search", TERM, "--page-size", "2", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["counts"]["added"] == 5 and summary["search"] == {
        "service": "pubmed", "query": {"term": TERM}, "count": 5, "listed": 5, "fetched": 5, "requests": 4}
    # Again: the same records, each unchanged (skipped by its content hash).
    again = search_cli(monkeypatch, httpserver, tmp_path / "store", "ingest", "pubmed-search", TERM, "--page-size", "2")
    assert again.code == 0, again.stderr
    assert "5 source(s) loaded (0 added, 0 replaced, 5 unchanged), 0 failed" in again.stderr
    assert "5 match(es); 5 record(s) fetched in 4 request(s)" in again.stderr


def test_cli_ingest_ctgov_search(httpserver: HTTPServer, recorded: Recorded, tmp_path: Path, monkeypatch) -> None:
    record_ctgov_first_run(recorded)
    result = search_cli(
        monkeypatch, httpserver, tmp_path / "store", "ingest", "ctgov-search", "--condition", "multiple myeloma",
        "--intervention", "lenalidomide", "--status", "recruiting", "--status", "completed,active_not_recruiting", "--page-size", "2",
    )
    assert result.code == 0, result.stderr
    assert "3 source(s) loaded (3 added, 0 replaced, 0 unchanged), 0 failed" in result.stderr
    assert recorded.requests("/ctgov/studies")[0]["filter.overallStatus"] == "RECRUITING,COMPLETED,ACTIVE_NOT_RECRUITING"


@pytest.mark.parametrize(("args", "message"), [
    (("ctgov-search", "--status", "bogus", "--condition", "x"), "unknown overall status"),
    (("ctgov-search", "--status", "RECRUITING"), "needs a condition"),
    (("pubmed-search", "x", "--mindate", "2024-13"), "not a date"),
    (("pubmed-search", "x", "--datetype", "ppdat"), "use pdat, edat or mdat"),
    (("pubmed-search", "x", "--mindate", "2025", "--maxdate", "2024-06"), "ends (2024-06-01) before it starts (2025-01-01)"),
])
def test_cli_search_usage_errors_send_nothing(httpserver: HTTPServer, recorded: Recorded, tmp_path: Path, monkeypatch, args: tuple[str, ...], message: str) -> None:
    result = search_cli(monkeypatch, httpserver, tmp_path / "store", "ingest", *args)
    assert result.code == 2 and message in " ".join(result.stderr.replace("│", " ").split()) and "Traceback" not in result.stderr
    assert recorded.log == []


def test_pubmed_members_beyond_ncbis_10000_are_not_complete(httpserver: HTTPServer, recorded: Recorded) -> None:
    body = (DATA / "pubmed" / "esearch_ids_5.xml").read_bytes().replace(b"<Count>5</Count>", b"<Count>12000</Count>")
    recorded.add("/eutils/esearch.fcgi", body, retstart="0")
    found = pubmed(httpserver).members({"term": TERM})
    assert (found.count, found.ids, found.complete, found.requests) == (12000, FIRST_FIVE, False, 1)


def test_ctgov_pages_past_the_announced_total_stop_the_search(httpserver: HTTPServer, recorded: Recorded) -> None:
    """A service that keeps handing out new page tokens cannot keep the search paging forever."""
    import itertools

    counter = itertools.count(1)
    page = json.loads((DATA / "ctgov" / "studies_page_1.json").read_text())

    def endless(request):  # type: ignore[no-untyped-def]
        return Response(json.dumps({**page, "nextPageToken": f"token-{next(counter)}"}), content_type="application/json")

    httpserver.clear()
    httpserver.expect_request("/ctgov/studies").respond_with_handler(endless)
    with pytest.raises(FetchError, match=r"past the total of 3 the first page announced"):
        ctgov(httpserver).search({"condition": "multiple myeloma"}, page_size=2)
