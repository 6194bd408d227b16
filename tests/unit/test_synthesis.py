"""kb.synthesis without a store: the selection rules, the pooling arithmetic, the result's table and JSON, the plot's options.

Pooling is checked against arithmetic written out here for three made-up studies
(log HR -0.5, -0.1, 0.2 with se 0.1, 0.2, 0.15):

- w = 1/se^2 = 100, 25, 44.444; sum 169.444
- fixed = (100 x -0.5 + 25 x -0.1 + 44.444 x 0.2) / 169.444 = (-50 - 2.5 + 8.8889) / 169.444 = -0.257377
- Q = 100 (-0.242623)^2 + 25 (0.157377)^2 + 44.444 (0.457377)^2 = 5.8866 + 0.6192 + 9.2975 = 15.8033 on 2 df
- C = 169.444 - (10000 + 625 + 1975.31) / 169.444 = 169.444 - 74.3607 = 95.0838
- tau^2 (DL) = (15.8033 - 2) / 95.0838 = 0.145168; I^2 = 13.8033 / 15.8033 = 87.34%
"""

from __future__ import annotations

import json
import math
import random
import warnings
from typing import Any

import pytest

from kb.errors import ParameterError
from kb.synthesis import forest_plot
from kb.synthesis.forest import direction_labels
from kb.synthesis.model import Estimate, Heterogeneity, Pooled, Synthesis, _example
from kb.synthesis.pooling import pool
from kb.synthesis.selection import choose, screen

Z = 1.959964


def hr(trial: str, value: float, lower: float | None, upper: float | None, **fields: Any) -> Estimate:
    """An oriented hazard-ratio estimate of ``trial`` (its IRI made from the label unless given)."""
    se = (math.log(upper) - math.log(lower)) / (2 * Z) if lower and upper else None
    values: dict[str, Any] = {
        "trial": trial, "trial_iri": f"t:{trial}", "comparison": f"c:{trial}:{fields.get('source', 's')}:{value}",
        "finding": f"f:{trial}:{fields.get('source', 's')}", "measure": "hazard_ratio", "estimate": value,
        "ci_lower": lower, "ci_upper": upper, "log_estimate": math.log(value), "se": se, "status": "verified",
    }
    values.update(fields)
    return _example(**values)


# -- rule 1: what a row holds -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("estimate", "code"),
    [
        (hr("T", 0.7, None, None), "no_ci"),
        (hr("T", 0.7, 0.8, 0.9), "bad_ci"),                      # the CI does not hold the estimate
        (hr("T", 0.7, 0.5, 0.9, measure="odds_ratio"), "other_measure"),
        (hr("T", 0.7, 0.5, 0.9, measure=None, estimate=None, p_value=0.04), "no_estimate"),
        (hr("T", 0.7, 0.5, 0.9, estimate=None), "no_estimate"),
    ],
)
def test_rows_that_cannot_be_pooled_are_listed_with_their_reason(estimate: Estimate, code: str) -> None:
    found = screen(estimate, "hazard_ratio")
    assert found is not None and found.code == code and found.reason
    assert screen(hr("T", 0.7, 0.5, 0.9), "hazard_ratio") is None


# -- rule 2: one estimate per trial -------------------------------------------------------------

def test_one_estimate_per_trial_latest_by_cutoff_then_date_then_kind() -> None:
    early = hr("X-1", 0.6, 0.4, 0.9, source="a", cutoff="2019-06", analysis="interim")
    late = hr("X-1", 0.7, 0.5, 0.95, source="b", cutoff="2021-03", analysis="final")
    undated_late_kind = hr("x-1", 0.8, 0.6, 1.0, source="c", date="2020", analysis="long_term_follow_up", trial_iri="t:other")
    included, excluded = choose([late, early, undated_late_kind], "hazard_ratio")
    assert included == [late]  # one trial: the same IRI, or the same acronym in upper case
    assert {(x.estimate.source, x.code) for x in excluded} == {("a", "superseded"), ("c", "superseded")}
    included, _ = choose([late, early, undated_late_kind], "hazard_ratio", "earliest")
    assert included == [early]


def test_two_comparisons_of_one_result_count_its_shared_arm_once() -> None:
    dose_a = hr("Y", 0.7, 0.5, 0.9, comparison="c1", finding="f", analysis_label="primary")
    dose_b = hr("Y", 0.8, 0.6, 1.0, comparison="c2", finding="f", analysis_label="primary")
    included, excluded = choose([dose_a, dose_b], "hazard_ratio")
    assert len(included) == 1 and [x.code for x in excluded] == ["same_analysis"]


def test_the_choice_does_not_depend_on_the_order_rows_come_in() -> None:
    rows = [
        hr("A", 0.6, 0.4, 0.9, source="a1", cutoff="2019"), hr("A", 0.7, 0.5, 0.9, source="a2", cutoff="2020"),
        hr("B", 0.9, 0.7, 1.2, source="b"), hr("C", 0.8, 0.6, 1.1, source="c"),
        hr("A + B", 0.75, 0.6, 0.9, source="ab", pools=("t:A", "t:B"), pooled_trials=("A", "B")),
    ]
    expected = choose(rows, "hazard_ratio")
    shuffled = list(rows)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        included, excluded = choose(shuffled, "hazard_ratio")
        assert included == expected[0]
        assert sorted((x.estimate.source, x.code) for x in excluded) == sorted((x.estimate.source, x.code) for x in expected[1])


