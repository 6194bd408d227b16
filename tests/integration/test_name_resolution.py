"""Every name the KB has seen is a name you can ask for, through ``kb query`` (issue 11 item 2).

A findings file (written here) and a ClinicalTrials.gov record (the shared fixture, skipped
when ``../shared`` is absent) bring drugs, outcomes and events no bundled vocabulary knows;
``kb query TEMPLATE -p drug=...`` finds their rows by name, by a normalized variant and by
the local IRI ``kb query unresolved`` lists, and a miss suggests close names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.errors import UnknownTermError
from tests.conftest import CliResult, shared_path

FINDINGS = """\
schema_version: 1
source:
  id: test-quorvimab
  publication:
    title: A made-up report of quorvimab for tests
trials:
  - key: q1
    acronym: QUORV-1
    arms:
      - key: q
        label: Quorvimab arm
        interventions:
          - {drug: Quorvimab}
      - key: control
        label: Control arm
        interventions:
          - {placebo: true, label: placebo}
analyses:
  - {key: primary, kind: primary}
outcome_results:
  - key: itch-free
    trial: q1
    analysis: primary
    outcome: test itch-free interval
    measurements:
      - {arm: q, statistic: median, value: 12, unit: month}
      - {arm: control, statistic: median, value: 7, unit: month}
"""

Cli = Callable[..., CliResult]


def _rows(cli: Cli, template: str, *params: str) -> list[dict[str, object]]:
    args = [arg for param in params for arg in ("-p", param)]
    result = cli("query", template, *args, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def findings_kb(cli: Cli, tmp_path: Path) -> Cli:
    path = tmp_path / "quorvimab.yaml"
    path.write_text(FINDINGS, encoding="utf-8")
    result = cli("ingest", "findings", str(path), "--quiet")
    assert result.code == 0, result.stderr
    return cli


def _local_iri(cli: Cli, category: str, name: str) -> str:
    rows = _rows(cli, "unresolved", f"category={category}")
    return next(str(row["concept"]) for row in rows if row["name"] == name)


def test_a_findings_drug_no_vocabulary_knows_is_asked_for_by_name_variant_and_local_iri(findings_kb: Cli) -> None:
    iri = _local_iri(findings_kb, "drug", "Quorvimab")
    expected = sorted((row["arm"], row["value"]) for row in _rows(findings_kb, "outcome_results", "drug=Quorvimab"))
    assert expected == [("Control arm", 7.0), ("Quorvimab arm", 12.0)]
    for given in ("quorvimab", "QUORVIMAB ", iri, f"<{iri}>"):
        assert sorted((row["arm"], row["value"]) for row in _rows(findings_kb, "outcome_results", f"drug={given}")) == expected, given


def test_an_outcome_no_vocabulary_knows_is_a_parameter_too(findings_kb: Cli) -> None:
    rows = _rows(findings_kb, "outcome_results", "drug=quorvimab", "outcome=Test Itch-Free Interval")
    assert {row["outcome"] for row in rows} == {"test itch-free interval"}
    iri = _local_iri(findings_kb, "outcome", "test itch-free interval")
    assert len(_rows(findings_kb, "outcome_results", f"outcome={iri}")) == 2


def test_a_miss_suggests_names_from_the_kb_and_says_how_to_add_a_synonym(findings_kb: Cli) -> None:
    result = findings_kb("query", "outcome_results", "-p", "drug=Quorvimap")
    assert result.code != 0
    assert "Traceback" not in result.stderr
    assert "'Quorvimap' is not in the vocabulary for category 'drug'" in result.stderr
    assert "did you mean 'Quorvimab'?" in result.stderr
    assert "kb vocab add FILE" in result.stderr


def test_a_kb_name_of_another_category_is_not_a_drug(findings_kb: Cli) -> None:
    result = findings_kb("query", "outcome_results", "-p", "drug=test itch-free interval")
    assert result.code != 0 and "is not in the vocabulary for category 'drug'" in result.stderr


REGISTRY = ("fixtures", "clinicaltrials", "api_v2_json", "NCT02210780.json")


@pytest.fixture
def registry_kb(cli: Cli) -> Cli:
    result = cli("ingest", "ctgov", str(shared_path(*REGISTRY)), "--quiet")
    assert result.code == 0, result.stderr
    return cli


def test_a_registry_drug_no_vocabulary_knows_is_asked_for_by_its_registry_name(registry_kb: Cli) -> None:
    # NCT02210780: dupilumab (otherNames REGN668, SAR231893, Dupixent), in no bundled vocabulary.
    by_name = _rows(registry_kb, "outcome_results", "drug=Dupilumab")
    assert by_name, "the registry's outcome results of the dupilumab arm"
    assert _rows(registry_kb, "outcome_results", "drug=dupilumab") == by_name
    assert _rows(registry_kb, "outcome_results", f"drug={_local_iri(registry_kb, 'drug', 'Dupilumab')}") == by_name
    assert _rows(registry_kb, "adverse_events", "drug=DUPILUMAB")


def test_a_registry_other_name_resolves(registry_kb: Cli) -> None:
    assert _rows(registry_kb, "outcome_results", "drug=Dupixent") == _rows(registry_kb, "outcome_results", "drug=Dupilumab")


BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]


@pytest.fixture(params=BACKENDS)
def any_backend_kb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A KB holding the findings file on each store backend (a server that is not installed skips)."""
    if request.param == "embedded":
        location = str(tmp_path / "store")
    else:
        location = request.getfixturevalue("oxigraph_server" if request.param == "oxigraph-server" else "virtuoso_server").url
    kb = KnowledgeBase.open(location)
    for graph in kb.store.named_graphs():  # a server shared by the session starts empty here
        kb.store.remove_graph(graph)
    path = tmp_path / "quorvimab.yaml"
    path.write_text(FINDINGS, encoding="utf-8")
    assert kb.ingest("findings", [path]).ok
    yield kb
    for graph in kb.store.named_graphs():
        kb.store.remove_graph(graph)
    kb.close()


def test_the_kb_names_resolve_on_every_store_backend(any_backend_kb: KnowledgeBase) -> None:
    kb = any_backend_kb
    iri = kb.iris.unresolved_concept("drug", "Quorvimab")
    for given in ("Quorvimab", "quorvimab", iri):
        assert sorted(row.value for row in kb.query("outcome_results", drug=given)) == [7.0, 12.0], given
    with pytest.raises(UnknownTermError, match="did you mean 'Quorvimab'"):
        kb.query("outcome_results", drug="Quorvimap")
