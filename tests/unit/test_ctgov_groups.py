"""ClinicalTrials.gov results groups to arms: population suffixes, abbreviations, other names, group descriptions.

The record below is synthetic, written for these tests in the API v2 JSON shape: results
groups titled with population suffixes ('EXP 200 mg (FAS)', '(SS)'), an abbreviation
defined in an arm description ('Examplimab Pegol (EXP)'), an intervention other name
('XMP-0101'), a group matched only by its description, and a pooled group that is no arm.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ingest.ctgov import study_from_v2
from ingest.ctgov.arms import ArmSet, strip_population

NCT = "NCT09100001"


def _group(group_id: str, title: str, description: str = "") -> dict[str, Any]:
    return {"id": group_id, "title": title, "description": description}


def _values(*rows: tuple[str, str, str, str]) -> list[dict[str, Any]]:
    return [{"categories": [{"measurements": [{"groupId": g, "value": v, "lowerLimit": lo, "upperLimit": hi} for g, v, lo, hi in rows]}]}]


def examplimab_study() -> dict[str, Any]:
    """A synthetic v2 study whose results groups carry population suffixes and abbreviations (issue 11 item 3)."""
    fas = [_group("OG000", "EXP 200 mg (FAS)", "Full analysis set: participants randomized to EXP 200 mg."),
           _group("OG001", "EXP 400 mg (FAS)", "Full analysis set: participants randomized to EXP 400 mg."),
           _group("OG002", "Placebo (FAS)", "Full analysis set: participants randomized to placebo.")]
    ss = [_group("OG000", "XMP-0101 200mg (SS)"), _group("OG001", "XMP-0101 400mg (SS)"), _group("OG002", "Placebo (SS)")]
    denoms = [{"units": "Participants", "counts": [{"groupId": "OG000", "value": "60"}, {"groupId": "OG001", "value": "61"}, {"groupId": "OG002", "value": "59"}]}]
    return {
        "protocolSection": {
            "identificationModule": {"nctId": NCT, "briefTitle": "A Synthetic Study of Examplimab Pegol in Example Disease"},
            "statusModule": {"overallStatus": "COMPLETED"},
            "designModule": {"phases": ["PHASE2"], "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL"}},
            "armsInterventionsModule": {
                "armGroups": [
                    {"label": "Examplimab Pegol 200 mg", "type": "EXPERIMENTAL",
                     "description": "Participants received Examplimab Pegol (EXP) 200 mg subcutaneously every 2 weeks.",
                     "interventionNames": ["Drug: Examplimab pegol"]},
                    {"label": "Examplimab Pegol 400 mg", "type": "EXPERIMENTAL",
                     "description": "Participants received EXP 400 mg subcutaneously every 2 weeks.",
                     "interventionNames": ["Drug: Examplimab pegol"]},
                    {"label": "Placebo", "type": "PLACEBO_COMPARATOR",
                     "description": "Participants received placebo matching EXP every 2 weeks.", "interventionNames": ["Drug: Placebo"]},
                ],
                "interventions": [
                    {"type": "DRUG", "name": "Examplimab pegol", "otherNames": ["XMP-0101"],
                     "armGroupLabels": ["Examplimab Pegol 200 mg", "Examplimab Pegol 400 mg"]},
                    {"type": "DRUG", "name": "Placebo", "armGroupLabels": ["Placebo"]},
                ],
            },
        },
        "resultsSection": {
            "outcomeMeasuresModule": {"outcomeMeasures": [
                {"type": "PRIMARY", "title": "Percentage of Participants With a Response at Week 16", "paramType": "NUMBER",
                 "unitOfMeasure": "percentage of participants", "dispersionType": "95% Confidence Interval",
                 "groups": fas, "denoms": denoms,
                 "classes": _values(("OG000", "41.7", "29.1", "55.1"), ("OG001", "47.5", "34.6", "60.7"), ("OG002", "20.3", "11.0", "32.8")),
                 "analyses": [
                     {"groupIds": ["OG000", "OG002"], "paramType": "Odds Ratio (OR)", "paramValue": "2.81", "ciPctValue": "95",
                      "ciNumSides": "TWO_SIDED", "ciLowerLimit": "1.22", "ciUpperLimit": "6.47", "pValue": "0.015", "statisticalMethod": "Cochran-Mantel-Haenszel"},
                     {"groupIds": ["OG001", "OG002"], "paramType": "Difference in percentages", "paramValue": "27.2", "ciPctValue": "95",
                      "ciLowerLimit": "10.9", "ciUpperLimit": "43.5", "pValue": "<0.001"},
                     {"groupIds": ["OG000", "OG001", "OG002"], "pValue": "0.003", "statisticalMethod": "Chi-squared"},
                 ]},
                {"type": "SECONDARY", "title": "Change From Baseline in Itch Score at Week 16", "paramType": "LEAST_SQUARES_MEAN",
                 "unitOfMeasure": "units on a scale", "dispersionType": "Standard Error", "groups": ss, "denoms": denoms,
                 "classes": [{"categories": [{"measurements": [
                     {"groupId": "OG000", "value": "-3.1", "spread": "0.30"}, {"groupId": "OG001", "value": "-3.6", "spread": "0.31"},
                     {"groupId": "OG002", "value": "-1.9", "spread": "0.29"}]}]}],
                 "analyses": [{"groupIds": ["OG001", "OG002"], "paramType": "LS Mean Difference", "paramValue": "-1.7",
                               "ciLowerLimit": "-2.5", "ciUpperLimit": "-0.9", "dispersionType": "STANDARD_ERROR_OF_MEAN",
                               "dispersionValue": "0.41", "pValue": "<0.001"}]},
                {"type": "SECONDARY", "title": "Percentage of Participants With a Response at Week 16, Pooled Doses",
                 "paramType": "NUMBER", "unitOfMeasure": "percentage of participants",
                 "groups": [_group("OG000", "All EXP Doses (FAS)", "Participants who received either dose."),
                            _group("OG001", "Treatment B (FAS)", "Participants randomized to Placebo.")],
                 "denoms": [{"counts": [{"groupId": "OG000", "value": "121"}, {"groupId": "OG001", "value": "59"}]}],
                 "classes": [{"categories": [{"measurements": [{"groupId": "OG000", "value": "44.6"}, {"groupId": "OG001", "value": "20.3"}]}]}],
                 "analyses": [{"groupIds": ["OG000", "OG001"], "paramType": "Odds Ratio (OR)", "paramValue": "3.18",
                               "ciLowerLimit": "1.51", "ciUpperLimit": "6.70", "pValue": "0.002"}]},
            ]},
            "adverseEventsModule": {
                "timeFrame": "16 weeks",
                "eventGroups": [
                    {"id": "EG000", "title": "EXP 200 mg (SS)", "deathsNumAffected": 0, "deathsNumAtRisk": 60,
                     "seriousNumAffected": 2, "seriousNumAtRisk": 60, "otherNumAffected": 20, "otherNumAtRisk": 60},
                    {"id": "EG001", "title": "EXP 400 mg (SS)", "deathsNumAffected": 0, "deathsNumAtRisk": 61,
                     "seriousNumAffected": 3, "seriousNumAtRisk": 61, "otherNumAffected": 25, "otherNumAtRisk": 61},
                    {"id": "EG002", "title": "Placebo (SS)", "deathsNumAffected": 1, "deathsNumAtRisk": 59,
                     "seriousNumAffected": 1, "seriousNumAtRisk": 59, "otherNumAffected": 15, "otherNumAtRisk": 59},
                ],
                "seriousEvents": [{"term": "Cellulitis", "organSystem": "Infections and infestations", "stats": [
                    {"groupId": "EG000", "numEvents": 1, "numAffected": 1, "numAtRisk": 60},
                    {"groupId": "EG001", "numEvents": 2, "numAffected": 2, "numAtRisk": 61},
                    {"groupId": "EG002", "numEvents": 0, "numAffected": 0, "numAtRisk": 59}]}],
                "otherEvents": [{"term": "Injection site reaction", "organSystem": "General disorders", "stats": [
                    {"groupId": "EG000", "numEvents": 14, "numAffected": 9, "numAtRisk": 60},
                    {"groupId": "EG001", "numEvents": 19, "numAffected": 12, "numAtRisk": 61},
                    {"groupId": "EG002", "numEvents": 3, "numAffected": 2, "numAtRisk": 59}]}],
            },
        },
    }


def _arms_of(study: dict[str, Any]) -> ArmSet:
    return ArmSet(study["protocolSection"]["armsInterventionsModule"])


@pytest.mark.parametrize(("title", "stripped"), [
    ("EXP 200 mg (FAS)", "EXP 200 mg"), ("Placebo (SS)", "Placebo"), ("Placebo (Safety Set)", "Placebo"),
    ("Drug A - ITT Population", "Drug A"), ("Drug A (mITT)", "Drug A"), ("Drug A [Per-Protocol Set]", "Drug A"),
    ("Drug A (Full Analysis Set)", "Drug A"), ("Cohort 1 (Part B)", "Cohort 1 (Part B)"), ("Sorafenib (AS)", "Sorafenib (AS)"),
])
def test_population_suffixes_are_stripped_and_nothing_else(title: str, stripped: str) -> None:
    assert strip_population(title) == stripped


def test_abbreviations_other_names_and_suffixes_read_as_the_arm_label() -> None:
    arms = _arms_of(examplimab_study())
    assert arms.canonical("EXP 200 mg (FAS)") == arms.canonical("Examplimab Pegol 200 mg") == "examplimab pegol 200 mg"
    assert arms.canonical("XMP-0101 400mg (SS)") == "examplimab pegol 400 mg"
    assert arms.canonical("Examplimab Pegol (EXP) 200 mg") == "examplimab pegol 200 mg"


def test_groups_match_arms_and_analyses_are_kept() -> None:
    document, report = study_from_v2(examplimab_study(), "synthetic")
    assert document is not None, report.error
    arms = {arm.key: arm for arm in document.trials[0].arms}
    assert set(arms["examplimab-pegol-200-mg"].registry_group_ids) == {"OG000", "EG000"}
    assert set(arms["examplimab-pegol-400-mg"].registry_group_ids) == {"OG001", "EG001"}
    # 'Treatment B (FAS)' is matched by its description, which names the arm 'Placebo'.
    assert set(arms["placebo"].registry_group_ids) == {"OG001", "OG002", "EG002"}
    primary, itch, _ = document.outcome_results
    assert [(c.arm, c.reference_arm, c.estimate, c.ci_lower, c.ci_upper, c.p_value) for c in primary.comparisons] == [
        ("examplimab-pegol-200-mg", "placebo", 2.81, 1.22, 6.47, 0.015),
        ("examplimab-pegol-400-mg", "placebo", 27.2, 10.9, 43.5, 0.001),
    ]
    assert [(c.arm, c.estimate, c.dispersion_value) for c in itch.comparisons] == [("examplimab-pegol-400-mg", -1.7, 0.41)]
    assert any("compares 3 groups" in s for s in report.skipped)


def test_a_group_that_is_no_arm_is_kept_as_its_own_arm_with_a_note() -> None:
    document, report = study_from_v2(examplimab_study(), "synthetic")
    assert document is not None, report.error
    pooled_arm = next(arm for arm in document.trials[0].arms if arm.label == "All EXP Doses (FAS)")
    assert pooled_arm.registry_group == "All EXP Doses (FAS)" and pooled_arm.registry_group_ids == ("OG000",)
    pooled = document.outcome_results[2]
    assert [(c.arm, c.reference_arm, c.estimate) for c in pooled.comparisons] == [(pooled_arm.key, "placebo", 3.18)]
    [note] = [n for n in report.notes if "All EXP Doses" in n]
    assert "results group OG000" in note and "matches 2 arm groups" in note and "kept as an arm of its own" in note
    assert note.startswith("outcome 'Percentage of Participants With a Response at Week 16, Pool")


def test_an_ambiguous_abbreviation_names_nothing() -> None:
    study = copy.deepcopy(examplimab_study())
    arms_module = study["protocolSection"]["armsInterventionsModule"]
    arms_module["armGroups"][2]["description"] = "Placebo matching Exemplary Xanthine Product (EXP)."
    arms = ArmSet(arms_module)
    # 'EXP' is defined two ways in this record: it stays as printed, so the group matches no arm by it.
    assert arms.canonical("EXP 200 mg (FAS)") == "exp 200 mg"


def test_matching_does_not_depend_on_the_order_of_arms() -> None:
    study = examplimab_study()
    reversed_study = copy.deepcopy(study)
    module = reversed_study["protocolSection"]["armsInterventionsModule"]
    module["armGroups"].reverse()
    module["interventions"].reverse()
    first, _ = study_from_v2(study, "synthetic")
    second, _ = study_from_v2(reversed_study, "synthetic")
    assert first is not None and second is not None
    by_key = lambda document: {arm.key: set(arm.registry_group_ids) for arm in document.trials[0].arms}
    assert by_key(first) == by_key(second)


def test_unmatched_groups_without_protocol_arms_say_so() -> None:
    study = copy.deepcopy(examplimab_study())
    study["protocolSection"]["armsInterventionsModule"] = {}
    document, report = study_from_v2(study, "synthetic")
    assert document is not None, report.error
    assert any("the protocol lists none" in note for note in report.notes)
    # Every analysis is kept, between the registry's own groups.
    assert sum(len(result.comparisons) for result in document.outcome_results) == 4


def test_a_description_naming_another_drug_does_not_match_the_placebo_arm() -> None:
    arms = _arms_of(examplimab_study())
    arms.register("outcome-1", [{"id": "OG000", "title": "Any Dose", "description": "Participants who received EXP at any dose, against placebo."}])
    assert arms.arm_of("outcome-1", "OG000") == "any-dose"


def test_abbreviations_of_a_drug_name_and_of_placebo() -> None:
    study = copy.deepcopy(examplimab_study())
    module = study["protocolSection"]["armsInterventionsModule"]
    module["interventions"][0]["name"] = "Examplimab"
    module["armGroups"][2]["description"] = "Participants received Placebo (PBO) every 2 weeks."
    arms = ArmSet(module)
    # 'Examplimab Pegol (EXP)' defines EXP for the drug 'Examplimab' (one word after the name).
    assert arms.canonical("EXP 400 mg (FAS)") == "examplimab 400 mg"
    arms.register("outcome-1", [{"id": "OG000", "title": "PBO (SS)"}, {"id": "OG001", "title": "EXP 400mg (SS)"}])
    assert (arms.arm_of("outcome-1", "OG000"), arms.arm_of("outcome-1", "OG001")) == ("placebo", "examplimab-pegol-400-mg")
