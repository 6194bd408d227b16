"""PubMed XML reader: conformance with real efetch files (../shared/fixtures/pubmed_xml); external entities never fetched (a local HTTP server)."""

from __future__ import annotations

import http.server
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ingest.biblio.pubmed_xml import parse_pubmed_xml, read_pubmed_xml
from kb.errors import InputFileError
from tests.conftest import shared_files, shared_path


def _flat(element: ET.Element | None) -> str | None:
    return " ".join("".join(element.itertext()).split()) or None if element is not None else None


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"LEAKED-OVER-HTTP")

    def log_message(self, *args: object) -> None:
        pass


def _by_pmid(path: Path) -> dict:
    records = list(read_pubmed_xml(path))
    assert all(r.ok for r in records), [r.problems for r in records if not r.ok]
    return {r.publication.pmid: r.publication for r in records}


# --- conformance: an independent reading of each shared file with xml.etree ---------------

_ARTICLE = "<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>{}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"


@pytest.mark.parametrize("path", shared_files("fixtures/pubmed_xml", "*.xml"))
def test_conformance_with_shared_files(path: Path) -> None:
    ours = _by_pmid(path)
    articles = ET.parse(path).getroot().findall("PubmedArticle")
    assert articles and len(ours) == len(articles)
    for article in articles:
        pmid = article.findtext("MedlineCitation/PMID").strip()
        pub = ours[pmid]
        ids = {a.get("IdType"): a.text.strip() for a in article.findall("PubmedData/ArticleIdList/ArticleId")}
        elocation = [e.text for e in article.iter("ELocationID") if e.get("EIdType") == "doi"]
        doi = ids.get("doi") or (elocation[0] if elocation else None)
        assert pub.doi == (doi.lower() if doi else None)
        assert pub.pmcid == ids.get("pmc")
        assert pub.title == _flat(article.find("MedlineCitation/Article/ArticleTitle"))
        families = [a.findtext("LastName") or a.findtext("CollectiveName")
                    for a in article.findall("MedlineCitation/Article/AuthorList/Author")]
        assert [a.family or a.collective for a in pub.authors] == families
        issns = {i.get("IssnType"): i.text for i in article.findall("MedlineCitation/Article/Journal/ISSN")}
        assert pub.journal.issn_print == issns.get("Print")
        assert pub.journal.issn_electronic == issns.get("Electronic")
        assert pub.journal.issn_linking == article.findtext("MedlineCitation/MedlineJournalInfo/ISSNLinking")
        pub_date = article.find("MedlineCitation/Article/Journal/JournalIssue/PubDate")
        year = pub_date.findtext("Year") or pub_date.findtext("MedlineDate")[:4]
        assert pub.date[:4] == year
        headings = article.findall("MedlineCitation/MeshHeadingList/MeshHeading")
        assert [(m.descriptor, m.qualifiers) for m in pub.mesh_headings] == [
            (h.findtext("DescriptorName"), tuple(q.text for q in h.findall("QualifierName"))) for h in headings]


def test_structured_abstract_labels_27797938() -> None:
    pub = _by_pmid(shared_path("fixtures", "pubmed_xml", "biopython_pubmed4.xml"))["27797938"]
    assert [s.label for s in pub.abstract] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert pub.abstract[0].text.startswith("Telomere shortening occurs")
    assert "(TERT) gene region" in pub.abstract[0].text
    assert pub.first_page == "1116" and pub.last_page == "1122"
    assert pub.date == "2017-06"
    adenocarcinoma = next(m for m in pub.mesh_headings if m.descriptor == "Adenocarcinoma")
    # The descriptor is not major, its qualifiers are: the heading is a major topic.
    assert adenocarcinoma.descriptor_id == "D000230"
    assert adenocarcinoma.qualifiers == ("epidemiology", "genetics") and adenocarcinoma.major_topic
    adult = next(m for m in pub.mesh_headings if m.descriptor == "Adult")
    assert not adult.major_topic and adult.qualifiers == ()
    assert len(pub.grants) == 35 and pub.grants[0].id == "KL2 TR001100"
    assert pub.grants[0].agency == "NCATS NIH HHS" and pub.grants[0].country == "United States"


def test_italics_flattened_29872490() -> None:
    pub = _by_pmid(shared_path("fixtures", "pubmed_xml", "jabref_MedlineImporterTestArticleItalics.xml"))["29872490"]
    assert pub.title == "Genome-wide significant risk factors on chromosome 19 and the APOE locus."
    assert "including ABCA7 (19p13.3) and CD33 (19q13.41)" in pub.abstract[0].text
    assert len(pub.authors) == 24 and pub.date == "2018-05-15"
    assert len(pub.references) == 43 and pub.references[0].pmid == "27237222"
    assert "late onset Alzheimer’s disease" in pub.keywords


def test_qualifier_major_topic_and_season_9997() -> None:
    pubs = _by_pmid(shared_path("fixtures", "pubmed_xml", "biopython_pubmed1.xml"))
    chromatium = next(m for m in pubs["9997"].mesh_headings if m.descriptor == "Chromatium")
    assert chromatium.qualifiers == ("enzymology",) and chromatium.major_topic
    assert pubs["9997"].date == "1976-09-28"
    assert pubs["12091962"].date == "1990"  # Season 'Spring' leaves the year


def test_orcids_33474827() -> None:
    pub = _by_pmid(shared_path("fixtures", "pubmed_xml", "metapub_33474827.xml"))["33474827"]
    assert [a.orcid for a in pub.authors if a.orcid] == ["0000-0003-4715-136X", "0000-0003-1722-8207"]


# --- hostile files: external entities ------------------------------------------------------


def test_external_entities_rejected_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/dtd"
        for system in (secret.as_uri(), "file:///etc/passwd", url):
            body = (f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY xxe SYSTEM "{system}">\n'
                    f'<!ENTITY % remote SYSTEM "{url}">\n%remote;\n]>\n<PubmedArticleSet>'
                    + _ARTICLE.format("&xxe;") + "</PubmedArticleSet>\n").encode()
            with pytest.raises(InputFileError, match="declares entities") as caught:
                list(parse_pubmed_xml(body, "efetch"))
            assert "TOP-SECRET" not in str(caught.value) and "root:" not in str(caught.value)
        # An external DTD named in the DOCTYPE (as NLM's files do) is not fetched either.
        external = (f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "{url}">\n<PubmedArticleSet>'
                    + _ARTICLE.format("Plain title") + "</PubmedArticleSet>\n").encode()
        assert [r.publication.title for r in parse_pubmed_xml(external, "efetch")] == ["Plain title"]
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.requests == []
