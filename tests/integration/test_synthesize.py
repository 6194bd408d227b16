"""``kb synthesize`` and :func:`kb.synthesis.synthesize` on the bundled examples and on a constructed case.

Every number is checked against arithmetic written out here from the input estimates (z = 1.959964):
``y = ln HR``, ``se = (ln upper - ln lower) / (2 z)``, ``w = 1 / se^2``, the fixed-effect mean
``sum(w y) / sum(w)`` with se ``1 / sqrt(sum(w))``, Cochran's ``Q = sum(w (y - mean)^2)`` on k - 1 df,
DerSimonian-Laird ``tau^2 = max(0, (Q - df) / (sum(w) - sum(w^2) / sum(w)))``, the random-effects mean
with ``w* = 1 / (se^2 + tau^2)``, and ``I^2 = max(0, (Q - df) / Q)``. The figures were also worked
on paper (below, to 4-6 decimals) and the test checks both.

**Bundled examples** (lenalidomide, overall survival, hazard ratio): three estimates.

- ASH 2007, pooled MM-009 + MM-010: dexamethasone alone against lenalidomide plus dexamethasone,
  1.295 (1.040-1.614): inverted to 0.7722 (0.6196-0.9615); y = -ln 1.295 = -0.258511,
  se = (ln 1.614 - ln 1.040) / 3.919928 = 0.112118. The only estimate with a CI: pooled alone,
  fixed = random = exp(-0.258511) = 0.7722, 95% CI exp(-0.258511 -+ 1.959964 x 0.112118) = 0.6199-0.9620.
- MM-009 (Weber et al., N Engl J Med 2007): HR 0.44 with no CI: listed, not pooled.
- Leukemia 2009, pooled MM-009 + MM-010: a p-value (0.045) and no hazard ratio: listed, not pooled.

**Constructed case**: the examples plus the synthetic reports of ``synthesis_cases.py``. Pooled
(latest analyses): ASH 2007 (as above), DEMO-A final 0.55 (0.43-0.70), DEMO-B inverted from 1.25
(1.00-1.5625) to 0.80, DEMO-C 1.20 (0.90-1.60), DEMO-E + DEMO-F 0.85 (0.65-1.11). On paper:

| estimate | y | se | w | w (%) |
|---|---|---|---|---|
| MM-009 + MM-010 (ASH 2007, inverted) | -0.258511 | 0.112118 | 79.552 | 24.75 |
| DEMO-A (final) | -0.597837 | 0.124312 | 64.710 | 20.13 |
| DEMO-B (inverted) | -0.223144 | 0.113851 | 77.149 | 24.00 |
| DEMO-C | 0.182322 | 0.146779 | 46.416 | 14.44 |
| DEMO-E + DEMO-F | -0.162519 | 0.136519 | 53.656 | 16.69 |

sum(w) = 321.482; fixed effect -0.238656 (HR 0.7877, 0.7061-0.8787), se 0.055773; Q = 16.9353 on
4 df, p = exp(-Q/2)(1 + Q/2) = 0.00199 (the chi-square tail for 4 df); C = 321.482 - sum(w^2)/321.482
= 254.601; tau^2 = (16.9353 - 4) / 254.601 = 0.050806; I^2 = 12.9353 / 16.9353 = 76.38%;
random effects (DL) -0.219610 (HR 0.8028, 0.6400-1.0071), se 0.115644.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.synthesis import Synthesis, forest_plot, synthesize
from tests.conftest import CliResult, example_files
from tests.integration.synthesis_cases import write_reports

Z = 1.959964


def log_se(estimate: float, lower: float, upper: float) -> tuple[float, float]:
    """(ln estimate, se from the CI) as worked on paper."""
    return math.log(estimate), (math.log(upper) - math.log(lower)) / (2 * Z)


def by_hand(inputs: list[tuple[float, float, float]]) -> dict[str, float]:
    """Fixed effect, Q, DerSimonian-Laird tau², random effects and I², written out."""
    ys, ses = zip(*(log_se(*values) for values in inputs))
    w = [1 / se**2 for se in ses]
    total = sum(w)
    fixed = sum(wi * yi for wi, yi in zip(w, ys)) / total
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, ys))
    df = len(ys) - 1
    c = total - sum(wi**2 for wi in w) / total
    tau2 = max(0.0, (q - df) / c)
    w_star = [1 / (se**2 + tau2) for se in ses]
    random = sum(wi * yi for wi, yi in zip(w_star, ys)) / sum(w_star)
    return {
        "fixed": fixed, "fixed_se": 1 / math.sqrt(total), "q": q, "df": df, "tau2": tau2,
        "random": random, "random_se": 1 / math.sqrt(sum(w_star)), "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
        "weights_fixed": [100 * wi / total for wi in w], "weights_random": [100 * wi / sum(w_star) for wi in w_star],
    }


@pytest.fixture(scope="module")
def examples_kb() -> KnowledgeBase:
    kb = KnowledgeBase.memory()
    report = kb.ingest("findings", example_files())
    assert not report.failed
    return kb


@pytest.fixture(scope="module")
def constructed_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase.memory()
    report = kb.ingest("findings", [*example_files(), *write_reports(tmp_path_factory.mktemp("synthetic"))])
    assert not report.failed, report.failed
    return kb


# -- the bundled examples ---------------------------------------------------------------------

def test_bundled_examples_pool_the_ash_2007_estimate_inverted(examples_kb: KnowledgeBase) -> None:
    result = synthesize(examples_kb, "lenalidomide", "overall survival")
    assert [(e.source, e.trial) for e in result.included] == [("ash-2007-pooled-os", "MM-009 + MM-010")]
    ash = result.included[0]
    # Reported as dexamethasone alone against the combination: inverted, and it says so.
    assert ash.inverted and ash.reported_estimate == 1.295 and ash.reported_arm == "Dexamethasone alone"
    assert ash.arm == "Lenalidomide plus dexamethasone"
    assert "reported as Dexamethasone alone against Lenalidomide plus dexamethasone (1.295 (1.04-1.614))" in (ash.inverted_reason or "")
    assert ash.estimate == pytest.approx(1 / 1.295) and ash.ci_lower == pytest.approx(1 / 1.614) and ash.ci_upper == pytest.approx(1 / 1.040)
    # y and se by hand, and on paper.
    y, se = -math.log(1.295), (math.log(1.614) - math.log(1.040)) / (2 * Z)
    assert (y, se) == pytest.approx((-0.258511, 0.112118), abs=1e-6)
    assert ash.log_estimate == pytest.approx(y, rel=1e-9) and ash.se == pytest.approx(se, rel=1e-6)
    assert ash.weight_fixed == pytest.approx(100.0) and ash.weight_random == pytest.approx(100.0)
    assert result.fixed is not None and result.random is not None and result.heterogeneity is not None
    for pooled in (result.fixed, result.random):
        assert pooled.log_estimate == pytest.approx(y, rel=1e-9) and pooled.se == pytest.approx(se, rel=1e-6)
        assert pooled.estimate == pytest.approx(0.7722, abs=5e-5)
        assert (pooled.ci_lower, pooled.ci_upper) == pytest.approx((math.exp(y - Z * se), math.exp(y + Z * se)), rel=1e-6)
        assert (pooled.ci_lower, pooled.ci_upper) == pytest.approx((0.6199, 0.9620), abs=5e-5)
    assert (result.heterogeneity.q, result.heterogeneity.df, result.heterogeneity.tau2) == (0.0, 0, 0.0)
    assert result.heterogeneity.i2 is None and result.heterogeneity.q_p_value is None


def test_bundled_examples_say_what_was_left_out_and_why(examples_kb: KnowledgeBase) -> None:
    result = synthesize(examples_kb, "Revlimid", "OS")  # a synonym and an abbreviation
    left = {(x.estimate.source, x.code): x.reason for x in result.excluded}
    assert set(left) == {("weber-2007-mm009", "no_ci"), ("leukemia-2009-pooled-mm009-mm010", "no_estimate")}
    assert left[("weber-2007-mm009", "no_ci")].startswith("no confidence interval (0.44, p < 0.001)")
    assert left[("leukemia-2009-pooled-mm009-mm010", "no_estimate")] == "no hazard ratio reported (p = 0.045 only)"
    # Every row, pooled or not, names its source and its report.
    rows = result.to_rows()
    assert [r["row"] for r in rows] == ["estimate", "estimate", "estimate", "fixed", "random"]
    assert all(r["source"] and r["citation"] for r in rows if r["row"] == "estimate")
    weber = next(r for r in rows if r["source"] == "weber-2007-mm009")
    assert weber["doi"] == "10.1056/nejmoa070596" and weber["included"] is False


# -- the constructed case ---------------------------------------------------------------------

CONSTRUCTED = [  # (HR, lower, upper) of the pooled estimates, oriented, in the plot's order (by trial)
    (0.55, 0.43, 0.70),                      # DEMO-A, final analysis
    (1 / 1.25, 1 / 1.5625, 1 / 1.00),         # DEMO-B, inverted
    (1.20, 0.90, 1.60),                      # DEMO-C
    (0.85, 0.65, 1.11),                      # DEMO-E + DEMO-F
    (1 / 1.295, 1 / 1.614, 1 / 1.040),        # MM-009 + MM-010 (ASH 2007), inverted
]


def test_constructed_case_pools_one_estimate_per_trial_never_the_same_patients_twice(constructed_kb: KnowledgeBase) -> None:
    result = synthesize(constructed_kb, "lenalidomide", "overall survival")
    assert [(e.trial, e.source) for e in result.included] == [
        ("DEMO-A", "synthetic-demo-a-final"), ("DEMO-B", "synthetic-demo-b"), ("DEMO-C", "synthetic-demo-c"),
        ("DEMO-E + DEMO-F", "synthetic-pooled-ef"), ("MM-009 + MM-010", "ash-2007-pooled-os"),
    ]
    assert [e.inverted for e in result.included] == [False, True, False, False, True]
    left = {(x.estimate.source, x.code) for x in result.excluded}
    assert left == {
        ("synthetic-demo-a-interim", "superseded"),          # DEMO-A's earlier analysis
        ("synthetic-demo-c", "both_arms"),                   # lenalidomide 25 mg against 10 mg
        ("synthetic-demo-d", "no_ci"),
        ("synthetic-pooled-ac", "components_pooled"),        # DEMO-A and DEMO-C are pooled on their own
        ("synthetic-demo-e", "pooled_elsewhere"),            # inside DEMO-E + DEMO-F, which is pooled
        ("weber-2007-mm009", "no_ci"),
        ("leukemia-2009-pooled-mm009-mm010", "no_estimate"),
    }
    reasons = {x.estimate.source: x.reason for x in result.excluded}
    assert reasons["synthetic-pooled-ac"] == "pools DEMO-A and DEMO-C, whose own estimates are pooled: the same patients would count twice"
    assert "latest analysis of DEMO-A is used (final, cut-off 2021-03" in reasons["synthetic-demo-a-interim"]
    assert "DEMO-E + DEMO-F" in reasons["synthetic-demo-e"]


def test_constructed_case_numbers_equal_the_arithmetic_by_hand(constructed_kb: KnowledgeBase) -> None:
    result = synthesize(constructed_kb, "lenalidomide", "overall survival", method="dl")
    hand = by_hand(CONSTRUCTED)
    for estimate, (hr, lower, upper) in zip(result.included, CONSTRUCTED):
        y, se = log_se(hr, lower, upper)
        assert estimate.log_estimate == pytest.approx(y, rel=1e-9) and estimate.se == pytest.approx(se, rel=1e-6)
    assert [e.weight_fixed for e in result.included] == pytest.approx(hand["weights_fixed"], rel=1e-5)
    assert [e.weight_random for e in result.included] == pytest.approx(hand["weights_random"], rel=1e-5)
    assert result.fixed is not None and result.random is not None and result.heterogeneity is not None
    assert result.fixed.log_estimate == pytest.approx(hand["fixed"], rel=1e-6)
    assert result.fixed.se == pytest.approx(hand["fixed_se"], rel=1e-6)
    assert result.random.log_estimate == pytest.approx(hand["random"], rel=1e-6)
    assert result.random.se == pytest.approx(hand["random_se"], rel=1e-6)
    h = result.heterogeneity
    assert (h.q, h.df, h.tau2, h.i2 / 100) == pytest.approx((hand["q"], hand["df"], hand["tau2"], hand["i2"]), rel=1e-5)
    # The chi-square tail on 4 df has a closed form: exp(-Q/2) (1 + Q/2).
    assert h.q_p_value == pytest.approx(math.exp(-h.q / 2) * (1 + h.q / 2), rel=1e-6)
    # The same figures worked on paper (module docstring).
    assert [round(w, 2) for w in hand["weights_fixed"]] == [20.13, 24.0, 14.44, 16.69, 24.75]
    assert (result.fixed.log_estimate, result.fixed.se) == pytest.approx((-0.238656, 0.055773), abs=1e-6)
    assert (result.fixed.estimate, result.fixed.ci_lower, result.fixed.ci_upper) == pytest.approx((0.7877, 0.7061, 0.8787), abs=5e-5)
    assert (h.q, h.tau2) == pytest.approx((16.9353, 0.050806), abs=5e-5)
    assert h.i2 == pytest.approx(76.38, abs=5e-3) and h.q_p_value == pytest.approx(0.00199, abs=5e-6)
    assert (result.random.log_estimate, result.random.se) == pytest.approx((-0.219610, 0.115644), abs=1e-6)
    assert (result.random.estimate, result.random.ci_lower, result.random.ci_upper) == pytest.approx((0.8028, 0.6400, 1.0071), abs=5e-5)


def test_paule_mandel_tau2_solves_its_estimating_equation(constructed_kb: KnowledgeBase) -> None:
    """Paule-Mandel's tau² makes the generalised Q, sum((y - mean*)^2 / (se^2 + tau^2)), equal k - 1."""
    result = synthesize(constructed_kb, "lenalidomide", "overall survival", method="pm")
    assert result.heterogeneity is not None and result.random is not None and result.fixed is not None
    tau2 = result.heterogeneity.tau2
    assert tau2 > 0 and result.heterogeneity.method == "pm"
    ys, ses = zip(*(log_se(*values) for values in CONSTRUCTED))
    w_star = [1 / (se**2 + tau2) for se in ses]
    mean = sum(w * y for w, y in zip(w_star, ys)) / sum(w_star)
    assert result.random.log_estimate == pytest.approx(mean, rel=1e-6)
    assert sum(w * (y - mean) ** 2 for w, y in zip(w_star, ys)) == pytest.approx(len(ys) - 1, rel=1e-4)
    assert result.fixed.log_estimate == pytest.approx(by_hand(CONSTRUCTED)["fixed"], rel=1e-6)  # no tau² in the fixed effect


