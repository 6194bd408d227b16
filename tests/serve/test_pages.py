"""The evidence pages of a running ``kb serve`` over the examples, read with an HTTP client and lxml.

Each page is checked against what ``kb query`` gives on the same store (the pages run the same
templates): every figure is on the page with a link to its provenance, draft and verified figures
are marked apart, IRIs under the base resolve to their pages, and the same URL gives RDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import lxml.html
import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.rdf.iris import DEFAULT_BASE
from tests.serve.conftest import Server

LENALIDOMIDE = "http://purl.obolibrary.org/obo/CHEBI_63791"
MM009 = DEFAULT_BASE + "trial/NCT00056160"


@pytest.fixture(scope="module")
def kb(module_store: Path) -> Iterator[KnowledgeBase]:
    """The server's store, read in-process (what ``kb query`` answers)."""
    with KnowledgeBase.open(module_store, read_only=True) as handle:
        yield handle


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as http:
        yield http


def page(client: httpx.Client, path: str) -> lxml.html.HtmlElement:
    response = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def text_of(tree: lxml.html.HtmlElement) -> str:
    return " ".join(tree.text_content().split())


def hrefs(tree: lxml.html.HtmlElement) -> list[str]:
    return [str(a.get("href")) for a in tree.iter("a") if a.get("href")]


def finding_path(iri: str) -> str:
    assert iri.startswith(DEFAULT_BASE)
    return "/" + iri[len(DEFAULT_BASE):]


def test_home_shows_the_counts_of_the_stats_template(client: httpx.Client, kb: KnowledgeBase) -> None:
    tree = page(client, "/")
    stats = kb.query("stats")[0]
    cells = {" ".join(th.text_content().split()): " ".join(th.getnext().text_content().split()) for th in tree.xpath("//table[@class='counts']//th")}
    assert cells["trials"] == str(stats.trials)
    assert cells["outcome results"] == str(stats.outcome_results)
    assert cells["mechanism claims"] == str(stats.mechanism_claims)
    assert tree.xpath("//form[@action='/search']//input[@name='q']")


def test_the_drug_page_shows_every_outcome_result_with_its_provenance_and_status(client: httpx.Client, kb: KnowledgeBase) -> None:
    tree = page(client, "/drug/CHEBI:63791")
    assert tree.xpath("//h1")[0].text_content().strip() == "lenalidomide"
    rows = kb.query("outcome_results", drug="lenalidomide")
    assert len({row.trial for row in rows}) >= 3  # MM-009, MM-010 and the pooled analyses
    for row in rows:
        links = tree.xpath(f"//tr[.//a[@href='{finding_path(row.finding)}#quote']]")
        assert links, f"no provenance link for {row}"
        status = "verified" if row.status == "verified" else "draft"
        # The status is a class of the row and a visible label in words, not colour alone.
        assert any(status in tr.get("class", "").split() and status in text_of(tr) for tr in links), row
    body = text_of(tree)
    for trial in ("MM-009", "MM-010", "MM-009 + MM-010"):
        assert trial in body
    assert "HR 0.44" in body and "HR 1.295 (95% CI 1.04 to 1.614)" in body


def test_the_drug_page_shows_mechanisms_trials_and_adverse_events_against_the_comparator(client: httpx.Client, kb: KnowledgeBase) -> None:
    tree = page(client, "/drug/CHEBI:63791")
    body = text_of(tree)
    for claim in kb.query("mechanisms", drug="lenalidomide"):
        assert claim.quote in body
        assert f"{finding_path(claim.finding)}#quote" in hrefs(tree)
    events = kb.query("adverse_events", drug="lenalidomide")
    assert events
    for event in events:
        row = tree.xpath(f"//tr[.//a[@href='{finding_path(event.finding)}#quote']]")
        assert row, event
        cells = text_of(row[0])
        assert event.grade in cells and (event.comparator_arm or "") in cells
        if event.comparator_percent is not None:
            assert f"{event.comparator_percent:g}%" in cells
    trial_links = {a.text_content().strip(): a.get("href") for a in tree.xpath("//h2[@id='trials']/following-sibling::table[1]//a")}
    assert trial_links["MM-009"] == "/trial/NCT00056160"
    assert trial_links["MM-010"] == "/trial/NCT00424047"


