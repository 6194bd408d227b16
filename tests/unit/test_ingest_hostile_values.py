"""Issue 12, item 9: bad values are never dropped without a note.

A date like 2007-13-45 keeps what is valid (the year) and says what was dropped; a Crossref
or CSL title or author list of the wrong type fails its record (and so never replaces a good
stored one); other wrong-typed fields are dropped with a note.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase

PUBMED = """<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>18032763</PMID><Article>
<Journal><JournalIssue><PubDate><Year>2007</Year><Month>{month}</Month><Day>{day}</Day></PubDate></JournalIssue>
<Title>N Engl J Med</Title></Journal><ArticleTitle>Lenalidomide</ArticleTitle>
<AuthorList><Author><LastName>Weber</LastName><ForeName>Donna</ForeName></Author></AuthorList>
</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
MEDLINE = "PMID- 18032763\nDP  - 2007 {month} {day}\nTI  - Lenalidomide\nFAU - Weber, Donna\n"
BIBTEX = "@article{{k, title={{Lenalidomide}}, author={{Weber, Donna}}, year={{2007}}, month={{{month}}}, day={{{day}}}}}\n"
RIS = "TY  - JOUR\nTI  - Lenalidomide\nAU  - Weber, Donna\nPY  - 2007/{month}/{day}/\nER  - \n"


def _work(reader: str = "crossref", **fields: object) -> dict[str, object]:
    """A Crossref work, or a CSL item (whose title is one text, not a list)."""
    title = ["Lenalidomide"] if reader == "crossref" else "Lenalidomide"
    return {"DOI": "10.1056/NEJMoa070596", "title": title, "author": [{"family": "Weber", "given": "Donna"}], **fields}


def _file(tmp_path: Path, reader: str, month: str, day: str) -> Path:
    if reader == "pubmed":
        return _write(tmp_path / "x.xml", PUBMED.format(month=month, day=day))
    if reader == "medline":
        return _write(tmp_path / "x.nbib", MEDLINE.format(month=month, day=day))
    if reader == "bibtex":
        return _write(tmp_path / "x.bib", BIBTEX.format(month=month, day=day))
    if reader == "ris":
        return _write(tmp_path / "x.ris", RIS.format(month=month, day=day))
    parts = [2007, int(month), int(day)]
    return _write(tmp_path / "x.json", json.dumps(_work(reader, issued={"date-parts": [parts]})))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _dates(kb: KnowledgeBase) -> list[str]:
    rows = kb.sparql("SELECT ?d WHERE { GRAPH ?g { ?p <http://prismstandard.org/namespaces/basic/2.0/publicationDate> ?d } }")
    return sorted(str(row["d"].value) for row in rows.dicts())  # type: ignore[union-attr]


@pytest.mark.parametrize("reader", ["pubmed", "medline", "crossref", "csl", "bibtex", "ris"])
@pytest.mark.parametrize("month, day, kept, said", [
    ("13", "45", "2007", "month"),
    ("02", "30", "2007-02", "day"),
])
def test_a_bad_month_or_day_is_dropped_with_a_note(tmp_path: Path, reader: str, month: str, day: str, kept: str, said: str) -> None:
    path = _file(tmp_path, reader, month, day)
    kb = KnowledgeBase.memory()
    report = kb.ingest(reader, [path])
    assert report.ok, report.failed
    assert _dates(kb) == [kept]
    notes = [note for note in report.notes if "date" in note]
    assert notes, report.notes
    assert str(path.name) in notes[0] and f"{said} " in notes[0] and f"keeps {kept}" in notes[0]


@pytest.mark.parametrize("reader", ["crossref", "csl"])
@pytest.mark.parametrize("fields, field", [
    ({"title": 5}, {"crossref": "title: expected a text or a list of texts, got int", "csl": "title: expected a text, got int"}),
    ({"title": [5]}, {"crossref": "title: no text in [5]", "csl": "title: expected a text, got list"}),
    ({"title": ["a", "list"]}, {"csl": "title: expected a text, got list"}),
    ({"author": "x"}, "author: expected a list, got str"),
    ({"author": [5]}, "author[0]: expected a person object, got int"),
    ({"author": [{"family": 5}]}, "author[0].family: expected a text, got int"),
])
def test_a_wrong_typed_title_or_author_fails_the_record_and_replaces_nothing(
    tmp_path: Path, reader: str, fields: dict, field: str | dict[str, str]
) -> None:
    if isinstance(field, dict):
        if reader not in field:
            pytest.skip(f"a {reader} title may be a list")
        field = field[reader]
    kb = KnowledgeBase.memory()
    good = _write(tmp_path / "good.json", json.dumps(_work(reader)))
    assert kb.ingest(reader, [good]).status_counts()["added"] == 1
    before = kb.store.count()
    bad = _write(tmp_path / "bad.json", json.dumps([_work(reader, **fields), _work(reader, DOI="10.1000/other")]))
    report = kb.ingest(reader, [bad])
    assert len(report.failed) == 1 and field in report.failed[0][1] and "bad.json" in report.failed[0][1]
    assert report.status_counts()["added"] == 1 and report.status_counts()["replaced"] == 0
    assert kb.store.count() > before  # the other record of the file loaded; the good one was not replaced
    graph = ox.NamedNode(kb.iris.source_graph(f"{reader}-doi-10.1056_nejmoa070596"))
    titles = [q.object.value for q in kb.store.quads_matching(None, None, None, graph) if q.predicate.value.endswith("/title")]
    assert "Lenalidomide" in titles


