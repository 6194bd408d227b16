"""Saved searches (issue 15 item 2): ``kb watch add|list|remove`` and ``kb update``, end to end on an
on-disk store, against the made-up recorded responses of tests/data/search/ on a local server.

The acceptance checks: a PubMed search of several pages ingests every record once; an update with a
recorded "nothing new" answer changes no quad (the N-Quads export is byte-identical); one with two
new PMIDs adds exactly their sources and reports them; a ClinicalTrials.gov search of two pages
ingests every study; an update where one study gained results reports it as changed and its
findings appear.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from kb.cli.watch_cmd import EXIT_CODES
from kb.knowledge_base import KnowledgeBase
from kb.living import read_saved
from tests.conftest import CliResult
from tests.integration.test_search import (
    FIRST_FIVE, STUDIES, TERM, Recorded, record_ctgov_first_run, record_pubmed_first_run, recorded, search_cli,
)

__all__ = ["recorded"]  # the fixture, imported for these tests

ESEARCH = "/eutils/esearch.fcgi"
EFETCH = "/eutils/efetch.fcgi"


@pytest.fixture
def kb_cli(httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``kb --store tmp_path/store ...`` with the services at the local recorded server."""

    def run(*args: str) -> CliResult:
        return search_cli(monkeypatch, httpserver, tmp_path / "store", *args)

    run.store = tmp_path / "store"  # type: ignore[attr-defined]
    return run


def nquads(store: Path) -> bytes:
    with KnowledgeBase.open(store, read_only=True) as kb:
        buffer = io.BytesIO()
        kb.export("nquads", buffer)
    return buffer.getvalue()


def source_ids(store: Path) -> set[str]:
    with KnowledgeBase.open(store, read_only=True) as kb:
        return {source.source_id for source in kb.sources}


def one_search(result: CliResult, code: int) -> dict[str, Any]:
    assert result.code == code, result.stderr
    data = json.loads(result.stdout)
    assert data["exit"] == code and data["meaning"] == EXIT_CODES[code]
    [search] = data["searches"]
    return search


def record_pubmed_nothing_new(recorded: Recorded) -> None:
    """A later run when nothing happened: the same five members, both date windows empty."""
    recorded.add(ESEARCH, "pubmed/esearch_ids_5.xml", without=("usehistory", "datetype"))
    recorded.add(ESEARCH, "pubmed/esearch_window_empty.xml", datetype="edat", usehistory="y")
    recorded.add(ESEARCH, "pubmed/esearch_window_empty.xml", datetype="mdat")


def record_pubmed_two_new(recorded: Recorded) -> None:
    """A later run when PMIDs 90000006 and 90000007 were entered."""
    recorded.add(ESEARCH, "pubmed/esearch_ids_7.xml", without=("usehistory", "datetype"))
    recorded.add(ESEARCH, "pubmed/esearch_window_2_new.xml", datetype="edat", usehistory="y")
    recorded.add(ESEARCH, "pubmed/esearch_mdat_2_new.xml", datetype="mdat")
    recorded.add(EFETCH, "pubmed/efetch_2_new.xml", WebEnv="MCID_kbtest_run3", query_key="1", retstart="0")


def test_pubmed_watch_first_run_nothing_new_then_two_new(kb_cli: Any, recorded: Recorded) -> None:
    added = kb_cli("watch", "add", "len-mm", "pubmed", *TERM.split())
    assert added.code == 0, added.stderr
    with KnowledgeBase.open(kb_cli.store, read_only=True) as kb:
        saved = read_saved(kb.store, kb.iris, "len-mm")
    assert saved is not None and saved.query == {"term": TERM} and saved.last_run is None

    # First run: the whole search, three EFetch pages, every record once.
    record_pubmed_first_run(recorded)
    first = one_search(kb_cli("update", "--page-size", "2", "--json"), 3)
    assert first["first_run"] and [n["id"] for n in first["new"]] == FIRST_FIVE
    assert {n["load"] for n in first["new"]} == {"added"} and first["sources"] == {"added": 5, "replaced": 0, "unchanged": 0}
    assert first["recorded"] and first["count"] == 5 and first["changed"] == [] and first["gone"] == []
    assert len(recorded.requests(EFETCH)) == 3
    assert source_ids(kb_cli.store) == {f"pubmed-pmid-{p}" for p in FIRST_FIVE}
    with KnowledgeBase.open(kb_cli.store, read_only=True) as kb:
        saved = read_saved(kb.store, kb.iris, "len-mm")
    assert saved is not None and saved.last_run is not None and [h.record_id for h in saved.hits] == FIRST_FIVE

    # Nothing new: no quad changes, the export is byte-identical, exit 0.
    before = nquads(kb_cli.store)
    recorded.clear()
    record_pubmed_nothing_new(recorded)
    second = one_search(kb_cli("update", "len-mm", "--json"), 0)
    assert (second["new"], second["changed"], second["gone"], second["recorded"]) == ([], [], [], False)
    assert nquads(kb_cli.store) == before
    [window] = recorded.requests(ESEARCH, datetype="edat")
    since = (saved.last_run - timedelta(days=1)).strftime("%Y/%m/%d")
    assert (window["mindate"], window["maxdate"]) == (since, datetime.now(timezone.utc).strftime("%Y/%m/%d"))
    assert recorded.requests(EFETCH) == []

    # Two new PMIDs: exactly their sources are added, and reported.
    recorded.clear()
    record_pubmed_two_new(recorded)
    third = kb_cli("update")
    assert third.code == 3, third.stderr
    assert "len-mm (pubmed; updated" in third.stdout and "2 new, 0 changed, 0 gone; sources 2 added, 0 replaced, 0 unchanged" in third.stdout
    assert "  new      90000006  pubmed-pmid-90000006 (added)" in third.stdout
    assert "  new      90000007  pubmed-pmid-90000007 (added)" in third.stdout
    assert source_ids(kb_cli.store) - {f"pubmed-pmid-{p}" for p in FIRST_FIVE} == {"pubmed-pmid-90000006", "pubmed-pmid-90000007"}
    assert len(recorded.requests(EFETCH)) == 1  # the mdat window's PMIDs were fetched already
    listing = kb_cli("watch", "list", "--json")
    assert listing.code == 0, listing.stderr
    [row] = json.loads(listing.stdout)
    assert (row["name"], row["service"], row["query"], row["count"], row["returned"]) == ("len-mm", "pubmed", {"term": TERM}, 7, 7)