def test_the_drug_page_shows_forest_plots_served_as_svg_and_png(client: httpx.Client) -> None:
    tree = page(client, "/drug/CHEBI:63791")
    images = tree.xpath("//img[@class='forest']")
    assert images, "no forest plot on the drug page"
    source = str(images[0].get("src"))
    assert source.startswith("/plot/forest.svg?")
    svg = client.get(source)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:2000]
    assert b"favours lenalidomide" in svg.content  # the plot's direction label, as text
    png = client.get(source.replace("forest.svg", "forest.png"))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "pooled" in text_of(tree).lower()


def test_a_forest_plot_of_an_unknown_drug_is_a_404_naming_it(client: httpx.Client) -> None:
    response = client.get("/plot/forest.svg", params={"drug": "notadrug", "outcome": "overall survival"})
    assert response.status_code == 404
    assert "notadrug" in response.text


def test_a_synonym_or_name_redirects_to_the_canonical_concept_page(client: httpx.Client) -> None:
    for ref in ("Revlimid", "lenalidomide", "chebi:63791"):
        response = client.get(f"/drug/{ref}")
        assert response.status_code == 301, ref
        assert response.headers["location"] == "/drug/CHEBI:63791"


def test_the_provenance_page_shows_the_quote_location_method_and_status(client: httpx.Client, kb: KnowledgeBase) -> None:
    row = next(r for r in kb.query("outcome_results", drug="lenalidomide", outcome="overall survival") if r.source == "weber-2007-mm009")
    provenance = kb.query("provenance", finding=row.finding)[0]
    tree = page(client, finding_path(row.finding))
    quote = tree.xpath("//*[@id='quote']//blockquote")
    assert quote and " ".join(quote[0].text_content().split()) == " ".join(provenance.quote.split())
    body = text_of(tree)
    assert provenance.source in body
    assert provenance.location in body
    assert provenance.method.replace("_", " ") in body
    assert ("✓ verified" if provenance.status == "verified" else "draft") in body


def test_the_trial_page_shows_design_arms_and_every_report_with_its_cutoff(client: httpx.Client, kb: KnowledgeBase) -> None:
    tree = page(client, "/trial/NCT00056160")
    body = text_of(tree)
    assert tree.xpath("//h1")[0].text_content().strip() == "MM-009"
    for fact in ("double_blind", "353", "multiple myeloma"):
        assert fact in body
    assert "Lenalidomide plus dexamethasone" in body and "Placebo plus dexamethasone" in body
    reports = kb.query("trial_reports", trial="MM-009")
    table = tree.xpath("//h2[@id='reports']/following-sibling::table[1]")[0]
    report_rows = table.xpath(".//tbody/tr")
    assert len(report_rows) == len(reports)
    for tr, report in zip(report_rows, reports):
        cells = text_of(tr)
        assert report.source in cells
        assert (report.cutoff or "not stated") in cells
    for row in kb.query("outcome_results", trial="MM-009"):
        assert f"{finding_path(row.finding)}#quote" in hrefs(tree), row


def test_the_publication_and_author_pages_link_each_other(client: httpx.Client, kb: KnowledgeBase) -> None:
    record = kb.query("publication", doi="10.1056/NEJMoa070596")
    tree = page(client, "/doi/10.1056/nejmoa070596")
    assert tree.xpath("//h1")[0].text_content().strip() == record[0].title
    author_links = tree.xpath("//ol[@class='authors']//a")
    assert [a.text_content() for a in author_links] == [r.author for r in record if r.author]
    author = page(client, str(author_links[0].get("href")))
    assert "/doi/10.1056/nejmoa070596" in hrefs(author)
    leukemia = kb.query("publication", doi="10.1038/leu.2009.147")[0]
    assert page(client, "/pmid/19626046").xpath("//h1")[0].text_content().strip() == leukemia.title