def test_select_earliest_uses_the_first_analysis_of_each_trial(constructed_kb: KnowledgeBase) -> None:
    result = synthesize(constructed_kb, "lenalidomide", "overall survival", select="earliest")
    demo_a = next(e for e in result.included if e.trial == "DEMO-A")
    assert (demo_a.source, demo_a.estimate, demo_a.cutoff) == ("synthetic-demo-a-interim", 0.60, "2019-06")
    assert ("synthetic-demo-a-final", "superseded") in {(x.estimate.source, x.code) for x in result.excluded}
    hand = by_hand([(0.60, 0.40, 0.90), *CONSTRUCTED[1:]])
    assert result.fixed is not None and result.fixed.log_estimate == pytest.approx(hand["fixed"], rel=1e-6)


def test_nothing_to_pool_is_a_result_not_an_error(examples_kb: KnowledgeBase) -> None:
    result = synthesize(examples_kb, "lenalidomide", "time to progression")
    assert result.included == [] and result.fixed is None and result.random is None
    assert result.notes and "nothing pooled" in result.notes[0]
    assert forest_plot(result, "svg").startswith(b"<?xml")
    assert json.loads(result.to_json())["k"] == 0


# -- the forest plot ----------------------------------------------------------------------------

def test_forest_plot_svg_names_rows_direction_and_inversions(constructed_kb: KnowledgeBase) -> None:
    result = synthesize(constructed_kb, "lenalidomide", "overall survival")
    svg = forest_plot(result, "svg").decode("utf-8")
    for text in ("DEMO-A", "DEMO-E + DEMO-F", "MM-009 + MM-010", "favours lenalidomide", "favours comparator",
                 "Fixed effect (inverse variance)", "Random effects (DerSimonian-Laird)", "cut-off 2021-03", "20.1% / 20.2%",
                 "Inverted: reported as Placebo plus dexamethasone against Lenalidomide plus dexamethasone", "Not pooled: DEMO-D"):
        assert text in svg, text
    assert forest_plot(result, "svg") == svg.encode("utf-8")  # the same result draws the same bytes


