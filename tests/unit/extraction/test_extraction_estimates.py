"""Effect estimates in every real style, made-up sentences (the dev gold set is evaluation only)."""

from __future__ import annotations

import pytest

from kb.extraction import Measure
from kb.extraction.rules import RuleBasedExtractor

EXTRACT = RuleBasedExtractor()


def _only(text: str):  # noqa: ANN202 - returns an EffectEstimate
    estimates = EXTRACT.extract(text).estimates
    assert len(estimates) == 1, [e.span.quote for e in estimates]
    estimate = estimates[0]
    assert text[estimate.span.start: estimate.span.end] == estimate.span.quote
    return estimate


@pytest.mark.parametrize(
    ("text", "measure", "value", "lower", "upper", "level", "p"),
    [
        ("Progression was delayed (HR 0.72 (95% CI 0.61-0.85)).", Measure.hazard_ratio, 0.72, 0.61, 0.85, 95, None),
        ("Death was less frequent (hazard ratio, 0.72; 95% confidence interval [CI], 0.61 to 0.85; P<0.001).",
         Measure.hazard_ratio, 0.72, 0.61, 0.85, 95, ("<", 0.001)),
        ("Adherence was higher (OR = 1.4, 95%CI: 1.1–1.8).", Measure.odds_ratio, 1.4, 1.1, 1.8, 95, None),
        ("Falls were fewer (RR 0.8 [0.6, 1.0]).", Measure.risk_ratio, 0.8, 0.6, 1.0, None, None),
        ("Mortality was similar (relative risk 0·91, 95% CI 0·80–1·04, p=0·16).", Measure.risk_ratio, 0.91, 0.80, 1.04, 95, ("=", 0.16)),
        ("Pain fell more with drug X (mean difference \u22122.3 (\u22124.1 to \u22120.5)).", Measure.mean_difference, -2.3, -4.1, -0.5, None, None),
        ("Weight differed (mean difference 1.2 kg, 95% CI from 0.4 to 2.0 kg).", Measure.mean_difference, 1.2, 0.4, 2.0, 95, None),
        ("Reversed bounds are swapped (OR 0.5, 95% CI 0.9 to 0.3).", Measure.odds_ratio, 0.5, 0.3, 0.9, 95, None),
        ("Infections were rarer (incidence rate ratio 0.85, 95% CI 0.70 to 0.99; p = 0.04).", Measure.rate_ratio, 0.85, 0.70, 0.99, 95, ("=", 0.04)),
        ("Cure was more likely (risk difference 12%, 95% CI 4% to 20%).", Measure.risk_difference, 12.0, 4.0, 20.0, 95, None),
        ("The effect was large (SMD 0.63, 95% CI 0.20 to 1.06).", Measure.standardized_mean_difference, 0.63, 0.20, 1.06, 95, None),
        ("The hazard ratio for death with drug X was 0.80 (95% CI 0.70 to 0.91).", Measure.hazard_ratio, 0.80, 0.70, 0.91, 95, None),
        ("Adjusted analyses agreed (aOR 0·73, 0·53–0·99, p=0·0406).", Measure.odds_ratio, 0.73, 0.53, 0.99, None, ("=", 0.0406)),
        ("Fewer events (absolute risk reduction 5.2%, 95% CI 1.1 to 9.3).", Measure.risk_difference, 5.2, 1.1, 9.3, 95, None),
        ("Exposure was similar (geometric mean ratio 1.25, 90% CI 1.10-1.42).", Measure.other, 1.25, 1.10, 1.42, 90, None),
        ("Risk fell (hazard ratio (HR) 0.72 (0.61–0.85)).", Measure.hazard_ratio, 0.72, 0.61, 0.85, None, None),
        ("Risk rose after meta-analysis (odds ratio (OR)=1.15, 95% confidence interval (95% CI)=1.12-1.19; P = 1.60 x 10 -19).",
         Measure.odds_ratio, 1.15, 1.12, 1.19, 95, ("=", 1.6e-19)),
        ("Stroke was rarer (HR\u2009=\u20090.47; 95% CI\u2009=\u20090.22\u20130.97; two-sided P\u2009=\u20090.04).", Measure.hazard_ratio, 0.47, 0.22, 0.97, 95, ("=", 0.04)),
    ],
)
def test_styles(text: str, measure: Measure, value: float, lower: float | None, upper: float | None, level: float | None, p: tuple[str, float] | None) -> None:
    estimate = _only(text)
    assert (estimate.measure, estimate.value, estimate.ci_lower, estimate.ci_upper, estimate.ci_level) == (measure, value, lower, upper, level)
    assert (None if estimate.p_value is None else (estimate.p_relation, estimate.p_value)) == p