@pytest.mark.parametrize("reader", ["crossref", "csl"])
def test_other_wrong_typed_fields_are_dropped_with_a_note(tmp_path: Path, reader: str) -> None:
    path = _write(tmp_path / "x.json", json.dumps(_work(reader, volume=[357], abstract={"x": 1}, issued="2007", reference=[5, {"DOI": "10.1/x"}])))
    report = KnowledgeBase.memory().ingest(reader, [path])
    assert report.ok and report.status_counts()["added"] == 1
    joined = "\n".join(report.notes)
    for expected in ("volume: expected a text or a number, got list; value dropped",
                     "abstract: expected a text, got dict; value dropped",
                     "issued: expected a date object, got str; date dropped",
                     "reference: 1 of 2 entries are not objects; dropped"):
        assert expected in joined
    assert all("x.json" in note for note in report.notes)


def test_a_crossref_record_without_title_never_replaces_one_with_a_title(tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    kb.ingest("crossref", [_write(tmp_path / "good.json", json.dumps(_work()))])
    before = kb.store.count()
    bare = _write(tmp_path / "bare.json", json.dumps({"DOI": "10.1056/NEJMoa070596", "title": [], "author": []}))
    report = kb.ingest("crossref", [bare])
    assert report.status_counts()["replaced"] == 0 and kb.store.count() == before
    assert "not replaced: the stored record has a title and authors and this one has none" in report.failed[0][1]
    assert "bare.json" in report.failed[0][1]


def test_a_findings_date_that_does_not_exist_names_its_field(tmp_path: Path) -> None:
    """YAML would turn 2007-13-45 into a parse error without a field; the model names it."""
    import yaml

    from kb.paths import examples_dir

    data = yaml.safe_load((examples_dir() / "mm009_weber2007.yaml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(data, sort_keys=False)
    path = _write(tmp_path / "month_13.yaml", text + "analyses:\n  - {key: hostile, kind: primary, cutoff_date: 2007-13-45}\n"
                  if "analyses" not in data else text.replace("analyses:\n", "analyses:\n- {key: hostile, kind: primary, cutoff_date: 2007-13-45}\n", 1))
    report = KnowledgeBase.memory().ingest("findings", [path])
    assert len(report.failed) == 1
    message = report.failed[0][1]
    assert "month_13.yaml" in message and ".cutoff_date: malformed date '2007-13-45': month out of range" in message
    # Real dates still load, as text the model checks.
    assert KnowledgeBase.memory().ingest("findings", [examples_dir() / "mm009_weber2007.yaml"]).ok


def test_an_iso_spelt_medline_date_is_read_and_checked(tmp_path: Path) -> None:
    good = _write(tmp_path / "iso.nbib", "PMID- 1\nTI  - T\nDP  - 2007-11-22\n\nPMID- 2\nTI  - T\nDP  - 2007-13-45\n")
    kb = KnowledgeBase.memory()
    report = kb.ingest("medline", [good])
    assert report.ok and _dates(kb) == ["2007", "2007-11-22"]
    assert report.notes == [f"{good}: record 2 (PMID 2), line 5: date: month '13' is not a month; the date keeps 2007, day '45' dropped"]


def test_echoed_values_are_capped_in_notes_and_failures(tmp_path: Path) -> None:
    huge = "9" * 100_000
    path = _write(tmp_path / "x.xml", PUBMED.format(month=huge, day="1").replace("<PMID>18032763</PMID>", "<PMID>18032763</PMID>", 1))
    report = KnowledgeBase.memory().ingest("pubmed", [path])
    assert report.ok and report.notes and all(len(note) < 1000 for note in report.notes)
    bad = _write(tmp_path / "bad.json", json.dumps(_work(DOI="10.1000/" + "x" * 100_000, author=[{"family": "W", "ORCID": huge}])))
    report = KnowledgeBase.memory().ingest("crossref", [bad])
    assert all(len(message) < 2000 for _, message in report.failed) and all(len(note) < 1000 for note in report.notes)