def test_forest_plot_png_is_an_image(constructed_kb: KnowledgeBase) -> None:
    from PIL import Image

    png = forest_plot(synthesize(constructed_kb, "lenalidomide", "overall survival"), "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 1725 and image.size[1] > 900


# -- the command line ---------------------------------------------------------------------------

def test_cli_prints_pooled_left_out_and_pooled_result(built: Callable[..., CliResult], tmp_path: Path) -> None:
    plot = tmp_path / "forest.png"
    result = built("synthesize", "--drug", "lenalidomide", "--outcome", "overall survival", "--plot", str(plot))
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "1 estimate(s) pooled, 2 left out" in out
    assert "ash-2007-pooled-os" in out and "0.772 (0.620-0.962)" in out
    assert "no confidence interval (0.44, p < 0.001)" in out and "no hazard ratio reported (p = 0.045 only)" in out
    assert "fixed effect (inverse variance)" in out and "Inverted: MM-009 + MM-010" in out
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_cli_csv_and_json_carry_every_row_with_its_source(built: Callable[..., CliResult]) -> None:
    result = built("synthesize", "--drug", "lenalidomide", "--outcome", "overall survival", "-f", "csv")
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["row"], r["included"], r["source"]) for r in rows] == [
        ("estimate", "TRUE", "ash-2007-pooled-os"), ("estimate", "FALSE", "weber-2007-mm009"),
        ("estimate", "FALSE", "leukemia-2009-pooled-mm009-mm010"), ("fixed", "", ""), ("random", "", ""),
    ]
    assert float(rows[3]["log_estimate"]) == pytest.approx(-math.log(1.295), rel=1e-9)
    data = json.loads(built("synthesize", "--drug", "lenalidomide", "--outcome", "overall survival", "-f", "json", "--method", "pm").stdout)
    assert data["method"] == "pm" and data["k"] == 1 and data["included"][0]["inverted"] is True
    assert {x["code"] for x in data["excluded"]} == {"no_ci", "no_estimate"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--drug", "nosuchdrug", "--outcome", "overall survival"), "--drug: 'nosuchdrug' is not in the vocabulary"),
        (("--drug", "lenalidomide", "--outcome", "nosuchoutcome"), "--outcome: 'nosuchoutcome' is not in the vocabulary"),
        (("--drug", "lenalidomide", "--outcome", "OS", "--measure", "mean_difference"), "measure must be a ratio measure"),
        (("--drug", "lenalidomide", "--outcome", "OS", "--method", "reml"), "method must be one of dl, pm"),
        (("--drug", "lenalidomide", "--outcome", "OS", "--select", "newest"), "select must be one of latest, earliest"),
        (("--drug", "lenalidomide", "--outcome", "OS", "--plot", "forest.pdf"), "give a file ending in .svg or .png"),
    ],
)
def test_cli_refuses_bad_input_with_a_message(built: Callable[..., CliResult], args: tuple[str, ...], message: str) -> None:
    result = built("synthesize", *args)
    assert result.code == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_synthesis_type_is_exported() -> None:
    assert Synthesis.__module__ == "kb.synthesis.model"


