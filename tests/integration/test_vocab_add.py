"""User vocabularies through the CLI: ``kb vocab add/list/remove``, ``kb ingest``, ``kb query unresolved``.

Fixtures are in tests/data/vocab (fictitious identifiers, see its README). Expected values
are read from the fixture files independently (csv, xml.etree, plain text), not by the code
under test.
"""

from __future__ import annotations

import re
import json
from pathlib import Path

import pyoxigraph as ox

from kb.store import KBStore
from tests.conftest import DATA_DIR

DATA = DATA_DIR / "vocab"
OBO, PURL = DATA / "drugs.obo", "http://purl.obolibrary.org/obo/"

FINDINGS = """
source:
  id: {source}
  publication:
    title: A made-up report for tests
trials:
  - key: demo
    arms:
      - key: drug
        label: Drug arm
        interventions:
          - drug: {drug}
      - {{key: control, label: Control arm}}
outcome_results:
  - key: response
    trial: demo
    outcome: test event-free interval
    comparisons:
      - {{arm: drug, reference_arm: control, p_value: 0.2}}
adverse_events:
  - key: itch
    trial: demo
    event: test pruritus
    arms:
      - {{arm: drug, percent: 10}}
"""


def _findings(tmp_path: Path, source: str, drug: str = "Zorbix test") -> Path:
    path = tmp_path / f"{source}.yaml"
    path.write_text(FINDINGS.format(source=source, drug=drug), encoding="utf-8")
    return path


def _unresolved(cli) -> dict[str, dict[str, str]]:
    result = cli("query", "unresolved", "--format", "json")
    assert result.code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_vocab_add_changes_how_the_next_ingest_resolves(cli, tmp_path: Path) -> None:
    first = cli("ingest", "findings", str(_findings(tmp_path, "source-a")))
    assert first.code == 0 and "unresolved drug 'Zorbix test'" in first.stderr
    before = _unresolved(cli)
    assert set(before) == {"Zorbix test", "test event-free interval", "test pruritus"}
    assert before["Zorbix test"]["category"] == "drug" and before["Zorbix test"]["sources"] == "source-a"
    assert int(before["Zorbix test"]["uses"]) == 2  # the arm's intervention and the trial's drug list

    added = cli("vocab", "add", str(DATA / "simple.tsv"), "--name", "mine")
    assert added.code == 0, added.stderr
    assert "added vocabulary 'mine'" in added.stderr and "3 new" in added.stderr
    assert "2 unresolved name(s) in the store now resolve" in added.stderr

    second = cli("ingest", "findings", str(_findings(tmp_path, "source-b")))
    assert second.code == 0 and "Zorbix test" not in second.stderr and "test event-free interval" not in second.stderr
    assert "unresolved adverse_event 'test pruritus'" in second.stderr
    after = _unresolved(cli)
    assert after["Zorbix test"]["sources"] == "source-a"  # only the source ingested before
    assert after["test pruritus"]["sources"] in ("source-a, source-b", "source-b, source-a")
    assert int(after["test pruritus"]["uses"]) == 2
    assert [row["name"] for row in json.loads(cli("query", "unresolved", "-p", "category=adverse_event", "-f", "json").stdout)] == ["test pruritus"]

    # A resolved drug is the vocabulary concept, labelled from the user graph.
    rows = json.loads(cli("sparql", "SELECT ?l WHERE { ?arm <https://w3id.org/trial-evidence-kb/ontology#drug> ?d . ?d <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }").stdout)
    assert {b["l"]["value"] for b in rows["results"]["bindings"]} >= {"zorbitinib test"}


def test_re_add_replaces_and_remove_restores(cli, tmp_path: Path) -> None:
    vocab = tmp_path / "mine.tsv"
    vocab.write_text("NCIT:C999001\tzorbitinib test\tZorbix test\tdrug\n", encoding="utf-8")
    assert cli("vocab", "add", str(vocab)).code == 0
    assert "Zorbix test" not in cli("ingest", "findings", str(_findings(tmp_path, "one"))).stderr

    vocab.write_text("NCIT:C999001\tzorbitinib test\t\tdrug\n", encoding="utf-8")  # the synonym is gone
    replaced = cli("vocab", "add", str(vocab))
    assert replaced.code == 0 and "replaced vocabulary 'mine'" in replaced.stderr
    assert "unresolved drug 'Zorbix test'" in cli("ingest", "findings", str(_findings(tmp_path, "two"))).stderr

    listed = json.loads(cli("vocab", "list", "-f", "json").stdout)
    mine = [v for v in listed if v["name"] == "mine"]
    assert mine == [{"name": "mine", "kind": "user", "concepts": 1, "extended": 0, "categories": "drug", "source": "mine.tsv"}]

    assert cli("vocab", "remove", "mine").code == 0
    assert "unresolved drug 'zorbitinib test'" in cli("ingest", "findings", str(_findings(tmp_path, "three", drug="zorbitinib test"))).stderr
    missing = cli("vocab", "remove", "mine")
    assert missing.code == 1 and "no user vocabulary 'mine'" in missing.stderr


def test_malformed_file_leaves_the_store_unchanged(cli, tmp_path: Path) -> None:
    assert cli("vocab", "add", str(DATA / "simple.tsv"), "--name", "mine").code == 0
    store_dir = tmp_path / "store"

    def quads() -> set[ox.Quad]:
        with KBStore.open(store_dir, read_only=True) as store:
            return set(store.quads())

    before = quads()
    broken = cli("vocab", "add", str(DATA / "broken.tsv"), "--name", "mine")
    assert broken.code == 1 and "broken.tsv:3:" in broken.stderr
    assert quads() == before


def test_list_counts_bundled_concepts_by_file(cli) -> None:
    from kb.paths import vocabulary_dir

    listed = {v["name"]: v for v in json.loads(cli("vocab", "list", "-f", "json").stdout)}
    for path in vocabulary_dir().glob("*.ttl"):
        expected = len(re.findall(r"^\S+ a skos:Concept\b(?!Scheme)", path.read_text(encoding="utf-8"), re.MULTILINE))
        assert listed[path.stem]["kind"] == "bundled" and listed[path.stem]["concepts"] == expected


def test_re_ingesting_the_same_file_after_vocab_add_resolves(cli, tmp_path: Path) -> None:
    findings = _findings(tmp_path, "same")
    assert "unresolved drug 'Zorbix test'" in cli("ingest", "findings", str(findings)).stderr
    assert cli("vocab", "add", str(DATA / "simple.tsv")).code == 0
    cli("ingest", "findings", str(findings))
    assert "Zorbix test" not in _unresolved(cli)
