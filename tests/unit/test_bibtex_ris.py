"""BibTeX and RIS readers on own fixtures (tests/data/biblio_refs): BOM, CRLF, bad records, malformed files."""

from __future__ import annotations


import pytest

from ingest.biblio.bibtex import read_bibtex
from ingest.biblio.ris import read_ris
from kb.errors import InputFileError
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "biblio_refs"

# --- BibTeX, read by brace counting -------------------------------------------------------------


def test_own_bibtex() -> None:
    records = list(read_bibtex(DATA / "refs.bib"))
    assert [(r.location, r.ok) for r in records] == [
        ("refs.bib line 4 (key weber_2007)", True),
        ("refs.bib line 21 (key bad_doi)", False),
        ("refs.bib line 29", False),
        ("refs.bib line 33 (key dimopoulos_2007)", True),
    ]
    weber = records[0].publication
    assert [a.family or a.collective for a in weber.authors] == ["Weber", "Müller", "Multiple Myeloma (009) Study Investigators"]
    assert weber.authors[1].given == "Jörg"
    assert weber.journal.title == "The New England Journal of Medicine"  # an @string macro
    assert (weber.journal.issn_print, weber.journal.issn_electronic) == ("0028-4793", "1533-4406")
    assert weber.pmid == "18032763" and weber.date == "2007-11-22"  # eprint with eprinttype=pubmed; date
    assert weber.title == "Lenalidomide plus Dexamethasone for Relapsed Multiple Myeloma in North America"
    assert records[1].problems[0][0] == "doi"
    assert "closing" in records[2].problems[0][1]
    assert records[3].publication.date == "2007-11"


def test_not_bibtex() -> None:
    with pytest.raises(InputFileError) as caught:
        read_bibtex(DATA / "not_bibtex.bib")
    assert "not_bibtex.bib" in str(caught.value) and caught.value.problems[0][0] == "line 1"


# --- RIS, read line by line ---------------------------------------------------------------------


def test_own_ris_bom_crlf_bad_record() -> None:
    raw = (DATA / "refs.ris").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    good, bad, odd = read_ris(DATA / "refs.ris")
    pub = good.publication
    assert good.location == "refs.ris line 1"
    assert (pub.pmid, pub.pmcid, pub.date) == ("18032763", "PMC1234567", "2007-11-22")
    assert (pub.journal.issn_print, pub.journal.issn_electronic) == ("0028-4793", "1533-4406")
    assert pub.authors[0].affiliations == ()  # two authors, an address naming neither
    assert pub.abstract[0].text == "Background: lenalidomide. Second line of the abstract."
    assert bad.location == "refs.ris line 26" and bad.problems[0][0] == "pmid"
    assert odd.publication.doi == "10.1056/nejmoa070594" and odd.publication.volume == "12"
    assert odd.publication.journal is None  # SN held an ISBN only
    assert odd.publication.date == "2007-11"


def test_ris_truncated_and_malformed() -> None:
    complete, cut = read_ris(DATA / "truncated.ris")
    assert complete.ok and not cut.ok and cut.location == "truncated.ris line 6" and cut.problems[0][0] == "ER"
    for name, line in (("not_ris.ris", "line 2"), ("untagged_line.ris", "line 2")):
        with pytest.raises(InputFileError) as caught:
            read_ris(DATA / name)
        assert name in str(caught.value) and caught.value.problems[0][0] == line
