"""Direction of effect in the meta-analysis exports (issue 11 item 1).

The KB holds the bundled examples, among them ASH 2007's pooled overall-survival hazard ratio
reported the other way round (dexamethasone alone against lenalidomide plus dexamethasone, 1.295,
95% CI 1.040-1.614), plus one *synthetic* findings file written here: a made-up trial, DEMO-1,
reporting lenalidomide plus dexamethasone against placebo plus dexamethasone, HR 0.70 (0.55-0.89).
``kb export --format evidence-csv --drug lenalidomide`` must turn the ASH row, and the
inverse-variance fixed-effect pool of the two overall-survival rows (what the recipe in
docs/meta-analysis.md, ``metafor::rma(yi = log_estimate, sei = se, method = "FE")``, computes)
must equal the value worked out on paper below. The pool is computed in Python here, and by the
R recipe itself when ``Rscript`` with metafor is installed (skipped otherwise).

On paper (z = 1.959964, the 97.5% normal quantile):

- ASH 2007, turned: y1 = -ln 1.295 = -0.258511; se1 = (ln 1.614 - ln 1.040) / (2 z)
  = (0.478716 - 0.039221) / 3.919928 = 0.112118; w1 = 1 / se1^2 = 79.552.
- DEMO-1: y2 = ln 0.70 = -0.356675; se2 = (ln 0.89 - ln 0.55) / (2 z)
  = (-0.116534 + 0.597837) / 3.919928 = 0.122784; w2 = 66.331.
- Pooled: (w1 y1 + w2 y2) / (w1 + w2) = (-20.5650 - 23.6589) / 145.883 = -0.303145, HR 0.7385;
  its se = 1 / sqrt(145.883) = 0.082794, 95% CI exp(-0.303145 -+ 1.959964 * 0.082794) = 0.6279-0.8686.
- Without turning the ASH row the same formula gives (20.5650 - 23.6589) / 145.883 = -0.021208,
  HR 0.979: the error the orientation prevents.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.conftest import CliResult, example_files

SYNTHETIC = """\
# Synthetic: a made-up trial for the orientation test; no such report exists.
schema_version: 1
source:
  id: synthetic-demo-1
  status: draft
  method: manual_curation
  publication:
    title: "[Synthetic report of DEMO-1, a made-up trial for tests]"
    date: "2020"
trials:
  - key: demo1
    acronym: DEMO-1
    arms:
      - key: len-dex
        label: Lenalidomide plus dexamethasone
        role: experimental
        n_randomized: 200
        interventions:
          - {drug: lenalidomide}
          - {drug: dexamethasone}
      - key: placebo-dex
        label: Placebo plus dexamethasone
        role: placebo_comparator
        n_randomized: 200
        interventions:
          - {placebo: true, label: placebo}
          - {drug: dexamethasone}
outcome_results:
  - key: os
    trial: demo1
    outcome: overall survival
    comparisons:
      - arm: len-dex
        reference_arm: placebo-dex
        measure: hazard_ratio
        estimate: 0.70
        ci_lower: 0.55
        ci_upper: 0.89
        ci_level: 0.95
"""

# Worked to six decimals by hand (intermediate rounding): compared within 1e-5.
PAPER_POOLED_LOG_HR = -0.303145
PAPER_POOLED_SE = 0.082794
PAPER_UNTURNED_LOG_HR = -0.021208


def fixed_effect(rows: list[dict[str, str]]) -> tuple[float, float]:
    """Inverse-variance fixed-effect pool (metafor ``rma(yi, sei = se, method = "FE")``): estimate and se."""
    weights = [1 / float(r["se"]) ** 2 for r in rows]
    estimate = sum(w * float(r["log_estimate"]) for w, r in zip(weights, rows)) / sum(weights)
    return estimate, 1 / math.sqrt(sum(weights))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pooled_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The recipe's subset: overall survival, hazard ratios with a standard error."""
    return [r for r in rows if r["outcome"] == "overall survival" and r["measure"] == "hazard_ratio" and r["se"]]


@pytest.fixture
def kb_files(tmp_path: Path) -> list[Path]:
    synthetic = tmp_path / "synthetic_demo1.yaml"
    synthetic.write_text(SYNTHETIC, encoding="utf-8")
    return [*example_files(), synthetic]