def test_every_trial_iri_under_the_base_resolves_to_its_page(client: httpx.Client, kb: KnowledgeBase) -> None:
    result = kb.raw_sparql("SELECT DISTINCT ?t WHERE { ?t a <http://purl.obolibrary.org/obo/OBI_0003699> }")
    trials = [solution["t"].value for solution in result]
    assert len(trials) >= 3
    for iri in trials:
        tree = page(client, "/" + iri[len(DEFAULT_BASE):])
        assert iri in text_of(tree)


@pytest.mark.parametrize(("accept", "fmt", "media_type"), [
    ("text/turtle", ox.RdfFormat.TURTLE, "text/turtle"),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    ("application/ld+json", ox.RdfFormat.JSON_LD, "application/ld+json"),
])
def test_the_same_url_gives_the_nodes_rdf_by_content_negotiation(client: httpx.Client, accept: str, fmt: ox.RdfFormat, media_type: str) -> None:
    for path, iri in (("/trial/NCT00056160", MM009), ("/drug/CHEBI:63791", LENALIDOMIDE)):
        response = client.get(path, headers={"Accept": f"{accept}, text/html;q=0.5"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert "Accept" in response.headers.get("vary", "")
        triples = list(ox.parse(response.content, fmt))
        assert triples and all(t.subject == ox.NamedNode(iri) for t in triples)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    turtle = client.get("/trial/NCT00056160", params={"format": "turtle"})
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(turtle.content, ox.RdfFormat.TURTLE)}
    assert (ox.NamedNode(MM009), label, ox.Literal("MM-009")) in triples
    assert client.get("/trial/NCT00056160", headers={"Accept": "text/html,*/*;q=0.8"}).headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("query", "expected"), [
    ("Revlimid", "/drug/CHEBI:63791"),
    ("10.1056/NEJMoa070596", "/doi/10.1056/nejmoa070596"),
    ("https://doi.org/10.1056/NEJMoa070596", "/doi/10.1056/nejmoa070596"),
    ("PMID:19626046", "/doi/10.1038/leu.2009.147"),
    ("NCT00056160", "/trial/NCT00056160"),
    ("mm-010", "/trial/NCT00424047"),
    ("CHEBI:63791", "/drug/CHEBI:63791"),
    ("NF-kB", "/target/GO:0071159"),
    ("weber", "/person/weber-dm"),
    ("overall survival", "/outcome/"),
    ("myeloma", "/condition/"),
])
def test_search_finds_every_kind_by_name_synonym_or_identifier(client: httpx.Client, query: str, expected: str) -> None:
    tree = page(client, "/search?" + httpx.QueryParams({"q": query}).__str__())
    links = [str(a.get("href")) for a in tree.xpath("//table[@class='hits']//a")]
    assert any(link.startswith(expected) for link in links), (query, links)
    for link in links[:5]:
        assert client.get(link, follow_redirects=True).status_code == 200, link


def test_search_input_is_escaped_and_bound(client: httpx.Client) -> None:
    hostile = '<script>alert(1)</script>" } UNION { ?s ?p ?o } #'
    response = client.get("/search", params={"q": hostile})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert not lxml.html.fromstring(response.text).xpath("//table[@class='hits']")


@pytest.mark.parametrize("path", ["/trial/NCT99999999", "/drug/notadrug", "/finding/000000", "/doi/10.9999/nothing", "/person/nobody-x",
                                  "/resource?iri=http://example.org/nothing"])