def test_a_record_that_failed_is_fetched_again_next_run(kb_cli: Any, recorded: Recorded) -> None:
    assert kb_cli("watch", "add", "len-mm", "pubmed", *TERM.split()).code == 0
    record_pubmed_first_run(recorded)
    recorded.add(EFETCH, "pubmed/efetch_page_4.xml", retstart="2")  # the page of 90000003-04 came back without them
    first = one_search(kb_cli("update", "--page-size", "2", "--json"), 1)
    assert [n["id"] for n in first["new"]] == ["90000001", "90000002", "90000005"]
    assert [f["where"] for f in first["failed"]] == ["PMID 90000003", "PMID 90000004"]
    # Next run: both are still in the result; not recorded as returned, they are fetched by PMID.
    recorded.clear()
    record_pubmed_nothing_new(recorded)
    recorded.add(EFETCH, "pubmed/efetch_page_2.xml", id="90000003,90000004")
    second = one_search(kb_cli("update", "--json"), 3)
    assert [n["id"] for n in second["new"]] == ["90000003", "90000004"] and second["failed"] == []
    assert source_ids(kb_cli.store) == {f"pubmed-pmid-{p}" for p in FIRST_FIVE}


def record_ctgov_month_later(recorded: Recorded) -> None:
    """A month on: NCT09100002 completed with results, NCT09100003 left the result, NCT09100004 joined."""
    recorded.add("/ctgov/studies", "ctgov/members_run2.json", fields="NCTId,OverallStatus,LastUpdatePostDate,HasResults")
    recorded.add("/ctgov/studies", "ctgov/window_run2.json", without=("fields",), countTotal="true")
    recorded.add("/ctgov/studies/NCT09100004", "ctgov/study_NCT09100004.json")


def registry_rows(store: Path, nct: str) -> list[Any]:
    with KnowledgeBase.open(store, read_only=True) as kb:
        return kb.query("registry_results", trial=nct)


