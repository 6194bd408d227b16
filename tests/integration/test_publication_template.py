"""The merged ``publication`` template on small hand-written records (beyond the goldens' two DOIs)."""

from __future__ import annotations

import json
from pathlib import Path

from kb import KnowledgeBase

CSL = [
    {"id": "ch1", "type": "chapter", "DOI": "10.9999/chapter.1", "title": "A chapter",
     "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2020]]}, "page": "11-20"},
    {"id": "ar1", "type": "article-journal", "DOI": "10.9999/article.1", "title": "An article",
     "container-title": "Journal of Tests", "author": [{"family": "Roe", "given": "Rita"}, {"family": "Poe", "given": "Paul"}],
     "issued": {"date-parts": [[2021, 3]]}, "page": "5-9"},
    {"id": "na1", "type": "article-journal", "DOI": "10.9999/anonymous.1", "title": "Nobody wrote this",
     "container-title": "Journal of Tests"},
]

BIBTEX = """
@article{ar1,
  doi = {10.9999/article.1},
  title = {An Article, as BibTeX has it},
  journal = {J Tests},
  author = {Roe, Rita and Poe, Paul and Third, Tom},
  year = {2021},
  pages = {5--9},
}
"""


def _kb(tmp_path: Path) -> KnowledgeBase:
    csl = tmp_path / "items.json"
    csl.write_text(json.dumps(CSL), encoding="utf-8")
    bib = tmp_path / "items.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    kb = KnowledgeBase.memory()
    assert not kb.ingest("csl", [csl]).failed
    assert not kb.ingest("bibtex", [bib]).failed
    return kb


def test_a_publication_without_a_journal_shows_none(tmp_path: Path) -> None:
    # The template once took any titled node of the graph (here the chapter itself) as its journal.
    (row,) = _kb(tmp_path).query("publication", {"doi": "10.9999/chapter.1"})
    assert row.title == "A chapter" and row.journal is None
    assert (row.pages, row.author_position, row.author) == ("11-20", 1, "Jane Doe")


def test_authors_come_whole_from_the_best_ranked_source(tmp_path: Path) -> None:
    rows = _kb(tmp_path).query("publication", {"doi": "10.9999/article.1"})
    # CSL outranks BibTeX: its two authors, not BibTeX's three; its title and journal too.
    assert [(row.author_position, row.author) for row in rows] == [(1, "Rita Roe"), (2, "Paul Poe")]
    assert {row.title for row in rows} == {"An article"}
    assert {row.journal for row in rows} == {"Journal of Tests"}
    assert len(rows[0].sources.split()) == 2


def test_a_publication_no_source_lists_authors_for_is_one_row(tmp_path: Path) -> None:
    (row,) = _kb(tmp_path).query("publication", {"doi": "10.9999/anonymous.1"})
    assert row.title == "Nobody wrote this" and row.author_position is None and row.author is None


RIS = """TY  - JOUR
DO  - 10.9999/article.1
TI  - An article (RIS)
T2  - Journal of Tests
AU  - Roe, Rita
AU  - Poe, Paul
AU  - Third, Tom
AU  - Fourth, Fay
PY  - 2021
ER  - 
"""


def _three_sources(tmp_path: Path) -> KnowledgeBase:
    kb = _kb(tmp_path)
    ris = tmp_path / "items.ris"
    ris.write_text(RIS, encoding="utf-8")
    assert not kb.ingest("ris", [ris]).failed
    return kb


def test_a_publication_three_sources_name_is_one_row_per_author_of_the_best_list(tmp_path: Path) -> None:
    # Three graphs name the DOI (CSL, BibTeX, RIS): each author position once, from CSL's list;
    # the longer lists of RIS (4) and BibTeX (3) add no position.
    rows = _three_sources(tmp_path).query("publication", {"doi": "10.9999/article.1"})
    assert [(row.author_position, row.author) for row in rows] == [(1, "Rita Roe"), (2, "Paul Poe")]
    assert {len(row.sources.split()) for row in rows} == {3}
    assert {(row.title, row.journal, row.date) for row in rows} == {("An article", "Journal of Tests", "2021-03")}


def test_the_author_list_of_the_best_ranked_source_wins_when_the_better_one_is_gone(tmp_path: Path) -> None:
    kb = _three_sources(tmp_path)
    csl_source = next(s for s in kb.query("sources") if s.kind == "csl" and "article" in s.source)
    kb.remove_source(csl_source.source)
    rows = kb.query("publication", {"doi": "10.9999/article.1"})
    # RIS outranks BibTeX: its four authors, its title.
    assert [row.author for row in rows] == ["Rita Roe", "Paul Poe", "Tom Third", "Fay Fourth"]
    assert {row.title for row in rows} == {"An article (RIS)"}


def test_a_pmid_given_beside_a_doi_must_name_the_same_publication(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    assert kb.query("publication", {"doi": "10.9999/article.1", "pmid": "123"}) == []
