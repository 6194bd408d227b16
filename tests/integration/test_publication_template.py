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