def test_ctgov_watch_two_pages_then_a_study_gains_results(kb_cli: Any, recorded: Recorded) -> None:
    added = kb_cli("watch", "add", "len-ct", "ctgov", "--condition", "multiple myeloma", "--intervention", "lenalidomide")
    assert added.code == 0, added.stderr

    record_ctgov_first_run(recorded)
    first = one_search(kb_cli("update", "--page-size", "2", "--json"), 3)
    assert [n["id"] for n in first["new"]] == STUDIES and first["sources"]["added"] == 3
    assert len(recorded.requests("/ctgov/studies")) == 2
    assert registry_rows(kb_cli.store, "NCT09100002") == []  # no results posted yet

    recorded.clear()
    record_ctgov_month_later(recorded)
    second = one_search(kb_cli("update", "--json"), 3)
    assert [n["id"] for n in second["new"]] == ["NCT09100004"] and second["new"][0]["load"] == "added"
    assert second["changed"] == [{
        "id": "NCT09100002", "source": "ctgov-NCT09100002",
        "reasons": ["status ACTIVE_NOT_RECRUITING -> COMPLETED", "results posted", "record updated"],
    }]
    assert second["gone"] == ["NCT09100003"]
    [window] = [args for args in recorded.requests("/ctgov/studies") if "filter.advanced" in args]
    assert window["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{second['window']['since']},MAX]"
    # Its findings appear; the study that left the search keeps its source.
    rows = registry_rows(kb_cli.store, "NCT09100002")
    values = {(row.kind, row.statistic, float(row.value)) for row in rows if row.value is not None}
    assert ("measurement", "median", 13.2) in values and ("measurement", "median", 5.1) in values
    assert ("comparison", "hazard_ratio", 0.46) in values
    assert {"ctgov-NCT09100003", "ctgov-NCT09100004"} <= source_ids(kb_cli.store)

    # The same month again, nothing updated since: exit 0 and not a quad changes.
    before = nquads(kb_cli.store)
    recorded.clear()
    recorded.add("/ctgov/studies", "ctgov/members_run2.json", fields="NCTId,OverallStatus,LastUpdatePostDate,HasResults")
    recorded.add("/ctgov/studies", "ctgov/window_empty.json", without=("fields",))
    third = one_search(kb_cli("update", "len-ct", "--json"), 0)
    assert (third["new"], third["changed"], third["gone"]) == ([], [], [])
    assert nquads(kb_cli.store) == before


def test_a_failing_search_writes_nothing_and_the_others_run(kb_cli: Any, recorded: Recorded) -> None:
    assert kb_cli("watch", "add", "a-pubmed", "pubmed", "lenalidomide").code == 0
    assert kb_cli("watch", "add", "b-ctgov", "ctgov", "--condition", "multiple myeloma", "--intervention", "lenalidomide").code == 0
    recorded.add(ESEARCH, b"busy", status=503)
    record_ctgov_first_run(recorded)
    result = kb_cli("update", "--page-size", "2")
    assert result.code == 1, result.stderr
    assert "failed  a-pubmed: PubMed ESearch for 'lenalidomide'" in result.stderr and "503" in result.stderr
    assert "Traceback" not in result.stderr
    assert "b-ctgov (ctgov; first run, whole search): 3 new" in result.stdout
    with KnowledgeBase.open(kb_cli.store, read_only=True) as kb:
        failed, ran = read_saved(kb.store, kb.iris, "a-pubmed"), read_saved(kb.store, kb.iris, "b-ctgov")
    assert failed is not None and failed.last_run is None and failed.hits == ()
    assert ran is not None and ran.last_run is not None and len(ran.hits) == 3
    assert source_ids(kb_cli.store) == {f"ctgov-{nct}" for nct in STUDIES}


def test_watch_usage(kb_cli: Any, recorded: Recorded) -> None:
    assert kb_cli("watch", "add", "len-mm", "pubmed", "lenalidomide").code == 0
    duplicate = kb_cli("watch", "add", "len-mm", "pubmed", "other")
    assert duplicate.code == 1 and "exists already" in duplicate.stderr
    assert kb_cli("watch", "add", "len-mm", "pubmed", "other", "--replace").code == 0
    for args, message in (
        (("watch", "add", "bad name", "pubmed", "x"), "saved search name"),
        (("watch", "add", "x", "embase", "x"), "use pubmed or ctgov"),
        (("watch", "add", "x", "pubmed"), "needs a query"),
        (("watch", "add", "x", "pubmed", "q", "--status", "RECRUITING"), "ClinicalTrials.gov options"),
        (("update", "nosuch"), "no saved search 'nosuch' (saved searches: len-mm)"),
    ):
        result = kb_cli(*args)
        assert result.code == 2, (args, result.stderr)
        assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    listing = kb_cli("watch", "list")
    assert listing.stdout.startswith("len-mm\tpubmed\tterm='other'\tnever run")
    removed = kb_cli("watch", "remove", "len-mm")
    assert removed.code == 0 and "its sources stay" in removed.stderr
    missing = kb_cli("watch", "remove", "len-mm")
    assert missing.code == 1 and "no saved search 'len-mm'" in missing.stderr
    assert recorded.log == []  # adding, listing and removing never ask a service


def test_saved_search_graph_round_trips_and_an_equal_state_writes_nothing() -> None:
    from kb.living import Hit, SavedSearch, list_saved, save
    from kb.living.watch import search_triples, watch_graph

    kb = KnowledgeBase.memory()
    created = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)
    saved = SavedSearch(
        "len-ct", "ctgov", {"condition": "multiple myeloma", "status": "COMPLETED"}, created,
        last_run=datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc), count=2,
        hits=(Hit("NCT09100001", "ctgov-NCT09100001", "COMPLETED", False, "2025-02-11"), Hit("NCT09100002", "ctgov-NCT09100002", "RECRUITING", True, "2026-03")),
    )
    assert save(kb.store, kb.iris, saved) is True
    assert read_saved(kb.store, kb.iris, "len-ct") == saved
    assert save(kb.store, kb.iris, saved) is False  # the same state: not a quad written
    assert [s.name for s in list_saved(kb.store, kb.iris)] == ["len-ct"]
    assert search_triples(kb.iris, saved) == search_triples(kb.iris, saved)
    quads = list(kb.store.quads(watch_graph(kb.iris, "len-ct")))
    assert quads and not any(q.subject.__class__.__name__ == "BlankNode" or q.object.__class__.__name__ == "BlankNode" for q in quads)
    assert kb.sources == []  # a saved search is not a source