# -- an independent implementation: R's metafor, where CI installs it --------------------------

R_POOL = """
library(metafor)
d <- read.csv("included.csv")
for (method in c("FE", "DL", "PM")) {
  fit <- rma(yi = log_estimate, sei = se, data = d, method = method)
  cat(sprintf("%s %.10f %.10f %.10f %.10f %.10f %.10f\\n", method, coef(fit), fit$se, fit$tau2, fit$I2, fit$QE, fit$QEp))
}
"""


def test_the_pool_equals_r_metafor_on_the_constructed_case(constructed_kb: KnowledgeBase, tmp_path: Path) -> None:
    import shutil
    import subprocess

    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (the pool is checked against arithmetic by hand above)")
    if subprocess.run([rscript, "-e", "library(metafor)"], capture_output=True, timeout=120, check=False).returncode != 0:
        pytest.skip("the R package metafor is not installed")
    results = {method: synthesize(constructed_kb, "lenalidomide", "overall survival", method=method) for method in ("dl", "pm")}
    rows = [r for r in results["dl"].to_rows() if r["row"] == "estimate" and r["included"]]
    with (tmp_path / "included.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["trial", "log_estimate", "se"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "pool.R").write_text(R_POOL, encoding="utf-8")
    run = subprocess.run([rscript, "pool.R"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    r = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in run.stdout.splitlines()}
    dl, pm = results["dl"], results["pm"]
    assert dl.fixed is not None and dl.random is not None and dl.heterogeneity is not None
    assert pm.random is not None and pm.heterogeneity is not None
    assert r["FE"][:2] == pytest.approx([dl.fixed.log_estimate, dl.fixed.se], rel=1e-6)
    assert r["DL"][:5] == pytest.approx([dl.random.log_estimate, dl.random.se, dl.heterogeneity.tau2, dl.heterogeneity.i2, dl.heterogeneity.q], rel=1e-6)
    assert r["DL"][5] == pytest.approx(dl.heterogeneity.q_p_value, rel=1e-6)
    # Paule-Mandel is iterated: both stop within their tolerances.
    assert r["PM"][:3] == pytest.approx([pm.random.log_estimate, pm.random.se, pm.heterogeneity.tau2], rel=1e-4)