def test_unknown_nodes_are_404_pages(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404, (path, response.status_code)
    assert "text/html" in response.headers["content-type"]


def test_resource_redirects_an_iri_to_its_page(client: httpx.Client) -> None:
    response = client.get("/resource", params={"iri": "https://doi.org/10.1056/nejmoa070596"})
    assert response.status_code == 303 and response.headers["location"] == "/doi/10.1056/nejmoa070596"
    assert client.get("/resource", params={"iri": "not an iri"}).status_code == 400


def test_pages_need_no_javascript_and_nothing_from_the_internet(client: httpx.Client) -> None:
    for path in ("/", "/drug/CHEBI:63791", "/trial/NCT00056160", "/search?q=Revlimid"):
        tree = page(client, path)
        assert not tree.xpath("//script")
        for element in tree.xpath("//link[@href] | //img[@src]"):
            reference = str(element.get("href") or element.get("src"))
            assert reference.startswith("/"), reference
    assert client.get("/static/pages.css").status_code == 200


def test_the_base_iris_whole_path_redirects_to_the_page(client: httpx.Client) -> None:
    response = client.get("/trial-evidence-kb/id/trial/NCT00056160", params={"format": "turtle"})
    assert response.status_code == 308
    assert response.headers["location"] == "/trial/NCT00056160?format=turtle"


def test_other_nodes_under_the_base_have_a_page_too(client: httpx.Client) -> None:
    for path, expected in (("/trial/NCT00056160/arm/len-dex", "Lenalidomide plus dexamethasone"),
                           ("/graph/source/weber-2007-mm009", "weber-2007-mm009"),
                           ("/target/GO:0071159", "lenalidomide"),
                           ("/adverse_event/HP:0001875", "Placebo plus dexamethasone"),
                           ("/condition/MONDO:0009693", "MM-009")):
        assert expected in text_of(page(client, path)), path


PAPER = """
source: {id: paper-syn-2, publication: {title: Synthetic report of SYN-2}}
trials:
  - key: syn2
    registry_ids: [NCT09000002]
    arms:
      - {key: len-dex, label: Len/Dex, registry_group: Lenalidomide plus dexamethasone,
         interventions: [{drug: lenalidomide}, {drug: dexamethasone}]}
      - {key: pbo-dex, label: Pbo/Dex, registry_group: Placebo plus dexamethasone,
         interventions: [{placebo: true}, {drug: dexamethasone}]}
outcome_results:
  - key: ttp
    trial: syn2
    outcome: Time to Progression
    measurements: [{arm: pbo-dex, statistic: median, value: 4.8, unit: month}]
"""


def test_the_trial_page_shows_registry_figures_beside_the_papers(tmp_path: Path) -> None:
    from tests.conftest import DATA_DIR, run_cli
    from tests.serve.conftest import start_server

    store = tmp_path / "store"
    paper = tmp_path / "paper.yaml"
    paper.write_text(PAPER, encoding="utf-8")
    assert run_cli(store, "ingest", "ctgov", str(DATA_DIR / "ctgov" / "na_values_v2.json")).code == 0
    assert run_cli(store, "ingest", "findings", str(paper)).code == 0
    running = start_server(store, tmp_path / "log")
    try:
        with httpx.Client(base_url=running.url, timeout=30) as http:
            tree = page(http, "/trial/NCT09000002")
    finally:
        running.stop()
    table = tree.xpath("//h2[@id='registry']/following-sibling::table[1]")
    assert table, "no registry section"
    rows = [text_of(tr) for tr in table[0].xpath(".//tbody/tr")]
    registry = [i for i, row in enumerate(rows) if "ctgov-NCT09000002" in row and "4.7" in row and "Placebo plus dexamethasone" in row]
    papers = [i for i, row in enumerate(rows) if "paper-syn-2" in row and "4.8" in row]
    assert registry and papers
    # Side by side: the paper's figure for the placebo arm sits next to the registry's.
    assert min(abs(i - j) for i in registry for j in papers) <= 2
