"""MEDLINE (.nbib) reader: own fixture, CRLF/BOM, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.biblio.medline import read_medline, split_structured_abstract
from kb.errors import InputFileError
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "biblio_pubmed"


def test_own_fixture() -> None:
    records = list(read_medline(DATA / "sample.nbib"))
    assert [r.ok for r in records] == [True, False, True, True]
    pub = records[0].publication
    assert records[0].location == "record 1 (PMID 18032763), line 1"
    assert pub.title == "Lenalidomide plus dexamethasone for relapsed multiple myeloma in North America."
    assert pub.doi == "10.1056/nejmoa070596" and pub.pmcid == "PMC1234567"
    assert [(s.label, s.text) for s in pub.abstract] == [
        ("BACKGROUND", "Lenalidomide is a thalidomide analogue."),
        ("METHODS", "Patients were randomly assigned."),
        ("CONCLUSIONS AND RELEVANCE", "It helped: a lot."),
    ]
    assert [a.display_name for a in pub.authors] == ["Weber DM", "Chen C", "Multiple Myeloma (009) Study Investigators"]
    assert pub.authors[0].given == "Donna M" and pub.authors[0].orcid == "0000-0002-1825-0097"
    assert pub.authors[0].affiliations == ("Department of Lymphoma and Myeloma, Houston, TX, USA.",)
    journal = pub.journal
    assert (journal.title, journal.iso_abbreviation, journal.nlm_id) == ("The New England journal of medicine", "N Engl J Med", "0255562")
    assert (journal.issn_print, journal.issn_electronic, journal.issn_linking) == (None, "1533-4406", "0028-4793")
    assert (pub.volume, pub.issue, pub.first_page, pub.last_page, pub.date) == ("357", "21", "2133", "2142", "2007-11-22")
    assert [(m.descriptor, m.major_topic, m.qualifiers) for m in pub.mesh_headings] == [
        ("Humans", False, ()), ("Multiple Myeloma", True, ("drug therapy", "mortality")), ("Dexamethasone", True, ())]
    assert pub.keywords == ("lenalidomide", "relapsed myeloma")
    assert pub.registry_ids == ("NCT00056160",)
    assert [(g.id, g.agency, g.country) for g in pub.grants] == [
        ("R01 CA000001", "NCI NIH HHS", "United States"), ("81972014", "National Natural Science Foundation of China", None)]
    assert pub.publication_types == ("Journal Article", "Randomized Controlled Trial") and pub.language == "eng"

    bad = records[1]
    assert bad.location == "record 2 (PMID 1000002), line 43"
    assert bad.problems[0] == ("line 46", "not a MEDLINE tag line: 'this line is not a tag line'")
    assert bad.problems[1][0] == "journal.issn_print"

    short = records[2].publication
    assert (short.date, short.first_page, short.last_page) == ("1998-12", "S12", "S15")
    assert [(s.label, s.text) for s in short.abstract] == [(None, "One unstructured paragraph about DNA: nothing more.")]
    assert short.authors[0].family == "Doe" and short.authors[0].initials == "J"
    assert short.journal.title == "Biochim Biophys Acta" and short.journal.issn_print == "0006-3002"

    kept = records[3]
    assert [field for field, _ in kept.problems] == ["journal.issn_electronic", "date"]
    assert kept.publication.journal is None and kept.publication.date == "2020-02"  # day 30 of February dropped, with its note
    assert kept.publication.authors[0].given == "Grace"


def test_crlf_and_bom(tmp_path: Path) -> None:
    text = (DATA / "sample.nbib").read_text(encoding="utf-8")
    target = tmp_path / "windows.nbib"
    target.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    ours = [(r.location, r.publication) for r in read_medline(target)]
    assert ours == [(r.location, r.publication) for r in read_medline(DATA / "sample.nbib")]


@pytest.mark.parametrize("content, where", [
    (b"<?xml version='1.0'?><PubmedArticleSet/>", "line 1"),
    (b"\nPMID- 1\nTI  - caf\xe9\n", "line 3"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, where: str) -> None:
    target = tmp_path / "bad.nbib"
    target.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        list(read_medline(target))
    assert str(target) in str(caught.value) and caught.value.problems[0][0] == where


def test_record_without_identity_fails_with_field(tmp_path: Path) -> None:
    target = tmp_path / "anon.nbib"
    target.write_text("PMID- 5\nTI  - Fine.\n\nLA  - eng\n")
    records = list(read_medline(target))
    assert records[0].ok and not records[1].ok
    assert records[1].location == "record 2, line 4"
    assert "needs at least one of doi, pmid, pmcid or title" in records[1].problems[0][1]


def test_split_structured_abstract() -> None:
    assert split_structured_abstract("OBJECTIVE: A. RESULTS: B (P = .01). CONCLUSIONS: C.") == [
        ("OBJECTIVE", "A."), ("RESULTS", "B (P = .01)."), ("CONCLUSIONS", "C.")]
    assert split_structured_abstract("Plain text. HIV: a virus.") == [(None, "Plain text. HIV: a virus.")]
