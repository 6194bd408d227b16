"""Bibliographic ingestion end to end: `kb ingest <format> FILE`, `kb ingest doi|pmid`, merging.

The HTTP tests run the real CLI against a local server (pytest-httpserver) replaying answers in
the services' formats (tests/data/http); nothing goes to the network.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kb.store import KBStore
from tests.conftest import DATA_DIR

DATA = DATA_DIR
HTTP = DATA / "http"
CROSSREF_WORK = HTTP / "crossref_work.json"
PUBMED_SET = HTTP / "pubmed_set.xml"
DOI = "10.5555/kb-test.0001"


def _snapshot(store_path: Path) -> frozenset[str]:
    if not store_path.exists():
        return frozenset()
    with KBStore.open(store_path, read_only=True) as store:
        return frozenset(str(quad) for quad in store.quads())


def _publication_rows(cli, doi: str) -> list[dict]:
    result = cli("query", "publication", "-p", f"doi={doi}", "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _pubmed_article(pmid: str) -> ET.Element:
    for article in ET.parse(PUBMED_SET).getroot().iter("PubmedArticle"):
        if article.findtext(".//MedlineCitation/PMID") == pmid:
            return article
    raise AssertionError(pmid)


@pytest.mark.parametrize("order", [("crossref", "pubmed"), ("pubmed", "crossref")])
def test_one_article_from_crossref_and_pubmed_is_one_node_with_two_sources(cli, order: tuple[str, str]) -> None:
    files = {"crossref": CROSSREF_WORK, "pubmed": PUBMED_SET}
    for kind in order:
        result = cli("ingest", kind, str(files[kind]))
        assert result.code == 0, result.stderr
    rows = _publication_rows(cli, DOI)
    assert {row["publication"] for row in rows} == {f"https://doi.org/{DOI}"}
    assert set(rows[0]["sources"].split()) == {"crossref-doi-10.5555_kb-test.0001", "pubmed-pmid-10000001"}
    # One merged record: PubMed is preferred, so its title (with its final period) wins, and the
    # PMID only PubMed knows is on every row.
    article = _pubmed_article("10000001")
    assert {row["title"] for row in rows} == {article.findtext(".//ArticleTitle")}
    assert {row["pmid"] for row in rows} == {"10000001"}
    authors = [a.findtext("ForeName") + " " + a.findtext("LastName") for a in article.iter("Author")]
    assert [row["author"] for row in sorted(rows, key=lambda r: r["author_position"])] == authors
    # And the PMID finds the same record.
    by_pmid = json.loads(cli("query", "publication", "-p", "pmid=10000001", "--format", "json").stdout)
    assert by_pmid == rows


def test_ris_file_with_a_bad_record_loads_the_others_and_reports_it(cli, tmp_path: Path) -> None:
    good = "TY  - JOUR\nTI  - Good one\nAU  - Example, Ada\nDO  - 10.5555/ris.good\nPY  - 2020\nER  - \n\n"
    bad = "TY  - JOUR\nTI  - Bad one\nAU  - Sample, Ben\nDO  - 10.5555/ris.bad\nSN  - 1234-5678\nC2  - PMID: 12ab\nER  - \n\n"
    path = tmp_path / "mixed.ris"
    path.write_text(good + bad + good.replace("Good one", "Good two").replace("ris.good", "ris.good2"), encoding="utf-8")
    result = cli("ingest", "ris", str(path), "--json")
    assert result.code == 1
    summary = json.loads(result.stdout)
    assert sorted(s["source"] for s in summary["loaded"]) == ["ris-doi-10.5555_ris.good", "ris-doi-10.5555_ris.good2"]
    assert len(summary["failed"]) == 1
    error = summary["failed"][0]["error"]
    assert str(path) in error and "line 8" in error and "pmid" in error  # the bad record's TY line


def test_a_malformed_file_loads_nothing_even_after_good_records(cli, tmp_path: Path) -> None:
    cli("ingest", "crossref", str(CROSSREF_WORK))
    before = _snapshot(tmp_path / "store")
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(PUBMED_SET.read_bytes()[: len(PUBMED_SET.read_bytes()) * 2 // 3])
    result = cli("ingest", "pubmed", str(truncated))
    assert result.code == 1
    assert str(truncated) in result.stderr and "line" in result.stderr
    assert _snapshot(tmp_path / "store") == before


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
        '<!DOCTYPE PubmedArticleSet [<!ENTITY secret SYSTEM "file://{secret}">]>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_entity_tricks_are_rejected_through_the_cli(cli, tmp_path: Path, doctype: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    body = PUBMED_SET.read_text(encoding="utf-8").replace("A second synthetic record.", "&lol3; &secret;")
    body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
    head, rest = body.split("<PubmedArticleSet", 1)
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?>\n' + doctype.replace("{secret}", str(secret)) + "\n<PubmedArticleSet" + rest, encoding="utf-8")
    result = cli("ingest", "pubmed", str(path))
    assert result.code == 1
    assert "entit" in result.stderr.lower()
    assert "TOP-SECRET" not in result.stderr + result.stdout
    assert _snapshot(tmp_path / "store") == frozenset()


# -- fetching by identifier ---------------------------------------------------------------


@pytest.fixture
def services(httpserver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, unthrottled_http: None):
    """Point every service at the local server, with a fresh cache, tiny back-off and no rate limit."""
    base = httpserver.url_for("").rstrip("/")
    monkeypatch.setenv("KB_CROSSREF_URL", base + "/crossref")
    monkeypatch.setenv("KB_EUTILS_URL", base + "/eutils")
    monkeypatch.setenv("KB_CTGOV_URL", base + "/ctgov")
    monkeypatch.setenv("KB_HTTP_CACHE", str(tmp_path / "http-cache"))
    monkeypatch.setenv("KB_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("KB_HTTP_MAX_BACKOFF", "0.02")
    monkeypatch.setenv("KB_CONTACT_EMAIL", "curator@example.org")
    return httpserver


def test_ingest_doi_fetches_crossref_and_a_rerun_uses_the_cache(cli, services) -> None:
    services.expect_request(f"/crossref/works/{DOI}").respond_with_data(
        CROSSREF_WORK.read_bytes(), content_type="application/json"
    )
    result = cli("ingest", "doi", f"https://doi.org/{DOI}", "--json")
    assert result.code == 0, result.stderr
    assert [s["source"] for s in json.loads(result.stdout)["loaded"]] == ["crossref-doi-10.5555_kb-test.0001"]
    assert len(services.log) == 1
    again = cli("ingest", "doi", DOI, "--json")
    assert again.code == 0 and json.loads(again.stdout)["loaded"][0]["status"] == "unchanged"
    assert len(services.log) == 1  # answered from the on-disk cache


def test_ingest_doi_reports_invalid_and_unknown_ids_and_loads_the_rest(cli, services, tmp_path: Path) -> None:
    services.expect_request(f"/crossref/works/{DOI}").respond_with_data(
        CROSSREF_WORK.read_bytes(), content_type="application/json"
    )
    services.expect_request("/crossref/works/10.5555/missing").respond_with_data("Resource not found.", status=404)
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# my search\n{DOI}\n10.5555/missing\nnot-a-doi\n", encoding="utf-8")
    result = cli("ingest", "doi", "--from-file", str(ids), "--json")
    assert result.code == 1
    summary = json.loads(result.stdout)
    assert [s["source"] for s in summary["loaded"]] == ["crossref-doi-10.5555_kb-test.0001"]
    errors = " ".join(f["error"] for f in summary["failed"])
    assert "not found" in errors and "10.5555/missing" in errors and "not-a-doi" in errors
    # The invalid DOI never reached the server.
    assert all("not-a-doi" not in request.path for request, _ in services.log)


def test_ingest_pmid_fetches_in_one_batch_and_names_missing_ids(cli, services) -> None:
    services.expect_request("/eutils/efetch.fcgi").respond_with_data(PUBMED_SET.read_bytes(), content_type="text/xml")
    result = cli("ingest", "pmid", "10000001", "10000002", "10000003", "--json")
    assert result.code == 1
    summary = json.loads(result.stdout)
    assert sorted(s["source"] for s in summary["loaded"]) == ["pubmed-pmid-10000001", "pubmed-pmid-10000002"]
    assert [f["error"] for f in summary["failed"]] == ["PMID 10000003: not found: PMID 10000003 (PubMed returned no article)"]
    assert len(services.log) == 1
    assert services.log[0][0].args["id"] == "10000001,10000002,10000003"


def test_a_failing_service_leaves_the_store_as_it_was(cli, services, tmp_path: Path) -> None:
    cli("ingest", "crossref", str(CROSSREF_WORK))
    before = _snapshot(tmp_path / "store")
    services.expect_request("/eutils/efetch.fcgi").respond_with_data("busy", status=503)
    result = cli("ingest", "pmid", "10000001")
    assert result.code == 1
    assert "503" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(tmp_path / "store") == before


def test_invalid_identifiers_make_no_request(cli, services) -> None:
    result = cli("ingest", "pmid", "12ab", "--json")
    assert result.code == 1
    assert "invalid PMID" in json.loads(result.stdout)["failed"][0]["error"]
    assert services.log == []
