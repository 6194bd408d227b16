"""PubMed XML reader: own fixtures, broken and hostile files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ingest.biblio.pubmed_xml import expand_pages, parse_medline_date, parse_pubmed_xml, read_pubmed_xml
from kb.errors import InputFileError
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "biblio_pubmed"


def _by_pmid(path: Path) -> dict:
    records = list(read_pubmed_xml(path))
    assert all(r.ok for r in records), [r.problems for r in records if not r.ok]
    return {r.publication.pmid: r.publication for r in records}


# --- own fixtures -----------------------------------------------------------------------


def test_structured_fixture_fields() -> None:
    pubs = _by_pmid(DATA / "structured.xml")
    pub = pubs["18032763"]
    assert pub.doi == "10.1056/nejmoa070596"
    assert pub.title == "Lenalidomide plus dexamethasone for relapsed multiple myeloma in North America1."
    assert [(s.label, s.category) for s in pub.abstract] == [
        ("BACKGROUND", "BACKGROUND"), ("METHODS", "METHODS"), ("CONCLUSIONS", "CONCLUSIONS")]
    assert pub.abstract[0].text == "Lenalidomide is a thalidomide analogue."
    assert [a.display_name for a in pub.authors] == ["Weber DM", "Chen C", "Multiple Myeloma (009) Study Investigators"]
    assert pub.authors[0].orcid == "0000-0002-1825-0097"
    assert pub.authors[0].affiliations == ("Department of Lymphoma and Myeloma, Houston, TX, USA.",)
    assert pub.journal.title == "The New England journal of medicine"
    assert (pub.journal.issn_print, pub.journal.issn_electronic, pub.journal.issn_linking) == (None, "1533-4406", "0028-4793")
    assert pub.journal.nlm_id == "0255562" and pub.journal.iso_abbreviation == "N Engl J Med"
    assert (pub.volume, pub.issue, pub.first_page, pub.last_page) == ("357", "21", "2133", "2142")
    assert pub.date == "2007-11"  # partial stays partial
    assert pub.registry_ids == ("NCT00056160",)  # the ISRCTN data bank is ignored
    assert [(g.id, g.agency, g.country) for g in pub.grants] == [
        ("R01 CA000001", "NCI NIH HHS", "United States"), (None, "Celgene", None)]
    assert [(r.pmid, r.doi, r.citation) for r in pub.references] == [
        ("17000001", None, None), (None, "10.1038/leu.2009.147", None), (None, None, "Third cited work, a meeting abstract.")]
    assert [(m.descriptor, m.descriptor_id, m.major_topic, m.qualifiers) for m in pub.mesh_headings] == [
        ("Humans", "D006801", False, ()),
        ("Multiple Myeloma", "D009101", True, ("drug therapy", "mortality")),
        ("Dexamethasone", "D003907", True, ()),
    ]
    assert pub.keywords == ("lenalidomide", "relapsed myeloma")
    assert pub.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert pub.language == "eng"
    other = pubs["9999001"]
    assert other.date == "1998-12"  # MedlineDate '1998 Dec-1999 Jan', before ArticleDate
    assert other.doi == "10.1000/xyz.123"  # from ELocationID
    assert other.first_page == "e100" and other.last_page is None
    assert [(s.label, s.text) for s in other.abstract] == [(None, "One unstructured paragraph.")]


def test_locations_name_record_pmid_and_line() -> None:
    assert [r.location for r in read_pubmed_xml(DATA / "structured.xml")] == [
        "record 1 (PMID 18032763), line 4", "record 2 (PMID 9999001), line 95"]


def test_gzip_by_magic_bytes_and_efetch_body(tmp_path: Path) -> None:
    data = (DATA / "structured.xml").read_bytes()
    for name in ("copy.xml.gz", "copy.xml"):  # the second is gzipped but not named so
        target = tmp_path / name
        target.write_bytes(gzip.compress(data))
        assert [r.publication.pmid for r in read_pubmed_xml(target)] == ["18032763", "9999001"]
    assert [r.publication.pmid for r in parse_pubmed_xml(data, "efetch")] == ["18032763", "9999001"]


def test_one_bad_record_among_good_ones() -> None:
    records = list(read_pubmed_xml(DATA / "one_bad_record.xml"))
    assert [r.ok for r in records] == [True, False, True, True]
    bad = records[1]
    assert bad.location == "record 2 (PMID 12ab), line 9"
    assert [field for field, _ in bad.problems] == ["pmid"]
    kept = records[2]
    # Bad optional values are dropped, named, and the record is kept.
    assert [field for field, _ in kept.problems] == ["authors.1.orcid", "journal.issn_print"]
    assert "check digit" in kept.problems[1][1]
    assert kept.publication.journal.issn_print is None
    assert [a.family for a in kept.publication.authors] == ["Gamma", "Delta"]
    assert kept.publication.authors[1].orcid is None
    assert records[3].publication.title == "Good last."


def test_truncated_file_names_file_and_line(tmp_path: Path) -> None:
    lines = (DATA / "structured.xml").read_text().splitlines(keepends=True)
    target = tmp_path / "truncated.xml"
    target.write_text("".join(lines[:100]))
    reader = read_pubmed_xml(target)
    assert next(reader).publication.pmid == "18032763"  # records before the break come out
    with pytest.raises(InputFileError) as caught:
        list(reader)
    assert str(target) in str(caught.value)
    assert caught.value.problems[0][0] == "line 101"


@pytest.mark.parametrize("content, message", [
    (b"this is not xml", "not well-formed XML"),
    (b"", "not well-formed XML"),
    (b"<eSearchResult><Count>0</Count></eSearchResult>", "expected a PubmedArticleSet"),
    (b"<eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>", "Empty id list"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    target = tmp_path / "bad.xml"
    target.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        list(read_pubmed_xml(target))


def test_truncated_gzip(tmp_path: Path) -> None:
    target = tmp_path / "cut.xml.gz"
    target.write_bytes(gzip.compress((DATA / "structured.xml").read_bytes())[:200])
    with pytest.raises(InputFileError, match=str(target)):
        list(read_pubmed_xml(target))


# --- hostile files ------------------------------------------------------------------------

_ARTICLE = "<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>{}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"


def test_billion_laughs_rejected(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    target = tmp_path / "laughs.xml"
    target.write_text('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n' + "\n".join(entities)
                      + "\n]>\n<PubmedArticleSet>" + _ARTICLE.format("&lol9;") + "</PubmedArticleSet>\n")
    with pytest.raises(InputFileError, match=r"declares entities \(lol0, lol1") as caught:
        list(read_pubmed_xml(target))
    assert caught.value.problems[0][0] == "line 14"  # the root element, after the 10 declarations


@pytest.mark.parametrize("text, expected", [
    ("2133-42", ("2133", "2142")), ("113-25", ("113", "125")), ("1116-1122", ("1116", "1122")),
    ("S12-5", ("S12", "S15")), ("e1234", ("e1234", None)), ("123-4, 130", ("123", "130")), ("", (None, None)),
])
def test_expand_pages(text: str, expected: tuple) -> None:
    assert expand_pages(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1998 Dec-1999 Jan", "1998-12"), ("2000 Spring", "2000"), ("1975-1976", "1975"),
    ("2006 Mar 1", "2006-03-01"), ("2013 Jan-Mar", "2013-01"), ("undated", None),
])
def test_parse_medline_date(text: str, expected: str | None) -> None:
    assert parse_medline_date(text) == expected


def test_book_article() -> None:
    body = b"""<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
    <Book><BookTitle>GeneReviews</BookTitle><PubDate><Year>1993</Year></PubDate></Book>
    <ArticleTitle>A <i>chapter</i>.</ArticleTitle><Language>eng</Language>
    <AuthorList Type="authors"><Author><LastName>Roe</LastName><ForeName>Ann</ForeName></Author></AuthorList>
    <Abstract><AbstractText Label="SUMMARY">Short.</AbstractText></Abstract></BookDocument>
    <PubmedBookData><ArticleIdList><ArticleId IdType="bookaccession">NBK1</ArticleId></ArticleIdList></PubmedBookData>
    </PubmedBookArticle></PubmedArticleSet>"""
    (record,) = parse_pubmed_xml(body, "efetch")
    pub = record.publication
    assert (pub.pmid, pub.title, pub.date, pub.journal) == ("20301295", "A chapter.", "1993", None)
    assert [a.family for a in pub.authors] == ["Roe"] and pub.abstract[0].label == "SUMMARY"
