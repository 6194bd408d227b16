"""`kb ingest nct` end to end against a local server replaying ClinicalTrials.gov API v2 answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR

HTTP = DATA_DIR / "http"
STUDY = json.loads((HTTP / "ctgov_study.json").read_text(encoding="utf-8"))
NCT = STUDY["protocolSection"]["identificationModule"]["nctId"]


@pytest.fixture
def services(httpserver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, unthrottled_http: None):
    """Point the services at the local server, with a fresh cache, tiny back-off and no rate limit."""
    base = httpserver.url_for("").rstrip("/")
    monkeypatch.setenv("KB_CTGOV_URL", base + "/ctgov")
    monkeypatch.setenv("KB_EUTILS_URL", base + "/eutils")
    monkeypatch.setenv("KB_HTTP_CACHE", str(tmp_path / "http-cache"))
    monkeypatch.setenv("KB_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("KB_HTTP_MAX_BACKOFF", "0.02")
    return httpserver


def test_ingest_nct_fetches_the_study_and_a_rerun_uses_the_cache(cli, services) -> None:
    services.expect_request(f"/ctgov/studies/{NCT}").respond_with_json(STUDY)
    result = cli("ingest", "nct", NCT.lower(), "--json")
    assert result.code == 0, result.stderr
    assert [s["source"] for s in json.loads(result.stdout)["loaded"]] == [f"ctgov-{NCT}"]
    reports = json.loads(cli("query", "trial_reports", "-p", f"trial={NCT}", "--format", "json").stdout)
    assert {row["source"] for row in reports} == {f"ctgov-{NCT}"}
    assert cli("ingest", "nct", NCT, "--quiet").code == 0
    assert len(services.log) == 1


def test_unknown_nct_is_not_found_and_invalid_ones_make_no_request(cli, services) -> None:
    services.expect_request("/ctgov/studies/NCT09999999").respond_with_json({"error": "not found"}, status=404)
    result = cli("ingest", "nct", "NCT09999999", "NCT123", "--json")
    assert result.code == 1
    errors = [f["error"] for f in json.loads(result.stdout)["failed"]]
    assert any("NCT123" in e and "invalid" in e for e in errors)
    assert any("not found" in e and "NCT09999999" in e for e in errors)
    assert [request.path for request, _ in services.log] == ["/ctgov/studies/NCT09999999"]


def test_a_server_error_is_retried(cli, services) -> None:
    services.expect_ordered_request(f"/ctgov/studies/{NCT}").respond_with_data("busy", status=503)
    services.expect_ordered_request(f"/ctgov/studies/{NCT}").respond_with_json(STUDY)
    result = cli("ingest", "nct", NCT, "--json")
    assert result.code == 0, result.stderr
    assert len(services.log) == 2


def test_with_publications_fetches_the_reference_pmids_and_links_them_to_the_trial(cli, services) -> None:
    study = json.loads(json.dumps(STUDY))
    study["protocolSection"]["referencesModule"] = {"references": [{"pmid": "10000001", "type": "RESULT", "citation": "Example A. A synthetic record."}]}
    services.expect_request(f"/ctgov/studies/{NCT}").respond_with_json(study)
    services.expect_request("/eutils/efetch.fcgi").respond_with_data((HTTP / "pubmed_set.xml").read_bytes(), content_type="text/xml")
    result = cli("ingest", "nct", NCT, "--with-publications", "--json")
    assert result.code == 0, result.stderr
    assert sorted(s["source"] for s in json.loads(result.stdout)["loaded"]) == [f"ctgov-{NCT}", "pubmed-pmid-10000001"]
    efetch = [request for request, _ in services.log if request.path.endswith("efetch.fcgi")]
    assert [request.args["id"] for request in efetch] == ["10000001"]
    # The registry's results reference and the PubMed record are one node, which reports on the trial.
    rows = json.loads(cli("sparql", "PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#> "
                          "PREFIX fabio: <http://purl.org/spar/fabio/> "
                          "SELECT DISTINCT ?p ?t WHERE { ?p fabio:hasPubMedId \"10000001\" ; tekb:reportsOn ?t }",
                          "--format", "json").stdout)
    bindings = rows["results"]["bindings"]
    assert len({b["p"]["value"] for b in bindings}) == 1
    assert any(b["t"]["value"].endswith(f"/trial/{NCT}") for b in bindings)


def test_ingest_ctgov_reports_what_a_study_left_out_as_notes(cli) -> None:
    path = DATA_DIR / "ctgov" / "na_values_v2.json"
    result = cli("ingest", "ctgov", str(path), "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert len(summary["loaded"]) == 1 and summary["failed"] == []
    # The file's "NA" values are skipped and each is named in a note.
    assert any("'NA'" in note for note in summary["notes"]), summary["notes"]
