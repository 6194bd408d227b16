"""The polite HTTP client and the service fetchers, against a local HTTP server (no network)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kb.errors import FetchError, IdentifierError
from ingest.http import HttpClient, HttpSettings, NotFoundError
from ingest.services import fetch_crossref_work, fetch_ctgov_study, fetch_pubmed
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "http"
EMAIL = "curator@example.org"
API_KEY = "k3y-not-to-leak"
DOI = "10.5555/kb-test.0001"
NCT = "NCT00000102"


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


def make_settings(server: HTTPServer, **overrides: object) -> HttpSettings:
    """Settings pointing every service at the local server; no cache unless asked; tiny waits."""
    values: dict[str, object] = dict(
        contact_email=EMAIL,
        crossref_url=server.url_for("/crossref"),
        eutils_url=server.url_for("/eutils"),
        ctgov_url=server.url_for("/ctgov"),
        cache_dir=None,
        timeout=2.0,
        max_retries=2,
        backoff_factor=0.01,
        max_backoff=0.05,
        rate_limits={"localhost": 1e6},
    )
    values.update(overrides)
    return HttpSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def client_for(server: HTTPServer, fake: FakeTime | None = None, **overrides: object) -> HttpClient:
    settings = make_settings(server, **overrides)
    if fake is None:
        return HttpClient(settings)
    return HttpClient(settings, sleep=fake.sleep, clock=fake.clock)


def crossref_body() -> str:
    return (DATA / "crossref_work.json").read_text(encoding="utf-8")


def crossref_path(doi: str = DOI) -> str:
    return "/crossref/works/" + doi.replace("/", "%2F")


# --- single fetches -----------------------------------------------------------------


def test_crossref_envelope_and_polite_identification(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver) as client:
        envelope = fetch_crossref_work(client, "https://doi.org/10.5555/KB-TEST.0001")
    expected = json.loads(crossref_body())
    assert envelope == expected
    assert envelope["message"]["title"] == ["A synthetic randomized trial record for HTTP tests"]
    (request, _), = httpserver.log
    assert request.args["mailto"] == EMAIL
    assert request.headers["User-Agent"] == f"trial-evidence-kb/0.1.0 (mailto:{EMAIL})"
    assert request.headers["Accept"] == "application/json"


def test_crossref_doi_is_percent_encoded(httpserver: HTTPServer) -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or "")
        return Response(crossref_body(), content_type="application/json")

    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_handler(handler)
    with client_for(httpserver) as client:
        fetch_crossref_work(client, DOI)
    assert seen and seen[0].startswith("/crossref/works/10.5555%2Fkb-test.0001?")


def test_doi_with_reserved_characters_is_one_encoded_segment(httpserver: HTTPServer) -> None:
    doi = "10.1002/(sici)1097-4636(199705)35:2<195::aid-jbm7>3.0.co;2-d"
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or "")
        return Response(crossref_body(), content_type="application/json")

    httpserver.expect_request(f"/crossref/works/{doi}").respond_with_handler(handler)
    with client_for(httpserver) as client:
        fetch_crossref_work(client, doi.upper())
    expected = "/crossref/works/10.1002%2F%28sici%291097-4636%28199705%2935%3A2%3C195%3A%3Aaid-jbm7%3E3.0.co%3B2-d?"
    assert seen == [expected + "mailto=curator%40example.org"]


def test_ctgov_study(httpserver: HTTPServer) -> None:
    body = (DATA / "ctgov_study.json").read_text(encoding="utf-8")
    httpserver.expect_request(f"/ctgov/studies/{NCT}", query_string="format=json").respond_with_data(
        body, content_type="application/json"
    )
    with client_for(httpserver) as client:
        study = fetch_ctgov_study(client, "nct00000102")
    assert study["protocolSection"]["identificationModule"]["nctId"] == NCT
    assert study == json.loads(body)


def test_ctgov_404_is_not_found_with_the_id(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/ctgov/studies/{NCT}").respond_with_data(
        (DATA / "ctgov_not_found.json").read_text(), status=404, content_type="application/json"
    )
    with client_for(httpserver) as client, pytest.raises(NotFoundError) as caught:
        fetch_ctgov_study(client, NCT)
    assert str(caught.value).startswith(f"not found: {NCT}")
    assert caught.value.identifier == NCT
    assert isinstance(caught.value, FetchError)
    assert len(httpserver.log) == 1  # a 404 is not retried


def test_crossref_404_names_the_doi(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/crossref/works/10.5555/missing").respond_with_data(
        (DATA / "crossref_not_found.txt").read_text(), status=404, content_type="text/plain"
    )
    with client_for(httpserver) as client, pytest.raises(NotFoundError, match=r"not found: DOI 10\.5555/missing"):
        fetch_crossref_work(client, "10.5555/missing")


def test_crossref_envelope_not_ok_is_fetch_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_json({"status": "failed"})
    with client_for(httpserver) as client, pytest.raises(FetchError, match="unexpected Crossref answer"):
        fetch_crossref_work(client, DOI)


# --- PubMed batches -----------------------------------------------------------------


def test_pubmed_450_pmids_in_three_batches_with_api_key(httpserver: HTTPServer) -> None:
    xml = (DATA / "pubmed_set.xml").read_bytes()
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(xml, content_type="text/xml")
    pmids = [str(10_000_001 + i) for i in range(450)]
    with client_for(httpserver, ncbi_api_key=API_KEY) as client:
        results = list(fetch_pubmed(client, pmids))
    assert [len(batch) for batch, _ in results] == [200, 200, 50]
    assert [pmid for batch, _ in results for pmid in batch] == pmids
    assert len(httpserver.log) == 3
    for (batch, body), (request, _) in zip(results, httpserver.log):
        assert request.method == "GET"
        assert request.args["id"].split(",") == batch
        assert request.args["db"] == "pubmed"
        assert request.args["retmode"] == "xml"
        assert request.args["tool"] == "trial-evidence-kb"
        assert request.args["email"] == EMAIL
        assert request.args["api_key"] == API_KEY
        root = ET.fromstring(body)
        assert root.tag == "PubmedArticleSet"
        assert [e.text for e in root.iter("PMID")] == ["10000001", "10000002"]


def test_pubmed_without_key_or_email_sends_neither(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(
        (DATA / "pubmed_set.xml").read_bytes(), content_type="text/xml"
    )
    with client_for(httpserver, contact_email=None) as client:
        ((batch, _),) = list(fetch_pubmed(client, ["PMID: 10000001", "10000001", 10000002]))
    assert batch == ["10000001", "10000002"]  # normalized, repeats dropped
    (request, _), = httpserver.log
    assert "api_key" not in request.args and "email" not in request.args
    assert request.headers["User-Agent"] == "trial-evidence-kb/0.1.0"


def test_pubmed_error_body_is_fetch_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(
        b'<?xml version="1.0"?><eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>', content_type="text/xml"
    )
    with client_for(httpserver) as client, pytest.raises(FetchError, match=r"PubMed batch .*Empty id list"):
        list(fetch_pubmed(client, ["10000001"]))


# --- identifiers rejected before any request ----------------------------------------


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (lambda c: fetch_crossref_work(c, "not-a-doi"), "not-a-doi"),
        (lambda c: fetch_pubmed(c, ["10000001", "12ab", "0"]), "12ab"),
        (lambda c: fetch_ctgov_study(c, "NCT123"), "NCT123"),
    ],
    ids=["doi", "pmid", "nct"],
)
def test_malformed_identifier_rejected_before_any_request(httpserver: HTTPServer, call, bad: str) -> None:
    with client_for(httpserver) as client:
        with pytest.raises(IdentifierError, match=bad):
            call(client)  # fetch_pubmed raises at the call, before iteration
        assert client.network_requests == 0
    assert httpserver.log == []


def test_429_retry_after_is_honoured(httpserver: HTTPServer, fake_time: FakeTime) -> None:
    httpserver.expect_oneshot_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver, fake_time, max_backoff=5.0) as client:
        envelope = fetch_crossref_work(client, DOI)
    assert envelope["status"] == "ok"
    assert len(httpserver.log) == 2
    retry_waits = [s for s in fake_time.sleeps if s > 1e-3]  # the limiter's waits are microseconds here
    assert retry_waits == [1.0]


def test_429_retry_after_capped_by_max_backoff(httpserver: HTTPServer, fake_time: FakeTime) -> None:
    httpserver.expect_oneshot_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver, fake_time, max_backoff=0.25) as client:
        fetch_crossref_work(client, DOI)
    assert [s for s in fake_time.sleeps if s > 1e-3] == [0.25]


def test_429_real_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    started = time.monotonic()
    with client_for(httpserver, max_backoff=5.0) as client:
        fetch_crossref_work(client, DOI)
    assert time.monotonic() - started >= 0.95


def test_500_then_200_backs_off(httpserver: HTTPServer, fake_time: FakeTime) -> None:
    httpserver.expect_oneshot_request(f"/ctgov/studies/{NCT}").respond_with_data("oops", status=500)
    httpserver.expect_request(f"/ctgov/studies/{NCT}").respond_with_data(
        (DATA / "ctgov_study.json").read_text(), content_type="application/json"
    )
    with client_for(httpserver, fake_time, backoff_factor=0.5, max_backoff=10.0) as client:
        study = fetch_ctgov_study(client, NCT)
    assert study["protocolSection"]["identificationModule"]["nctId"] == NCT
    assert len(httpserver.log) == 2
    assert [s for s in fake_time.sleeps if s > 1e-3] == [0.5]


def test_persistent_503_exhausts_retries_with_exponential_backoff(httpserver: HTTPServer, fake_time: FakeTime) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data("busy", status=503)
    with client_for(
        httpserver, fake_time, ncbi_api_key=API_KEY, max_retries=3, backoff_factor=0.5, max_backoff=1.5
    ) as client:
        with pytest.raises(FetchError) as caught:
            list(fetch_pubmed(client, ["10000001"]))
    message = str(caught.value)
    assert "503" in message and "efetch.fcgi" in message and "4 attempt(s)" in message
    assert API_KEY not in message and "api_key=%2A%2A%2A" in message
    assert len(httpserver.log) == 4
    assert [s for s in fake_time.sleeps if s > 1e-3] == [0.5, 1.0, 1.5]


def test_4xx_other_than_429_is_not_retried(httpserver: HTTPServer, fake_time: FakeTime) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data("bad", status=400)
    with client_for(httpserver, fake_time, ncbi_api_key=API_KEY) as client:
        with pytest.raises(FetchError, match="HTTP 400") as caught:
            list(fetch_pubmed(client, ["10000001"]))
    assert API_KEY not in str(caught.value)
    assert len(httpserver.log) == 1
    assert [s for s in fake_time.sleeps if s > 1e-3] == []


def test_timeout_is_retried_then_fetch_error(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)  # longer than the client's timeout, until the test lets go
        return Response(crossref_body(), content_type="application/json")

    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_handler(stall)
    with client_for(httpserver, timeout=0.2, max_retries=1) as client:
        try:
            with pytest.raises(FetchError, match="timed out after 0.2 s") as caught:
                fetch_crossref_work(client, DOI)
            assert "2 attempt(s)" in str(caught.value)
        finally:
            release.set()
    deadline = time.monotonic() + 5
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(httpserver.log) == 2  # the single-threaded server saw both attempts


def test_connection_refused_is_fetch_error(fake_time: FakeTime) -> None:
    settings = HttpSettings(crossref_url="http://127.0.0.1:9", cache_dir=None, max_retries=1, timeout=1.0)
    with HttpClient(settings, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        with pytest.raises(FetchError, match="connection failed"):
            fetch_crossref_work(client, DOI)


# --- cache --------------------------------------------------------------------------


def test_cache_hit_does_not_reach_the_server(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver, cache_dir=tmp_path / "cache") as client:
        first = fetch_crossref_work(client, DOI)
        second = fetch_crossref_work(client, "doi:10.5555/KB-TEST.0001")
        assert client.network_requests == 1
    assert first == second
    assert len(httpserver.log) == 1
    # A re-run (a new client on the same cache) does not ask again, even with another e-mail.
    with client_for(httpserver, cache_dir=tmp_path / "cache", contact_email="other@example.org") as client:
        assert fetch_crossref_work(client, DOI) == first
        assert client.network_requests == 0
    assert len(httpserver.log) == 1


def test_cache_off_asks_every_time(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver, cache_dir=None) as client:
        fetch_crossref_work(client, DOI)
        fetch_crossref_work(client, DOI)
    assert len(httpserver.log) == 2


def test_only_200_is_cached(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(f"/ctgov/studies/{NCT}").respond_with_data("{}", status=404)
    with client_for(httpserver, cache_dir=tmp_path / "cache") as client:
        for _ in range(2):
            with pytest.raises(NotFoundError):
                fetch_ctgov_study(client, NCT)
    assert len(httpserver.log) == 2


def test_api_key_is_not_stored_in_the_cache(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(
        (DATA / "pubmed_set.xml").read_bytes(), content_type="text/xml"
    )
    cache = tmp_path / "cache"
    with client_for(httpserver, cache_dir=cache, ncbi_api_key=API_KEY) as client:
        list(fetch_pubmed(client, ["10000001"]))
    files = list(cache.iterdir())
    assert files, "the cache wrote nothing"
    for path in files:
        assert API_KEY.encode() not in path.read_bytes()
    with sqlite3.connect(cache / "responses.sqlite") as db:
        assert db.execute("select count(*) from responses").fetchone()[0] == 1


def test_unusable_200_is_dropped_from_the_cache(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_oneshot_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    httpserver.expect_request("/crossref/works/10.5555/kb-test.0001").respond_with_data(
        crossref_body(), content_type="application/json"
    )
    with client_for(httpserver, cache_dir=tmp_path / "cache") as client:
        with pytest.raises(FetchError, match="did not answer JSON"):
            fetch_crossref_work(client, DOI)
        assert fetch_crossref_work(client, DOI)["status"] == "ok"  # asked again, not the cached page
        assert fetch_crossref_work(client, DOI)["status"] == "ok"  # now cached
    assert len(httpserver.log) == 2


# --- rate limits --------------------------------------------------------------------


def test_rate_limit_spacing_and_cache_hits_are_free(httpserver: HTTPServer, fake_time: FakeTime, tmp_path: Path) -> None:
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(
        (DATA / "pubmed_set.xml").read_bytes(), content_type="text/xml"
    )
    sent_at: list[float] = []
    # NCBI's limit without an API key; every service is on one local host here, so it is set
    # for that host (test_host_rate_limits_follow_credentials checks the defaults per host).
    with client_for(httpserver, fake_time, cache_dir=tmp_path / "c", rate_limits={"localhost": 3.0}) as client:
        for i in range(10):
            list(fetch_pubmed(client, [str(10_000_001 + i)]))
            sent_at.append(fake_time.now)
        for i in range(10):  # the same again: all from the cache
            list(fetch_pubmed(client, [str(10_000_001 + i)]))
        assert client.network_requests == 10
    assert len(httpserver.log) == 10
    assert fake_time.now == pytest.approx(9 / 3)  # the cached pass added no wait
    for start in sent_at:
        assert sum(start <= t < start + 1.0 - 1e-9 for t in sent_at) <= 3