# -- rule 3: pooled populations -----------------------------------------------------------------

def test_a_pooled_population_is_left_out_when_its_trials_are_pooled_on_their_own() -> None:
    a, b = hr("A", 0.6, 0.4, 0.9), hr("B", 0.9, 0.7, 1.2)
    ab = hr("A + B", 0.75, 0.6, 0.9, source="pooled", pools=("t:A", "t:B"), pooled_trials=("A", "B"))
    included, excluded = choose([ab, a, b], "hazard_ratio")
    assert included == [a, b] and [(x.estimate.source, x.code) for x in excluded] == [("pooled", "components_pooled")]


def test_a_pooled_population_replaces_its_trials_when_some_have_no_estimate() -> None:
    a = hr("A", 0.6, 0.4, 0.9)
    ab = hr("A + B", 0.75, 0.6, 0.9, source="pooled", pools=("t:A", "t:B"), pooled_trials=("A", "B"))
    included, excluded = choose([a, ab], "hazard_ratio")
    assert included == [ab] and [(x.estimate.trial, x.code) for x in excluded] == [("A", "pooled_elsewhere")]


def test_components_are_matched_by_acronym_when_their_iris_differ() -> None:
    a, b = hr("A", 0.6, 0.4, 0.9, trial_iri="t:local/a"), hr("B", 0.9, 0.7, 1.2, trial_iri="t:local/b")
    ab = hr("A + B", 0.75, 0.6, 0.9, source="pooled", pools=("t:other/a", "t:other/b"), pooled_trials=("A", "B"))
    included, _ = choose([a, b, ab], "hazard_ratio")
    assert included == [a, b]


def test_overlapping_pooled_populations_keep_the_larger() -> None:
    abc = hr("A + B + C", 0.7, 0.6, 0.85, source="abc", pools=("t:A", "t:B", "t:C"), pooled_trials=("A", "B", "C"))
    cd = hr("C + D", 0.8, 0.6, 1.0, source="cd", pools=("t:C", "t:D"), pooled_trials=("C", "D"))
    included, excluded = choose([cd, abc], "hazard_ratio")
    assert included == [abc] and [(x.estimate.source, x.code) for x in excluded] == [("cd", "overlapping_pool")]


def test_unknown_selection_rule_is_refused() -> None:
    with pytest.raises(ParameterError, match="select must be one of latest, earliest"):
        choose([], "hazard_ratio", "newest")


# -- pooling ------------------------------------------------------------------------------------

def test_pool_equals_the_arithmetic_by_hand() -> None:
    ys, ses = [-0.5, -0.1, 0.2], [0.1, 0.2, 0.15]
    w = [1 / s**2 for s in ses]
    fixed = sum(wi * yi for wi, yi in zip(w, ys)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, ys))
    tau2 = (q - 2) / (sum(w) - sum(wi**2 for wi in w) / sum(w))
    w_star = [1 / (s**2 + tau2) for s in ses]
    random_effect = sum(wi * yi for wi, yi in zip(w_star, ys)) / sum(w_star)
    result = pool(ys, ses, "dl")
    assert result.fixed.log_estimate == pytest.approx(fixed, rel=1e-9) and result.fixed.se == pytest.approx(1 / math.sqrt(sum(w)), rel=1e-9)
    assert result.heterogeneity.q == pytest.approx(q, rel=1e-9) and result.heterogeneity.tau2 == pytest.approx(tau2, rel=1e-9)
    assert result.random.log_estimate == pytest.approx(random_effect, rel=1e-9)
    assert result.random.se == pytest.approx(1 / math.sqrt(sum(w_star)), rel=1e-9)
    assert result.heterogeneity.i2 == pytest.approx(100 * (q - 2) / q, rel=1e-9)
    assert result.heterogeneity.q_p_value == pytest.approx(math.exp(-q / 2), rel=1e-9)  # chi-square tail, 2 df
    # On paper (module docstring).
    assert (fixed, q, tau2) == pytest.approx((-0.257377, 15.8033, 0.145168), abs=5e-5)
    assert result.heterogeneity.i2 == pytest.approx(87.34, abs=5e-3)
    assert result.fixed.estimate == pytest.approx(math.exp(fixed)) and result.fixed.ci_lower == pytest.approx(math.exp(fixed - Z * result.fixed.se), rel=1e-6)
    assert sum(result.weights_fixed) == pytest.approx(100) and result.weights_fixed[0] == pytest.approx(100 * 100 / sum(w))


def test_identical_estimates_have_no_heterogeneity_and_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = pool([-0.2, -0.2], [0.1, 0.1])
    assert (result.heterogeneity.q, result.heterogeneity.tau2, result.heterogeneity.i2) == (pytest.approx(0), 0.0, 0.0)