def test_a_difference_with_its_standard_error() -> None:
    estimate = _only("Height gain was larger (difference 0·16 (SE 0·11), p=0·2).")
    assert (estimate.measure, estimate.value, estimate.ci_lower) == (Measure.mean_difference, 0.16, None)
    assert estimate.span.quote.startswith("difference 0·16 (SE 0·11")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nausea scores improved more with drug X compared with placebo (0.73 points; 95% CI 0.21 to 1.25).", 0.73),
        ("The difference was not significant with other methods (e.g. 0.38; 95% CI -0.08 to 0.84).", 0.38),
    ],
)
def test_an_unnamed_difference_in_a_comparison(text: str, value: float) -> None:
    estimate = _only(text)
    assert (estimate.measure, estimate.value) == (Measure.mean_difference, value)


def test_a_median_after_a_comparison_is_not_a_difference() -> None:
    text = "Median survival was 10.1 months with drug X compared with 8.2 months (95% CI 6.0 to 10.4) with placebo."
    assert EXTRACT.extract(text).estimates == ()


def test_a_list_continues_its_measure() -> None:
    text = "The hazard ratio was 1.10 (95% CI 0.70 to 1.70) in women, and 0.90 (95% CI 0.60 to 1.30) in men."
    estimates = EXTRACT.extract(text).estimates
    assert [(e.measure, e.value) for e in estimates] == [(Measure.hazard_ratio, 1.10), (Measure.hazard_ratio, 0.90)]


def test_span_covers_name_to_p_value() -> None:
    text = "Survival improved (HR 0.72, 95% CI 0.61-0.85; P<0.001)."
    assert _only(text).span.quote == "HR 0.72, 95% CI 0.61-0.85; P<0.001"


@pytest.mark.parametrize(
    "text",
    [
        "Median survival was 11.1 months (95% CI 9.0 to 13.2) with drug X and 4.7 months with placebo (P<0.001).",
        "Response rates were 61.0% vs 19.9% (P<0.001).",
        "Both groups improved over time (difference \u22125.9, 95% CI \u22128.4 to \u22123.4, P<.001).",
        "The trial was powered to detect a hazard ratio of 0.75 with 80% power.",
        "Patients aged 18 or over were eligible; OR and HR are reported elsewhere.",
        "The mean score was 38.5 (95% CI 37.7 to 39.3) in the control group.",
        "Mortality was lower (relative risk reduction 20%; P=0.01).",
        "RANDOMIZED TRIAL OF SURGERY OR 2 CYCLES OF CHEMOTHERAPY.",
    ],
)
def test_no_estimate(text: str) -> None:
    assert EXTRACT.extract(text).estimates == ()


def test_ratio_needs_a_positive_value() -> None:
    assert EXTRACT.extract("The odds ratio was \u22120.4 (95% CI \u22120.9 to 0.1).").estimates == ()


def test_outcome_and_arms_are_named_when_written() -> None:
    text = "The hazard ratio for overall survival with drug X versus placebo was 0.44 (95% CI 0.30 to 0.65)."
    estimate = _only(text)
    assert estimate.outcome == "overall survival" and estimate.arms == ("drug X", "placebo")
    assert estimate.outcome_span is not None and text[estimate.outcome_span.start: estimate.outcome_span.end] == estimate.outcome


def test_arms_between_groups() -> None:
    text = "There was no difference between the SP and CQ/SP groups (OR, 1.32; 95% CI, 0.70-2.50)."
    assert _only(text).arms == ("SP", "CQ/SP")
