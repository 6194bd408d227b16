"""Edge cases the type checking of the readers turned up: each used to crash or to read a value wrongly."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from lxml import etree

from ingest.biblio.crossref import work_fields
from ingest.biblio.pubmed_elements import _pub_date, _Values, month_number
from ingest.ctgov.legacy_xml import _deaths
from kb.errors import QueryError
from kb.store import OxigraphStore


def _article(day: str) -> etree._Element:
    return etree.fromstring(
        f"<Article><Journal><JournalIssue><PubDate><Year>2007</Year><Month>Nov</Month><Day>{day}</Day>"
        "</PubDate></JournalIssue></Journal></Article>"
    )


def test_a_unicode_digit_that_int_cannot_read_is_not_a_day() -> None:
    """'²'.isdigit() is True but int('²') raises: the day is left out, the month kept."""
    assert _pub_date(_article("²"), _Values()) == "2007-11"
    assert _pub_date(_article("22"), _Values()) == "2007-11-22"
    assert month_number("³") is None and month_number("09") == 9


def test_an_empty_all_cause_mortality_table_is_not_passed_over_for_deaths() -> None:
    reported = etree.fromstring(
        "<reported_events><all_cause_mortality/>"
        "<deaths><counts group_id='E1' subjects_affected='3' subjects_at_risk='10'/></deaths></reported_events>"
    )
    assert _deaths(reported) == {}  # the table is there and empty: deaths is another table
    reported = etree.fromstring(
        "<reported_events><all_cause_mortality><counts subjects_affected='1'/>"
        "<counts group_id='E2' subjects_affected='2' subjects_at_risk='9'/></all_cause_mortality></reported_events>"
    )
    assert _deaths(reported) == {"E2": ("2", "9")}  # counts without a group id are left out


def test_crossref_string_subjects_and_awards_are_one_value_each() -> None:
    fields = work_fields({"subject": "Oncology", "funder": [{"name": "NCI", "award": "CA123"}], "title": ["T"]})
    assert fields["keywords"] == ["Oncology"]
    assert fields["grants"] == [{"agency": "NCI", "id": "CA123"}]
    listed = work_fields({"subject": ["Oncology", "Hematology"], "funder": [{"name": "NCI", "award": ["A", "B"]}]})
    assert listed["keywords"] == ["Oncology", "Hematology"]
    assert [grant["id"] for grant in listed["grants"]] == ["A", "B"]


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o }"])
def test_construct_refuses_other_query_forms(query: str) -> None:
    store = OxigraphStore.memory()
    store.bulk_extend([ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"), ox.DefaultGraph())])
    with pytest.raises(QueryError, match="CONSTRUCT or DESCRIBE"):
        store.construct(query)
