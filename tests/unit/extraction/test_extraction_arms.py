"""Arm sizes, total randomized, NCT numbers, per-arm values and adverse-event rates."""

from __future__ import annotations

import pytest

from kb.extraction.rules import RuleBasedExtractor

EXTRACT = RuleBasedExtractor()


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        ("Infants were randomized to NF (n = 20) or a standard formula (SF; n = 18).", [20, 18]),
        ("Of 535 patients, 261 were randomly assigned to receive drug X and 274 to receive placebo.", [261, 274]),
        ("Patients were assigned to the surgery arm (179 patients) or the chemotherapy arm (177 patients).", [179, 177]),
        ("1161 patients received tranexamic acid and 1164 received placebo.", [1161, 1164]),
        ("Records were complete for control (n = 31), daily (n = 36) and bolus (n = 32).", [31, 36, 32]),
        ("Among 2589 versus 2576 children surveyed, anaemia was similar.", [2589, 2576]),
        ("Data for 131 active treatment participants and 125 control participants were analysed.", [131, 125]),
        ("Measurements were completed by 78 IG and 67 CG patients.", [78, 67]),
        ("In all, 140 participants were randomized into each group.", [140]),
        ("Children were sampled in the control areas (667 children) and intervention areas (589 children).", [667, 589]),
    ],
)
def test_arm_sizes(text: str, arms: list[int]) -> None:
    found = EXTRACT.extract(text).arm_sizes
    assert [a.n for a in found] == arms
    assert all(text[a.span.start: a.span.end] == a.span.quote for a in found)


@pytest.mark.parametrize(
    "text",
    [
        "The mean score (n = 466) was 36.4.",
        "At 12 months (n = 411), the change was small.",
        "Events occurred in 35 of 203 in the intervention group.",
        "All patients (n = 353) were analysed.",
        "Events were frequent in the combined treatment groups (n = 5380).",
        "Serious events occurred in 12 and 14 patients, respectively.",
        "Participants were aged between 18 and 65 patients-years.",
        "Deaths: 5 vs 9 patients.",
        "Pain improved in 70 and 39 women.",
        "Seven hundred and eighty-seven women were randomised.",
    ],
)
def test_not_arm_sizes(text: str) -> None:
    assert EXTRACT.extract(text).arm_sizes == ()


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("We randomly assigned 353 patients to drug X or placebo.", 353),
        ("A total of 260 patients were randomly assigned to one of four groups.", 260),
        ("Thirty-eight infants, aged 3–20 weeks, were included and randomized to two formulas.", 38),
        ("Seven hundred and eighty-seven women were randomised.", 787),
        ("In a randomised controlled trial, 497 children with malaria were treated.", 497),
        ("A cluster-randomized trial in 42 communities compared three strategies.", 42),
        ("Of 535 patients, 261 were randomly assigned to receive drug X and 274 to receive placebo.", 535),
        ("Response rates were 61.0% vs 19.9% (P<0.001).", None),
    ],
)
def test_total_randomized(text: str, total: int | None) -> None:
    found = EXTRACT.extract(text).total_randomized
    assert (found.n if found else None) == total
    if found:
        assert text[found.span.start: found.span.end] == found.span.quote


def test_registry_numbers() -> None:
    text = "Registered at ClinicalTrials.gov, NCT00056160 and NCT 00424047; not NCT123."
    assert [r.nct for r in EXTRACT.extract(text).registry_numbers] == ["NCT00056160", "NCT00424047"]


def test_arm_values_in_the_order_written() -> None:
    text = "Median time to progression was 11.1 vs 4.7 months (P<0.001), and response rates were 61.0% vs 19.9%."
    values = EXTRACT.extract(text).arm_values
    assert [(v.statistic, v.values, v.unit) for v in values] == [("median", (11.1, 4.7), "month"), ("percentage", (61.0, 19.9), "percent")]
    assert [v.outcome for v in values] == ["Median time to progression", "response rates"]
    assert all(text[v.span.start: v.span.end] == v.span.quote for v in values)


def test_adverse_events_with_grade() -> None:
    text = "The main toxicity was grade 3 or 4 neutropenia (41.2% vs. 4.6%); thromboembolic events occurred in 14.7% and 3.4%."
    events = EXTRACT.extract(text).adverse_events
    first = events[0]
    assert (first.event, first.grade_min, first.grade_max, first.values, first.grade) == ("neutropenia", 3, 4, (41.2, 4.6), "3-4")
    assert first.event_curie == "HP:0001875"
    assert [(e.event, e.grade, e.values) for e in events[1:]] == [("thromboembolic events", "unspecified", (14.7, 3.4))]
    assert all(text[e.span.start: e.span.end] == e.span.quote for e in events)
    assert EXTRACT.extract(text).arm_values == ()  # the same figures are not proposed twice


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Grade ≥3 thrombocytopenia occurred in 12% vs 3%.", ("thrombocytopenia", ">=3", (12.0, 3.0))),
        ("Serious adverse events were reported in 12% and 8% of patients.", ("Serious adverse events", "unspecified", (12.0, 8.0))),
    ],
)
def test_adverse_event_styles(text: str, expected: tuple) -> None:
    events = EXTRACT.extract(text).adverse_events
    assert [(e.event, e.grade, e.values) for e in events] == [expected]


def test_rates_of_an_unknown_event_are_not_adverse_events() -> None:
    assert EXTRACT.extract("Response rates were 61% vs 20%.").adverse_events == ()