def test_oriented_export_pools_to_the_value_worked_out_on_paper(kb_files: list[Path], tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    report = kb.ingest("findings", kb_files)
    assert not report.failed
    out = tmp_path / "evidence.csv"
    result = kb.export("evidence-csv", out, drug="Revlimid")  # a synonym: resolved through the vocabulary
    rows = pooled_rows(read_csv(out))
    assert len(rows) == 2
    ash = next(r for r in rows if r["source"] == "ash-2007-pooled-os")
    demo = next(r for r in rows if r["source"] == "synthetic-demo-1")
    # ASH 2007 turned: lenalidomide's arm first, the ratio inverted with its bounds swapped.
    assert ash["oriented"] == "TRUE" and demo["oriented"] == "FALSE"
    assert (ash["arm"], ash["reference_arm"]) == ("Lenalidomide plus dexamethasone", "Dexamethasone alone")
    assert (ash["arm_role"], ash["reference_role"]) == ("experimental", "placebo_comparator")
    assert (ash["arm_drugs"], ash["reference_drugs"]) == ("dexamethasone; lenalidomide", "dexamethasone")
    assert float(ash["estimate"]) == pytest.approx(1 / 1.295)
    assert (float(ash["ci_lower"]), float(ash["ci_upper"])) == pytest.approx((1 / 1.614, 1 / 1.040))
    assert float(ash["log_estimate"]) == pytest.approx(-0.258511, abs=1e-6)
    assert float(ash["se"]) == pytest.approx(0.112118, abs=1e-6)
    estimate, se = fixed_effect(rows)
    assert estimate == pytest.approx(PAPER_POOLED_LOG_HR, abs=1e-5)
    assert se == pytest.approx(PAPER_POOLED_SE, abs=1e-5)
    assert math.exp(estimate) == pytest.approx(0.7385, abs=1e-4)
    # Every row kept names lenalidomide's arm first; none left out (no comparison has it in both arms).
    assert all("lenalidomide" in r["arm_drugs"] and "lenalidomide" not in r["reference_drugs"] for r in read_csv(out))
    assert result.left_out == {}


def test_the_unoriented_export_keeps_each_reports_direction(kb_files: list[Path], tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    out = tmp_path / "evidence.csv"
    kb.export("evidence-csv", out)
    rows = pooled_rows(read_csv(out))
    ash = next(r for r in rows if r["source"] == "ash-2007-pooled-os")
    assert (ash["arm"], ash["estimate"], ash["oriented"]) == ("Dexamethasone alone", "1.295", "")
    assert ash["arm_drugs"] == "dexamethasone" and ash["reference_drugs"] == "dexamethasone; lenalidomide"
    # Pooled as it stands, the reversed row cancels the other: the error the columns now expose.
    assert fixed_effect(rows)[0] == pytest.approx(PAPER_UNTURNED_LOG_HR, abs=1e-5)


def test_rows_with_the_drug_in_both_arms_are_left_out_and_counted(kb_files: list[Path], tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    out = tmp_path / "evidence.csv"
    result = kb.export("evidence-csv", out, drug="dexamethasone")
    assert result.rows == 0 and read_csv(out) == []
    assert result.left_out == {"dexamethasone in both arms": 13}


def test_adverse_events_side_by_side_for_escalc(kb_files: list[Path], tmp_path: Path) -> None:
    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    out = tmp_path / "ae.csv"
    result = kb.export("adverse-events-csv", out, drug="lenalidomide")
    rows = read_csv(out)
    treated = [r for r in rows if r["treatment"] == "TRUE"]
    mm009 = next(r for r in treated if r["event"] == "neutropenia" and r["source"] == "weber-2007-mm009")
    assert (mm009["arm"], mm009["percent"], mm009["comparator_arm"], mm009["comparator_percent"]) == (
        "Lenalidomide plus dexamethasone", "41.2", "Placebo plus dexamethasone", "4.6")
    assert (mm009["arm_role"], mm009["comparator_role"], mm009["comparator_drugs"]) == ("experimental", "placebo_comparator", "dexamethasone")
    assert {r["treatment"] for r in rows} == {"TRUE", "FALSE"}
    # MM-010's thromboembolism is reported for the lenalidomide arm only: no comparison, left out.
    assert result.left_out == {"lenalidomide in every arm the result reports": 1}


def test_cli_export_with_drug(cli: Callable[..., CliResult], kb_files: list[Path], tmp_path: Path) -> None:
    assert cli("ingest", "findings", *map(str, kb_files), "--quiet").code == 0
    out = tmp_path / "oriented.csv"
    result = cli("export", "--format", "evidence-csv", "--drug", "lenalidomide", "-o", str(out))
    assert result.code == 0, result.stderr
    assert fixed_effect(pooled_rows(read_csv(out)))[0] == pytest.approx(PAPER_POOLED_LOG_HR, abs=1e-5)
    both = cli("export", "--format", "evidence-csv", "--drug", "dexamethasone", "-o", str(tmp_path / "none.csv"))
    assert both.code == 0 and "left out 13 row(s): dexamethasone in both arms" in both.stderr
    unknown = cli("export", "--format", "evidence-csv", "--drug", "no-such-drug", "-o", str(tmp_path / "x.csv"))
    assert unknown.code == 1 and "--drug: 'no-such-drug'" in unknown.stderr and "Traceback" not in unknown.stderr
    assert not (tmp_path / "x.csv").exists()
    wrong = cli("export", "--format", "turtle", "--drug", "lenalidomide", "-o", str(tmp_path / "x.ttl"))
    assert wrong.code == 1 and "--drug applies to the tables" in wrong.stderr


def test_graph_paths_name_the_arms_of_every_comparison(built: Callable[..., CliResult]) -> None:
    result = built("graph", "paths", "lenalidomide", "overall survival", "--limit", "10")
    assert result.code == 0, result.stderr
    comparisons = [step for line in result.stdout.splitlines() for step in line.split("--") if step.startswith("has_result")]
    assert comparisons and all(" vs " in step for step in comparisons)
    assert any("[Dexamethasone alone vs Lenalidomide plus dexamethasone: hazard_ratio 1.295" in step for step in comparisons)


#: The R recipe of docs/meta-analysis.md, printing the pooled log hazard ratio and its se.
R_RECIPE = """
suppressMessages(library(metafor))
d <- read.csv("evidence.csv")
os <- subset(d, outcome == "overall survival" & measure == "hazard_ratio" & !is.na(se))
fit <- rma(yi = log_estimate, sei = se, data = os, method = "FE", slab = paste(trial, source))
stopifnot(is.logical(d$oriented))
cat(sprintf("%.6f %.6f\\n", coef(fit), fit$se))
"""


def test_the_r_metafor_recipe_pools_to_the_paper_value(kb_files: list[Path], tmp_path: Path) -> None:
    import shutil
    import subprocess

    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (the pool is checked in Python above)")
    if subprocess.run([rscript, "-e", "library(metafor)"], capture_output=True, timeout=120, check=False).returncode != 0:
        pytest.skip("the R package metafor is not installed")
    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    kb.export("evidence-csv", tmp_path / "evidence.csv", drug="lenalidomide")
    (tmp_path / "recipe.R").write_text(R_RECIPE, encoding="utf-8")
    run = subprocess.run([rscript, "recipe.R"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    estimate, se = map(float, run.stdout.split())
    assert estimate == pytest.approx(PAPER_POOLED_LOG_HR, abs=1e-5) and se == pytest.approx(PAPER_POOLED_SE, abs=1e-5)


# -- issue 11 item 6: exports opened elsewhere ----------------------------------------------


def test_cytoscape_nodes_are_named_by_their_label(kb_files: list[Path], tmp_path: Path) -> None:
    import json

    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    out = tmp_path / "network.cyjs"
    kb.export("cytoscape", out)
    nodes = [node["data"] for node in json.loads(out.read_text(encoding="utf-8"))["elements"]["nodes"]]
    assert nodes and all(node["name"] == node["label"] and node["id"] == node["iri"] for node in nodes)
    assert any(node["name"] == "lenalidomide" and node["iri"].startswith("http://purl.obolibrary.org/obo/CHEBI_") for node in nodes)


def test_kgx_nodes_without_edges_are_only_the_documented_kinds(kb_files: list[Path], tmp_path: Path) -> None:
    # docs/kgx.md, "Nodes without edges": trials and publications only; every other node has an edge.
    kb = KnowledgeBase.memory()
    kb.ingest("findings", kb_files)
    kb.export("kgx", tmp_path / "kgx", infores="infores:test")
    nodes = read_csv_tsv(tmp_path / "kgx" / "nodes.tsv")
    ends = {row[key] for row in read_csv_tsv(tmp_path / "kgx" / "edges.tsv") for key in ("subject", "object")}
    cited = {curie for row in read_csv_tsv(tmp_path / "kgx" / "edges.tsv") for curie in row["publications"].split("|")}
    orphans = [row for row in nodes if row["id"] not in ends]
    assert orphans and {row["category"] for row in orphans} <= {"biolink:ClinicalTrial", "biolink:JournalArticle"}
    assert all(row["id"] in cited for row in orphans if row["category"] == "biolink:JournalArticle")


def read_csv_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))