def test_i2_is_zero_not_negative_when_q_is_below_its_degrees_of_freedom() -> None:
    result = pool([-0.2, -0.21, -0.19], [0.1, 0.1, 0.1])
    assert result.heterogeneity.q < 2 and result.heterogeneity.i2 == 0.0 and result.heterogeneity.tau2 == 0.0


def test_one_estimate_is_its_own_pool() -> None:
    result = pool([math.log(0.8)], [0.1])
    assert result.fixed == result.random and result.fixed.estimate == pytest.approx(0.8)
    assert result.heterogeneity.df == 0 and result.heterogeneity.i2 is None and result.heterogeneity.q_p_value is None


@pytest.mark.parametrize(("ys", "ses", "method"), [([], [], "dl"), ([0.1], [0.0], "dl"), ([0.1, 0.2], [0.1], "dl"), ([0.1], [0.1], "reml")])
def test_pool_refuses_what_it_cannot_pool(ys: list[float], ses: list[float], method: str) -> None:
    with pytest.raises(ValueError):
        pool(ys, ses, method)


# -- the result and the plot ----------------------------------------------------------------------

def _synthesis() -> Synthesis:
    a = hr("A", 0.6, 0.4, 0.9, weight_fixed=60.0, weight_random=55.0, status="draft")
    b = hr("B", 0.8, 0.6, 1.1, weight_fixed=40.0, weight_random=45.0, inverted=True, inverted_reason="reported the other way round")
    fixed = Pooled(0.68, 0.55, 0.85, math.log(0.68), 0.11, -3.5, 0.0005)
    random_effects = Pooled(0.69, 0.54, 0.88, math.log(0.69), 0.12, -3.1, 0.002)
    return Synthesis("drugname", "d", "overall survival", "o", "hazard_ratio", "dl", "latest", [a, b], [],
                     fixed, random_effects, Heterogeneity(1.2, 1, 0.27, 0.001, 16.7, "dl"))


def test_rows_and_json_hold_every_estimate_and_both_pools() -> None:
    result = _synthesis()
    rows = result.to_rows()
    assert [r["row"] for r in rows] == ["estimate", "estimate", "fixed", "random"]
    assert rows[1]["inverted"] is True and rows[2]["estimate"] == 0.68
    data = json.loads(result.to_json())
    assert data["k"] == 2 and data["heterogeneity"]["i2"] == 16.7 and data["included"][0]["citation"]


def test_forest_plot_options() -> None:
    result = _synthesis()
    svg = forest_plot(result, "svg").decode("utf-8")
    assert "favours drugname" in svg and "* Inverted: reported the other way round." in svg and "hollow = draft" in svg
    assert forest_plot(result, "png").startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ParameterError, match="svg or png"):
        forest_plot(result, "pdf")


def test_direction_labels_only_claim_benefit_for_hazard_ratios() -> None:
    assert direction_labels("hazard_ratio", "x") == ("favours x", "favours comparator")
    assert direction_labels("risk_ratio", "x") == ("lower risk with x", "higher risk with x")


def test_registered_trials_sharing_a_label_stay_apart_and_a_key_is_no_label() -> None:
    base = "https://w3id.org/trial-evidence-kb/id/trial/"
    one = hr("t", 0.7, 0.5, 0.9, trial_iri=base + "NCT90000001", source="a")
    two = hr("t", 0.8, 0.6, 1.0, trial_iri=base + "NCT90000002", source="b")
    local = hr("k", 0.9, 0.7, 1.1, trial_iri=base + "src-c/k", source="c")
    other_local = hr("k", 0.6, 0.4, 0.9, trial_iri=base + "src-d/k", source="d")  # another source's trial keyed k
    included, excluded = choose([one, two, local, other_local], "hazard_ratio")
    assert len(included) == 4 and excluded == []
    # A trial declared without its registry id in one source is still the registered trial of the same name.
    unregistered = hr("MM-009", 0.5, 0.3, 0.8, trial_iri=base + "src-e/mm009", source="e", cutoff="2009")
    registered = hr("MM-009", 0.6, 0.4, 0.9, trial_iri=base + "NCT00056160", source="f", cutoff="2008")
    included, excluded = choose([unregistered, registered], "hazard_ratio")
    assert included == [unregistered] and [x.code for x in excluded] == ["superseded"]


def test_a_pooled_population_of_registered_trials_matches_them_by_iri_not_by_a_shared_label() -> None:
    base = "https://w3id.org/trial-evidence-kb/id/trial/"
    pooled = hr("t + t", 0.75, 0.6, 0.9, trial_iri=base + "pooled/NCT1+NCT2", source="p",
                pools=(base + "NCT1", base + "NCT2"), pooled_trials=("t",))
    outsider = hr("t", 0.7, 0.5, 0.9, trial_iri=base + "NCT3", source="x")
    member = hr("t", 0.8, 0.6, 1.0, trial_iri=base + "NCT1", source="m")
    included, excluded = choose([pooled, outsider, member], "hazard_ratio")
    assert {e.source for e in included} == {"p", "x"} and [(x.estimate.source, x.code) for x in excluded] == [("m", "pooled_elsewhere")]
