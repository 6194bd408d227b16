"""Crossref and CSL-JSON readers on own fixtures (tests/data/biblio_refs), and markup stripping."""

from __future__ import annotations


import pytest

from ingest.biblio.crossref import parse_crossref, read_crossref
from ingest.biblio.csl import read_csl
from ingest.biblio.text import strip_markup
from kb.errors import InputFileError
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "biblio_refs"

def test_own_crossref_worklist_bad_record_among_good() -> None:
    records = list(read_crossref(DATA / "crossref_worklist.json"))
    assert [r.ok for r in records] == [True, False, True]
    weber = records[0].publication
    assert [(s.label, s.text) for s in weber.abstract] == [
        ("Background", "Lenalidomide & dexamethasone."),
        ("Results", "Time to progression was longer."),
    ]
    assert weber.authors[0].orcid == "0000-0002-1825-0097" and weber.authors[1].collective.startswith("Multiple Myeloma")
    assert (weber.journal.issn_print, weber.journal.issn_electronic) == ("0028-4793", "1533-4406")
    assert weber.date == "2007-11"  # issued preferred over published-online, partial stays partial
    assert weber.registry_ids == ("NCT00056160",)  # the ISRCTN number has no field
    assert [(g.agency, g.id) for g in weber.grants] == [("Celgene", "CC-5013-MM-009"), ("National Cancer Institute", None)]
    assert [(c.doi, c.citation) for c in weber.references] == [
        ("10.1038/leu.2009.147", None),
        (None, "Rajkumar SV. Thalidomide. Blood 2005."),
    ]
    bad = records[1]
    assert bad.location == "crossref_worklist.json record 2 (DOI 10.1000/bad-orcid)"
    assert bad.problems[0][0] == "authors.0.orcid"
    assert records[2].publication.title == "A preprint with italic markup" and records[2].publication.date is None


def test_crossref_shapes() -> None:
    work = {"DOI": "10.1000/a", "title": ["A"]}
    for data in (work, {"status": "ok", "message-type": "work", "message": work}, [work, {"message": work}]):
        assert {r.publication.doi for r in parse_crossref(data, "x")} == {"10.1000/a"}
    (record,) = parse_crossref([42], "x")
    assert not record.ok and "expected a Crossref work" in record.problems[0][1]


def test_own_csl_items() -> None:
    good, bad, web = read_csl(DATA / "csl_items.json")
    pub = good.publication
    assert [a.family or a.collective for a in pub.authors] == ["Weber", "MM-009 Study Investigators", "van Beethoven"]
    assert pub.volume == "357" and (pub.first_page, pub.last_page) == ("2133", "2142")
    assert pub.abstract[0].text == "Background & aims. Second paragraph."
    assert pub.keywords == ("myeloma", "lenalidomide")
    assert bad.location == "csl_items.json item 2 (id bad-issn)" and bad.problems[0][0] == "journal.issn_print"
    assert web.ok and web.publication.journal is None


@pytest.mark.parametrize(("reader", "name", "where"), [(read_crossref, "crossref_malformed.json", "line 3"), (read_csl, "csl_malformed.json", "line 3")])
def test_malformed_json(reader, name: str, where: str) -> None:
    with pytest.raises(InputFileError) as caught:
        reader(DATA / name)
    assert name in str(caught.value) and caught.value.problems[0][0].startswith(where)


def test_strip_markup() -> None:
    assert strip_markup("<jats:p>a&amp;b <sub>2</sub></jats:p><jats:p>c</jats:p>") == "a&b 2 c"
    assert strip_markup("p < 0.05") == "p < 0.05"
