"""The `kb` command, end to end on a store in tmp_path: the issue's acceptance checks.

``built`` (tests/conftest.py) is a copy, per test, of a store built once per session from every
example with ``kb ingest findings``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset
from rdflib.compare import isomorphic

from tests.conftest import example_files

MM009_DOI = "10.1056/nejmoa070596"


def rows(result) -> list[dict]:
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_quickstart_prints_mm009_efficacy_and_safety(cli) -> None:
    result = cli("quickstart")
    assert result.code == 0, result.stderr
    out = result.stdout
    for expected in ("time to progression", "overall survival", "11.1", "4.7", "0.44", "neutropenia", "41.2", "4.6", "14.7", "3.4"):
        assert expected in out, expected
    assert "Placebo plus dexamethasone" in out


def test_outcome_results_for_lenalidomide_cover_every_report(built) -> None:
    found = rows(built("query", "outcome_results", "-p", "drug=lenalidomide", "--format", "json"))
    sources = {row["source"] for row in found}
    assert len(sources) == len(example_files())
    assert all(row["status"] in ("draft", "verified") for row in found)
    assert all(row["analysis"] for row in found)
    assert {row["doi"] for row in found} >= {MM009_DOI, "10.1038/leu.2009.147"}
    hazard = [r for r in found if r["statistic"] == "hazard_ratio"]
    assert {(r["value"], r["arm"], r["reference_arm"]) for r in hazard} >= {
        (0.44, "Lenalidomide plus dexamethasone", "Placebo plus dexamethasone"),
        (1.295, "Dexamethasone alone", "Lenalidomide plus dexamethasone"),  # ASH 2007 reports the inverse direction
    }
    ash = next(r for r in hazard if r["value"] == 1.295)
    assert (ash["ci_lower"], ash["ci_upper"], ash["p_value"]) == (1.04, 1.614, 0.02)


@pytest.mark.parametrize("name", ["Lenalidomide", "CHEBI:63791", "chebi:63791", "Revlimid", "CC-5013"])
def test_drug_names_and_curies_give_the_same_rows(built, name: str) -> None:
    reference = rows(built("query", "outcome_results", "-p", "drug=lenalidomide", "--format", "json"))
    assert rows(built("query", "outcome_results", "-p", f"drug={name}", "--format", "json")) == reference


def test_unknown_drug_is_a_clear_error(built) -> None:
    result = built("query", "outcome_results", "-p", "drug=unobtainium", "--format", "json")
    assert result.code == 1
    assert "unobtainium" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_adverse_events_grade_3_lists_both_arms(built) -> None:
    found = rows(built("query", "adverse_events", "-p", "drug=lenalidomide", "-p", "min_grade=3", "--format", "json"))
    mm009 = {row["event"]: row for row in found if row["doi"] == MM009_DOI}
    neutropenia = next(row for event, row in mm009.items() if "neutropenia" in event)
    thrombo = next(row for event, row in mm009.items() if "thrombo" in event)
    assert (neutropenia["percent"], neutropenia["comparator_percent"]) == (41.2, 4.6)
    assert (thrombo["percent"], thrombo["comparator_percent"]) == (14.7, 3.4)
    assert neutropenia["arm"] == "Lenalidomide plus dexamethasone"
    assert neutropenia["comparator_arm"] == "Placebo plus dexamethasone"


@pytest.mark.parametrize("target", ["NF-kB", "NF-κB", "nuclear factor kappa-B", "NF-kappaB", "GO:0071159"])
def test_mechanisms_by_any_name_of_nf_kb(built, target: str) -> None:
    found = rows(built("query", "mechanisms", "-p", f"target={target}", "--format", "json"))
    assert len(found) == 1
    claim = found[0]
    assert claim["drug"] == "lenalidomide" and claim["direction"] == "decreased"
    assert claim["doi"] == MM009_DOI
    assert "nuclear factor κ-B" in claim["quote"]


def test_validate_passes_on_the_built_kb(built) -> None:
    result = built("validate")
    assert result.code == 0, result.stdout + result.stderr
    assert "conforms" in result.stderr


def test_bad_findings_file_is_rejected_and_store_unchanged(built, tmp_path: Path) -> None:
    before = built("export", "--format", "nquads").stdout
    bad = tmp_path / "bad.yaml"
    text = example_files()[0].read_text(encoding="utf-8")
    bad.write_text(text.replace("value: 11.1", "value: eleven"), encoding="utf-8")
    result = built("ingest", "findings", str(bad))
    assert result.code == 1
    assert str(bad) in result.stderr
    assert "outcome_results[0].measurements[0].value" in result.stderr
    assert "Traceback" not in result.stderr
    assert built("export", "--format", "nquads").stdout == before


def test_batch_with_one_bad_file_loads_the_others(cli, tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("source: [unclosed\n", encoding="utf-8")
    files = [str(p) for p in example_files()]
    result = cli("ingest", "findings", files[0], str(bad), files[1], "--json")
    assert result.code == 1
    summary = json.loads(result.stdout)
    assert len(summary["loaded"]) == 2
    assert [f["file"] for f in summary["failed"]] == [str(bad)]
    assert "invalid YAML" in summary["failed"][0]["error"] and "line 2" in summary["failed"][0]["error"]


def test_reingest_reports_unchanged(built) -> None:
    before = built("export", "--format", "nquads").stdout
    result = built("ingest", "findings", *map(str, example_files()), "--json")
    assert {s["status"] for s in json.loads(result.stdout)["loaded"]} == {"unchanged"}
    assert built("export", "--format", "nquads").stdout == before


def test_sources_list_and_remove(built) -> None:
    listed = rows(built("sources", "list", "--format", "json"))
    assert len(listed) == len(example_files())
    removed = built("sources", "remove", "weber-2007-mm009")
    assert removed.code == 0
    remaining = {row["source"] for row in rows(built("sources", "list", "--format", "json"))}
    assert "weber-2007-mm009" not in remaining and len(remaining) == len(example_files()) - 1
    missing = built("sources", "remove", "weber-2007-mm009")
    assert missing.code == 1 and "no source" in missing.stderr


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_export_then_reimport_is_isomorphic(built, cli, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"kb.{fmt}"
    assert built("export", "--format", fmt, "-o", str(out)).code == 0
    other = tmp_path / "other-store"
    reimport = cli("sparql", "ASK { ?s ?p ?o }", store_path=other)  # creates nothing: read-only open fails
    assert reimport.code == 1 and "no store" in reimport.stderr
    from kb.store import KBStore

    with KBStore.open(other) as store:
        store.load(out, format=fmt)
    exported_again = cli("export", "--format", "nquads", store_path=other).stdout
    original = Dataset().parse(data=built("export", "--format", "nquads").stdout, format="nquads")
    again = Dataset().parse(data=exported_again, format="nquads")
    names = {str(g.identifier) for g in original.graphs() if len(g)}
    assert names == {str(g.identifier) for g in again.graphs() if len(g)}
    for name in names:
        assert isomorphic(original.graph(name), again.graph(name)), name


@pytest.mark.parametrize("fmt,marker", [("json", '"head"'), ("xml", "<sparql"), ("csv", "doi"), ("tsv", "?doi")])
def test_sparql_results_formats(built, fmt: str, marker: str) -> None:
    query = "PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/> SELECT ?doi WHERE { ?p prism:doi ?doi }"
    result = built("sparql", query, "--format", fmt)
    assert result.code == 0, result.stderr
    assert marker in result.stdout and MM009_DOI in result.stdout


def test_sparql_update_is_refused(built) -> None:
    result = built("sparql", "DROP ALL")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert rows(built("sources", "list", "--format", "json"))


def test_schema_prints_the_findings_json_schema(cli) -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert "source" in schema["properties"] and "outcome_results" in schema["properties"]


def test_query_list_names_every_template(cli) -> None:
    result = cli("query", "--list")
    for name in ("publication", "outcome_results", "adverse_events", "mechanisms", "drugs_for_target", "trial_reports", "provenance", "stats"):
        assert name in result.stdout


def test_usage_errors_exit_2(cli) -> None:
    assert cli("query", "outcome_results", "--format", "yaml").code == 2
    assert cli("no-such-command").code == 2


def test_unknown_parameter_is_a_clear_error(built) -> None:
    result = built("query", "outcome_results", "-p", "colour=blue")
    assert result.code == 1 and "colour" in result.stderr


def test_stats_counts(built) -> None:
    (stats,) = rows(built("stats", "--format", "json"))
    assert stats["sources"] == len(example_files())
    assert stats["mechanism_claims"] == 3 and stats["unresolved_concepts"] == 0


@pytest.mark.parametrize("fmt,header", [("evidence-csv", "log_estimate,se"), ("adverse-events-csv", "n_affected,n_at_risk,percent")])
def test_export_tables(built, fmt: str, header: str) -> None:
    result = built("export", "--format", fmt)
    assert result.code == 0, result.stderr
    assert header in result.stdout.splitlines()[0]


def test_graph_paths_prints_a_trial_finding(built) -> None:
    result = built("graph", "paths", "lenalidomide", "overall survival")
    assert result.code == 0, result.stderr
    assert "MM-009" in result.stdout and "hazard_ratio 0.44" in result.stdout


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "node-link", "cytoscape"])
def test_export_graph_formats(built, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"kb.{fmt}"
    assert built("export", "--format", fmt, "-o", str(out)).code == 0
    assert out.stat().st_size > 0


def test_validate_fails_on_a_non_conforming_kb(built, tmp_path: Path) -> None:
    """An out-of-vocabulary curation status, written past the models, is caught by SHACL."""
    from kb.store import KBStore

    store_path = tmp_path / "store"
    with KBStore.open(store_path) as store:
        store._store.update(  # written past the models and the store API, on purpose
            'PREFIX tekb: <https://w3id.org/trial-evidence-kb/ontology#> '
            'DELETE { GRAPH ?g { ?f tekb:curationStatus ?s } } INSERT { GRAPH ?g { ?f tekb:curationStatus "maybe" } } '
            'WHERE { GRAPH ?g { ?f tekb:curationStatus ?s } }'
        )
    result = built("validate")
    assert result.code == 1
    assert "does not conform" in result.stderr and "Traceback" not in result.stderr


def test_unknown_reader_is_a_clear_error() -> None:
    from kb.errors import KBError
    from kb.readers import get_reader

    with pytest.raises(KBError, match="no reader named .endnote.; installed readers: .*findings.*ris"):
        get_reader("endnote")
